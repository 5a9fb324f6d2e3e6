"""Usage figures as the API lists them."""

from __future__ import annotations

from rest_framework import serializers

from portal.usage.models import UsageRecord

from .base import ID, described


class UsageRecordSerializer(serializers.ModelSerializer):
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
        extra_kwargs = described(
            id=ID,
            tenant="The vendor tenant measured.",
            subscription="The subscription measured (null: a tenant-level figure).",
            subscription_key="The subscription's external id, or empty for tenant-level figures.",
            period="First day of the month measured.",
            metric="What is counted (seats, devices, storage, …).",
            quantity="The amount, as a decimal string.",
            unit="Unit of the quantity.",
            vendor_field="The vendor's own name for the figure.",
            source="vendor (reported) or computed.",
            collected_at="When it was last collected.",
        )
