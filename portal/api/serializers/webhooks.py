"""Outbound webhook subscriptions, deliveries and their attempts."""

from __future__ import annotations

from rest_framework import serializers

from portal.events.models import EventType, WebhookAttempt, WebhookDelivery, WebhookSubscription

from .base import ModelSerializer


class WebhookSubscriptionSerializer(ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[c for c in EventType.choices if c[0] != EventType.TEST],
            help_text="An event type.",
        ),
        allow_empty=False,
        help_text=WebhookSubscription._meta.get_field("event_types").help_text,
    )  # declared for its choices (the model stores a list), described by the model

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "event_types", "active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The HMAC-SHA256 signing secret. Shown only in this answer: store it."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]

    def get_secret(self, obj) -> str:
        return obj.secret.get("secret", "")


class WebhookAttemptSerializer(ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "at", "status_code", "response_body", "error", "duration_ms"]
        read_only_fields = fields


class WebhookDeliverySerializer(ModelSerializer):
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
