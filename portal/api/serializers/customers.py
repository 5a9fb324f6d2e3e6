"""Customers, their vendor tenants and subscriptions."""

from __future__ import annotations

from rest_framework import serializers

from portal.customers.models import Customer, Subscription, Tenant

from .base import ModelSerializer


class CustomerSerializer(ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]  # a field named like a Field attribute: DRF allows it, the stubs do not
        queryset=Customer.objects.none(),
        allow_null=True,
        required=False,
        help_text="The reseller this customer belongs to (null: top level, distributor staff "
        "only). Moving a customer moves its whole subtree.",
    )
    depth = serializers.IntegerField(
        read_only=True, help_text="0 for a top-level customer, 1 below a reseller, and so on."
    )

    class Meta:
        model = Customer
        fields = [
            "id", "reference", "name", "kind", "parent", "path", "depth", "status",
            "external_ref", "contact_name", "contact_email", "contact_phone", "address",
            "country", "notes", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["reference", "path", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from portal.accounts.scoping import scoped_customers

            self.fields["parent"].queryset = scoped_customers(request.user)


SUBSCRIPTION_FIELDS = [
    "id", "tenant", "external_id", "product", "product_code", "product_name", "status", "seats",
    "seats_used", "term", "auto_renew", "is_trial", "trial_ends", "starts", "ends", "addons",
    "last_seen_at", "missing_since", "created_at", "updated_at",
]  # fmt: skip


class SubscriptionSerializer(ModelSerializer):
    class Meta:
        model = Subscription
        fields = SUBSCRIPTION_FIELDS
        read_only_fields = SUBSCRIPTION_FIELDS


class TenantSerializer(ModelSerializer):
    vendor = serializers.CharField(
        source="connection.vendor", read_only=True, help_text="Vendor of the tenant."
    )
    subscriptions = SubscriptionSerializer(
        many=True, read_only=True, help_text="The tenant's subscriptions."
    )

    class Meta:
        model = Tenant
        fields = [
            "id", "connection", "vendor", "customer", "external_id", "name", "status",
            "vendor_reference", "parent_external_id", "subscriptions", "first_seen_at",
            "last_seen_at", "missing_since", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class TenantLinkSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), help_text="The customer who owns this vendor tenant."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.accounts.scoping import scoped_customers

        request = self.context.get("request")
        if request is not None:
            self.fields["customer"].queryset = scoped_customers(request.user)
