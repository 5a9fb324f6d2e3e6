"""Frozen billing lines as the API lists them; cost and margin are null for scoped users."""

from __future__ import annotations

from rest_framework import serializers

from portal.billing.models import BillingLine, Statement, StatementRow
from portal.billing.selectors import sees_cost
from portal.catalog.models import VendorConnection

from .base import ModelSerializer

STAFF_ONLY = ("unit_cost", "cost", "margin", "price_source")


def _staff_money(places: int) -> serializers.DecimalField:
    """A distributor-only figure: null for a reseller's users."""
    return serializers.DecimalField(
        max_digits=18,
        decimal_places=places,
        read_only=True,
        allow_null=True,
        help_text="Distributor staff only.",
    )


class BillingLineSerializer(ModelSerializer):
    period = serializers.DateField(
        source="run.period", read_only=True, help_text="First day of the month billed."
    )
    connection = serializers.IntegerField(
        source="run.connection_id", read_only=True, help_text="The vendor connection billed."
    )
    customer_external_ref = serializers.CharField(
        source="customer.external_ref",
        read_only=True,
        help_text="The customer's reference in the CRM/PSA tool.",
    )
    unit_cost = _staff_money(4)
    cost = _staff_money(2)
    margin = _staff_money(2)
    price_source = serializers.CharField(
        read_only=True, allow_null=True, help_text="Why this sell price; staff only."
    )

    class Meta:
        model = BillingLine
        fields = [
            "id",
            "period",
            "connection",
            "kind",
            "corrects",
            "reseller",
            "customer",
            "customer_external_ref",
            "tenant",
            "subscription",
            "price",
            "addon",
            "basis",
            "description",
            "quantity",
            "unit_price",
            "amount",
            "currency",
            *STAFF_ONLY,
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not sees_cost(self.context["request"].user):
            data.update(dict.fromkeys(STAFF_ONLY))
        return data


class StatementSerializer(ModelSerializer):
    """A vendor statement of one month and its reconciliation state (distributor staff only)."""

    class Meta:
        model = Statement
        fields = ["id", "connection", "period", "state", "lines", "filename", "updated_at"]
        extra_kwargs = {
            "connection": {"help_text": "The vendor connection whose bill this is."},
            "state": {"help_text": "Open, differences, or reconciled (every difference accepted)."},
            "filename": {"help_text": "The uploaded file's name."},
        }


class StatementUploadSerializer(serializers.Serializer):
    connection = serializers.PrimaryKeyRelatedField(
        queryset=VendorConnection.objects.all(), help_text="The vendor connection billed."
    )
    period = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="The month billed, YYYY-MM.")
    file = serializers.FileField(help_text="The statement CSV, columns as the saved mapping.")


class StatementRowSerializer(ModelSerializer):
    class Meta:
        model = StatementRow
        fields = [
            "id",
            "kind",
            "tenant_external_id",
            "sku",
            "tenant",
            "customer",
            "currency",
            "vendor_quantity",
            "vendor_amount",
            "mirror_quantity",
            "expected_cost",
            "billed_amount",
            "quantity_difference",
            "money_difference",
            "reason",
            "accepted_at",
        ]
        extra_kwargs = {
            name: {"help_text": text}
            for name, text in {
                "kind": "Matched, difference, on the vendor's bill only, or in the mirror only.",
                "tenant_external_id": "The tenant's id at the vendor, as the statement names it.",
                "sku": "The product or add-on code billed.",
                "tenant": "The mirrored tenant matched (null when only the vendor bills it).",
                "customer": "The tenant's customer in the portal.",
                "currency": "ISO 4217 currency of the amounts.",
                "vendor_quantity": "Quantity on the vendor's statement.",
                "vendor_amount": "Amount on the vendor's statement.",
                "mirror_quantity": "Quantity our frozen billing counted.",
                "quantity_difference": "Vendor quantity minus ours.",
                "accepted_at": "When staff accepted the difference (with the reason).",
            }.items()
        }
