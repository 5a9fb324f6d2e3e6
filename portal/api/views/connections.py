"""Vendor connections and the products their catalogs list (the catalog app).

A connection's actions (test, sync, collect usage) live here: they act on one connection.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.catalog import services as catalog_services
from portal.catalog.models import Product, VendorConnection
from portal.core.models import Source
from portal.sync.adapters import connection_test
from portal.sync.enqueue import sync_request, usage_request
from portal.sync.models import SyncRun
from portal.usage.collection import previous_month
from vendors.types import month_start

from ..filters import ConnectionFilterSet, ProductFilterSet
from ..permissions import MANAGE
from ..serializers.connections import (
    ConnectionSerializer,
    ConnectionTestResultSerializer,
    ProductSerializer,
)
from ..serializers.sync import SyncRequestSerializer, SyncRunSerializer, UsageRequestSerializer
from .base import FILTER_AND_ORDER, ReadOnly


@extend_schema_view(
    list=extend_schema(description="Vendor connections (credentials are never returned)."),
    retrieve=extend_schema(description="One vendor connection."),
    create=extend_schema(description="Add a vendor connection (distributor admins)."),
    update=extend_schema(description="Replace a connection's settings; omit credentials to keep."),
    partial_update=extend_schema(description="Change some of a connection's settings."),
)
class ConnectionViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnly
):  # no delete: operations and tenants refer to connections
    serializer_class = ConnectionSerializer
    write_level = MANAGE
    filter_backends = FILTER_AND_ORDER
    filterset_class = ConnectionFilterSet
    ordering_fields = ["name", "vendor", "created_at", "last_synced_at"]
    ordering = ["vendor", "name", "pk"]

    def get_queryset(self):
        return VendorConnection.objects.all()

    def perform_create(self, serializer):
        serializer.instance = catalog_services.connection_create(
            actor=self.request.user, source=Source.API, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = catalog_services.connection_update(
            connection=serializer.instance,
            actor=self.request.user,
            source=Source.API,
            **serializer.validated_data,
        )

    @extend_schema(
        request=None,
        responses=ConnectionTestResultSerializer,
        description="Make one authenticated call to the vendor and say why it failed, if it did.",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        result = connection_test(self.get_object(), actor=request.user, source=Source.API)
        return Response({"ok": result.ok, "message": result.message})

    def _sync_answer(self, connection, outcome) -> Response:
        run = outcome.running
        if outcome.queued:
            # With an eager worker the run already exists; otherwise it is null until it starts.
            run = (
                SyncRun.objects.filter(connection=connection).order_by("-created_at", "-pk").first()
            )
        runs_url = reverse("api:syncrun-list") + f"?connection={connection.pk}"
        body = {
            "queued": outcome.queued,
            "message": outcome.message,
            "run": SyncRunSerializer(run).data if run else None,
            "sync_runs_url": self.request.build_absolute_uri(runs_url),
        }
        return Response(
            body, status=status.HTTP_202_ACCEPTED if outcome.queued else status.HTTP_409_CONFLICT
        )

    @extend_schema(
        request=None,
        responses={202: SyncRequestSerializer, 409: SyncRequestSerializer},
        description="Queue a full sync of the connection. 202 with the run (null until a worker "
        "starts it: follow sync_runs_url); 409 when one is already running or the connection "
        "is disabled.",
    )
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        connection = self.get_object()
        outcome = sync_request(connection, triggered_by=f"api:{request.user.get_username()}")
        return self._sync_answer(connection, outcome)

    @extend_schema(
        request=UsageRequestSerializer,
        responses={202: SyncRequestSerializer, 409: SyncRequestSerializer},
        description="Queue collecting one month of usage for every tenant of the connection "
        "(default: last month). 409 when the connection is disabled.",
    )
    @action(detail=True, methods=["post"], url_path="collect-usage")
    def collect_usage(self, request, pk=None):
        connection = self.get_object()
        body = UsageRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        period = month_start(body.validated_data.get("period") or previous_month())
        outcome = usage_request(
            connection, period, triggered_by=f"api:{request.user.get_username()}"
        )
        return self._sync_answer(connection, outcome)


@extend_schema_view(
    list=extend_schema(description="Products each connection's catalog lists."),
    retrieve=extend_schema(description="One product."),
)
class ProductViewSet(ReadOnly):
    serializer_class = ProductSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = ProductFilterSet
    ordering_fields = ["name", "code", "created_at"]
    ordering = ["connection_id", "name", "pk"]

    def get_queryset(self):
        return Product.objects.select_related("connection")
