"""Outbound webhook subscriptions of internal tools and their deliveries (admins only)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.core.models import Source
from portal.events import subscriptions
from portal.events.deliveries import webhook_redeliver, webhook_send_test
from portal.events.models import WebhookDelivery, WebhookSubscription

from ..filters import WebhookDeliveryFilterSet
from ..permissions import MANAGE
from ..serializers.webhooks import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from .base import FILTER_AND_ORDER, ReadOnly, refused


@extend_schema_view(
    list=extend_schema(description="Webhook subscriptions of internal tools (admins)."),
    retrieve=extend_schema(description="One webhook subscription."),
    create=extend_schema(
        description="Subscribe an endpoint to event types; the answer carries the signing "
        "secret, shown only once.",
        responses={201: WebhookSubscriptionCreatedSerializer},
    ),
    update=extend_schema(description="Replace a subscription's settings."),
    partial_update=extend_schema(description="Change some of a subscription's settings."),
    destroy=extend_schema(description="Delete a subscription and its delivery log."),
)
class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    serializer_class = WebhookSubscriptionSerializer
    read_level = MANAGE
    write_level = MANAGE
    filter_backends = FILTER_AND_ORDER
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]

    def get_queryset(self):
        return WebhookSubscription.objects.all()

    def perform_update(self, serializer):
        serializer.instance = subscriptions.webhook_subscription_update(
            subscription=serializer.instance,
            actor=self.request.user,
            source=Source.API,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        subscriptions.webhook_subscription_delete(
            subscription=instance, actor=self.request.user, source=Source.API
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscriptions.webhook_subscription_create(
            actor=request.user, source=Source.API, **serializer.validated_data
        )
        data = WebhookSubscriptionCreatedSerializer(subscription).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        description="Queue a signed 'test' event to this endpoint; follow the delivery's log.",
    )
    @action(detail=True, methods=["post"], url_path="send-test")
    def send_test(self, request, pk=None):
        try:
            delivery = webhook_send_test(subscription=self.get_object(), actor=request.user)
        except ValidationError as exc:
            raise refused(exc)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(description="Webhook deliveries, newest first, with every attempt."),
    retrieve=extend_schema(description="One delivery with every attempt and answer."),
)
class WebhookDeliveryViewSet(ReadOnly):
    serializer_class = WebhookDeliverySerializer
    read_level = MANAGE
    write_level = MANAGE
    filter_backends = FILTER_AND_ORDER
    filterset_class = WebhookDeliveryFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return WebhookDelivery.objects.prefetch_related("attempt_log")

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        description="Send the delivery again (same event id), with a fresh round of retries.",
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        delivery = webhook_redeliver(delivery=self.get_object(), actor=request.user)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
