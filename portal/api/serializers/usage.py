"""Usage figures as the API lists them."""

from __future__ import annotations

from rest_framework import serializers

from portal.usage.models import UsageRecord

from .base import ModelSerializer


class UsageRecordSerializer(ModelSerializer):
    customer = serializers.IntegerField(
        source="tenant.customer_id",
        read_only=True,
        allow_null=True,
        help_text="The tenant's customer (null when unmatched).",
    )
    vendor = serializers.CharField(
        source="tenant.connection.vendor", read_only=True, help_text="Vendor reporting it."
    )

    class Meta:
        model = UsageRecord
        fields = [
            "id", "tenant", "customer", "vendor", "subscription", "subscription_key", "period",
            "metric", "quantity", "unit", "vendor_field", "source", "collected_at",
        ]  # fmt: skip
        read_only_fields = fields
