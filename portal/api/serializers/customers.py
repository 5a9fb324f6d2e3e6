"""Customers, their vendor tenants and subscriptions."""

from __future__ import annotations

from rest_framework import serializers

from portal.customers.models import Customer, Subscription, Tenant

from .base import CREATED, ID, UPDATED, described


class CustomerSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
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
        extra_kwargs = described(
            id=ID,
            reference="The portal's stable reference, sent to vendors that keep one.",
            name="Company name.",
            kind="reseller (may have customers below it) or end_customer.",
            path="Materialized path of ids from the top, e.g. /1/5/9/.",
            status="active, suspended or inactive.",
            external_ref="The CRM/PSA's identifier (unique when set).",
            contact_name="Contact person (first and last name).",
            contact_email="Contact email; required before a vendor account is opened.",
            contact_phone="Contact phone.",
            address="Postal address.",
            country="ISO 3166-1 alpha-2 country code.",
            notes="Free text for staff.",
            created_at=CREATED,
            updated_at=UPDATED,
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from portal.accounts.scoping import scoped_customers

            self.fields["parent"].queryset = scoped_customers(request.user)


SUBSCRIPTION_DESCRIPTIONS = described(
    id=ID,
    tenant="The vendor tenant it belongs to.",
    external_id="The vendor's id for the subscription.",
    product="The mirrored catalog product, when known.",
    product_code="The vendor's product code.",
    product_name="The vendor's product name.",
    status="Status at the vendor (active, trial, suspended, cancelled, …).",
    seats="Seats purchased (reserved).",
    seats_used="Seats in use, as last reported.",
    term="Billing term, as the vendor states it.",
    auto_renew="Whether it renews automatically (null: unknown).",
    is_trial="True for a trial.",
    trial_ends="When the trial ends.",
    starts="Start date.",
    ends="End date.",
    addons="Add-on codes enabled.",
    last_seen_at="When sync last saw it at the vendor.",
    missing_since="Set when the vendor stopped listing it.",
    created_at=CREATED,
    updated_at=UPDATED,
)
SUBSCRIPTION_FIELDS = [
    "id", "tenant", "external_id", "product", "product_code", "product_name", "status", "seats",
    "seats_used", "term", "auto_renew", "is_trial", "trial_ends", "starts", "ends", "addons",
    "last_seen_at", "missing_since", "created_at", "updated_at",
]  # fmt: skip


class SubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = SUBSCRIPTION_FIELDS
        read_only_fields = SUBSCRIPTION_FIELDS
        extra_kwargs = SUBSCRIPTION_DESCRIPTIONS


class TenantSerializer(serializers.ModelSerializer):
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
        extra_kwargs = described(
            id=ID,
            connection="The vendor connection holding the tenant.",
            customer="The customer it belongs to; null while unmatched (not adopted).",
            external_id="The vendor's id for the tenant.",
            name="Name at the vendor.",
            status="Status at the vendor (active, suspended, cancelled, missing, …).",
            vendor_reference="The reference the vendor record carries (ours when we created it).",
            parent_external_id="The vendor's id of its parent account, if any.",
            first_seen_at="When sync first saw it.",
            last_seen_at="When sync last saw it.",
            missing_since="Set when the vendor stopped listing it.",
            created_at=CREATED,
            updated_at=UPDATED,
        )


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
