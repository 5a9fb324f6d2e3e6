"""Outbound webhook subscriptions, deliveries and their attempts."""

from __future__ import annotations

from rest_framework import serializers

from portal.events.models import EventType, WebhookAttempt, WebhookDelivery, WebhookSubscription

from .base import CREATED, ID, UPDATED, described


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[c for c in EventType.choices if c[0] != EventType.TEST],
            help_text="An event type.",
        ),
        allow_empty=False,
        help_text="Event types delivered to this endpoint.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "event_types", "active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = described(id=ID, created_at=CREATED, updated_at=UPDATED)


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The HMAC-SHA256 signing secret. Shown only in this answer: store it."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]

    def get_secret(self, obj) -> str:
        return obj.secret.get("secret", "")


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "at", "status_code", "response_body", "error", "duration_ms"]
        read_only_fields = fields
        extra_kwargs = described(
            number="1 for the first attempt, and so on.",
            at="When it was sent.",
            status_code="The receiver's HTTP status (null when it could not be reached).",
            response_body="The start of the receiver's answer.",
            error="Connection error, when there was no answer.",
            duration_ms="How long the receiver took, in milliseconds.",
        )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempt_log = WebhookAttemptSerializer(
        many=True, read_only=True, help_text="Every attempt with the receiver's answer."
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "subscription", "event_id", "event_type", "payload", "status", "attempts",
            "max_attempts", "next_attempt_at", "last_status_code", "created_at", "delivered_at",
            "attempt_log",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = described(
            id=ID,
            subscription="The subscription it is for.",
            event_id="The event's id, sent as X-Portal-Delivery (stable across retries).",
            event_type="The event type, sent as X-Portal-Event.",
            payload="The event's data (the body's data member).",
            status="pending (will be retried), delivered or failed (gave up).",
            attempts="Attempts made.",
            max_attempts="Attempts allowed (a redelivery raises it).",
            next_attempt_at="When the next retry is due.",
            last_status_code="The receiver's latest HTTP status.",
            created_at=CREATED,
            delivered_at="When a 2xx answer came.",
        )
