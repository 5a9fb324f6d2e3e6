"""API representations. Every field carries a description (help_text) for the schema."""

from __future__ import annotations

from dataclasses import asdict

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.audit.models import AuditEvent
from portal.catalog.models import Product, VendorConnection
from portal.customers.models import Customer, Subscription, Tenant
from portal.events.models import EventType, WebhookAttempt, WebhookDelivery, WebhookSubscription
from portal.operations import kinds
from portal.operations.keys import public_key
from portal.operations.models import Operation, OperationBatch, OperationKind
from portal.operations.options import connection_options
from portal.sync.models import Discrepancy, Resolution, SyncRun
from portal.usage.models import UsageRecord
from vendors.registry import get_adapter_class
from vendors.types import OptionType


def described(**descriptions: str) -> dict[str, dict[str, str]]:
    """``Meta.extra_kwargs`` giving each named field its schema description."""
    return {name: {"help_text": text} for name, text in descriptions.items()}


ID = "Unique identifier."
CREATED = "When the row was created (ISO 8601)."
UPDATED = "When the row last changed (ISO 8601)."


# -- connections ------------------------------------------------------------------------------


class CreateOptionSerializer(serializers.Serializer):
    """One vendor-specific field of a new tenant, as the adapter declares it."""

    name = serializers.CharField(help_text="The key to send it under in ``options``.")
    label = serializers.CharField(help_text="What the provision page calls it.")
    type = serializers.ChoiceField(
        choices=[t.value for t in OptionType], help_text="How its value is checked."
    )
    required = serializers.BooleanField(help_text="Whether a create must carry it.")
    choices = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="[value, label] pairs for a choice.",
    )
    help = serializers.CharField(help_text="The vendor's rule for it, in words.")
    min_value = serializers.IntegerField(
        allow_null=True, help_text="Shortest text or smallest integer (null: no limit)."
    )
    max_value = serializers.IntegerField(
        allow_null=True, help_text="Longest text or largest integer (null: no limit)."
    )


class ConnectionSerializer(serializers.ModelSerializer):
    credentials = serializers.DictField(
        child=serializers.CharField(),
        write_only=True,
        required=False,
        help_text="The vendor's credential fields as an object of strings. Write-only: stored "
        "encrypted and never returned; leave out on update to keep the current ones.",
    )
    has_credentials = serializers.SerializerMethodField(
        help_text="Whether credentials are stored (their values are never shown)."
    )
    create_options = serializers.SerializerMethodField(
        help_text="What a create_tenant operation at this vendor may carry in ``options``: "
        "name, label, type (text, email, integer, boolean, choice), required, choices, help, "
        "min_value and max_value (length limits for text, range for integers)."
    )

    class Meta:
        model = VendorConnection
        fields = [
            "id", "vendor", "name", "base_url", "enabled", "credentials", "has_credentials",
            "create_options", "sync_status", "last_synced_at", "last_success_at", "last_error", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "sync_status", "last_synced_at", "last_success_at", "last_error", "created_at",
            "updated_at",
        ]  # fmt: skip
        extra_kwargs = described(
            id=ID,
            vendor="Vendor of this account (one of the registered vendors).",
            name="Unique name of the connection.",
            base_url="The vendor API's base URL (production or sandbox).",
            enabled="Disabled connections are neither synced nor used for operations.",
            sync_status="Outcome of the latest sync.",
            last_synced_at="When the latest sync finished.",
            last_success_at="When a sync last succeeded.",
            last_error="The latest sync or credential error, for staff.",
            created_at=CREATED,
            updated_at=UPDATED,
        )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_credentials(self, obj) -> bool:
        return bool(obj.credentials)

    @extend_schema_field(CreateOptionSerializer(many=True))
    def get_create_options(self, obj) -> list[dict]:
        return [
            {**asdict(o), "type": o.type.value, "choices": [list(c) for c in o.choices]}
            for o in connection_options(obj)
        ]

    def validate(self, attrs):
        vendor = attrs.get("vendor") or getattr(self.instance, "vendor", None)
        credentials = attrs.get("credentials")
        if self.instance is None and not credentials:
            raise serializers.ValidationError(
                {"credentials": ["Credentials are required for a new connection."]}
            )
        if self.instance is not None and attrs.get("vendor", vendor) != self.instance.vendor:
            raise serializers.ValidationError({"vendor": ["A connection's vendor cannot change."]})
        if credentials is not None and vendor:
            missing = sorted(set(get_adapter_class(vendor).credential_fields) - set(credentials))
            if missing:
                raise serializers.ValidationError(
                    {"credentials": [f"Missing credential fields: {', '.join(missing)}."]}
                )
        return attrs


class ConnectionTestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True when the vendor accepted the credentials.")
    message = serializers.CharField(help_text="Why it failed (or that it works), for staff.")


class SyncRunSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(
        source="connection.vendor", read_only=True, help_text="Vendor of the connection."
    )

    class Meta:
        model = SyncRun
        fields = [
            "id", "connection", "vendor", "scope", "period", "status", "pages_done", "items_seen",
            "items_total", "created_count", "updated_count", "unchanged_count", "missing_count",
            "error", "errors", "triggered_by", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        extra_kwargs = described(
            id=ID,
            connection="The connection synced.",
            scope="What the run pulls: full (catalog, tenants, subscriptions) or usage.",
            period="First day of the month, for usage runs.",
            status="queued, running, succeeded, partial or failed.",
            pages_done="Vendor pages processed so far.",
            items_seen="Tenants seen so far.",
            items_total="Tenants expected, when known.",
            created_count="Rows created.",
            updated_count="Rows changed.",
            unchanged_count="Rows seen unchanged.",
            missing_count="Tenants no longer listed by the vendor (marked missing).",
            error="Why the run stopped or was partial.",
            errors="Per-page or per-tenant errors (vendor, status, message).",
            triggered_by="Who or what asked for the run.",
            created_at=CREATED,
            started_at="When the worker started it.",
            finished_at="When it ended.",
        )


class SyncRequestSerializer(serializers.Serializer):
    queued = serializers.BooleanField(help_text="True when a new sync was queued.")
    message = serializers.CharField(help_text="What happened, for people.")
    run = SyncRunSerializer(
        allow_null=True,
        help_text="The running sync (or, with an eager worker, the finished one); null while a "
        "queued sync has not started: follow sync_runs_url.",
    )
    sync_runs_url = serializers.CharField(help_text="The connection's sync runs, newest first.")


class UsageRequestSerializer(serializers.Serializer):
    period = serializers.DateField(
        required=False,
        help_text="Any day of the month to collect (default: last month).",
    )


# -- customers --------------------------------------------------------------------------------


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


# -- tenants, subscriptions, products ---------------------------------------------------------

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


class ProductSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(
        source="connection.vendor", read_only=True, help_text="Vendor selling it."
    )

    class Meta:
        model = Product
        fields = [
            "id", "connection", "vendor", "external_id", "code", "name", "kind",
            "trial_available", "addons", "is_active", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = described(
            id=ID,
            connection="The connection whose catalog lists it.",
            external_id="The vendor's id.",
            code="Product code used in operations (product_code).",
            name="Product name.",
            kind="base or addon.",
            trial_available="Whether a trial can be started.",
            addons="Add-on codes that can be enabled on it.",
            is_active="False when the vendor no longer lists it.",
            created_at=CREATED,
            updated_at=UPDATED,
        )


# -- usage ------------------------------------------------------------------------------------


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


# -- operations -------------------------------------------------------------------------------


class OperationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Follow this URL until the state is final.")
    vendor = serializers.CharField(
        source="connection.vendor", read_only=True, help_text="Vendor the change is sent to."
    )
    idempotency_key = serializers.SerializerMethodField(
        help_text="The Idempotency-Key the request was sent with (empty for page requests)."
    )

    class Meta:
        model = Operation
        fields = [
            "id", "url", "kind", "state", "vendor", "connection", "customer", "tenant",
            "subscription", "batch", "params", "idempotency_key", "source", "attempts",
            "max_attempts", "last_error", "error_detail", "result", "next_attempt_at",
            "created_at", "started_at", "finished_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = described(
            id=ID,
            kind="What is changed at the vendor.",
            state="pending, running, verifying, succeeded, failed or cancelled.",
            connection="The vendor connection it runs against.",
            customer="The customer concerned.",
            tenant="The vendor tenant concerned (set once created, for create_tenant).",
            subscription="The subscription concerned, for subscription changes.",
            batch="The bulk batch it belongs to, if any.",
            params="What is sent to the vendor, normalized.",
            source="Where it was requested: api, page, admin, …",
            attempts="Attempts made so far.",
            max_attempts="Attempts allowed before it fails.",
            last_error="Why the latest attempt failed, for staff.",
            error_detail="The vendor's error (status, code, field errors), redacted.",
            result="What the vendor answered on success (tenant and subscription ids).",
            next_attempt_at="When the next attempt is due, while retrying.",
            created_at=CREATED,
            started_at="When a worker first picked it up.",
            finished_at="When it reached a final state.",
            updated_at=UPDATED,
        )

    def get_url(self, obj) -> str:
        path = reverse("api:operation-detail", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_idempotency_key(self, obj) -> str:
        return public_key(obj)


class OperationCreateSerializer(serializers.Serializer):
    """One request for a change at a vendor; which fields are needed depends on ``kind``."""

    kind = serializers.ChoiceField(
        choices=OperationKind.choices,
        help_text=kinds.requirements(),
    )
    customer = serializers.IntegerField(required=False, help_text="Customer id (create_tenant).")
    connection = serializers.IntegerField(
        required=False, help_text="Vendor connection id (create_tenant)."
    )
    tenant = serializers.IntegerField(
        required=False, help_text="Tenant id (suspend, resume, cancel)."
    )
    subscription = serializers.IntegerField(
        required=False, help_text="Subscription id (subscription changes; cancel of one)."
    )
    product_code = serializers.CharField(
        required=False, max_length=120, help_text="Product code (create_tenant, change_plan)."
    )
    seats = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text="Seats purchased, absolute (create_tenant, change_seats, convert_trial).",
    )
    trial = serializers.BooleanField(
        required=False, default=False, help_text="Start as a trial (create_tenant)."
    )
    addons = serializers.ListField(
        child=serializers.CharField(max_length=120, help_text="An add-on code."),
        required=False,
        max_length=50,
        help_text="Add-on codes: the exact set wanted (change_addons) or to start with "
        "(create_tenant).",
    )

    options = serializers.DictField(
        required=False,
        help_text="The vendor's create options (create_tenant), by name: see the connection's "
        "create_options for each field's label, type, limits and whether it is required.",
    )

    def validate(self, attrs):
        needed = kinds.spec(attrs["kind"]).fields
        missing = [name for name in needed if attrs.get(name) is None]
        if missing:
            raise serializers.ValidationError(
                {name: [f"Required for {attrs['kind']}."] for name in missing}
            )
        return attrs


class BatchRequestSerializer(serializers.Serializer):
    customer = serializers.IntegerField(
        help_text="The customer to suspend or resume everywhere (a reseller: with its subtree)."
    )
    kind = serializers.ChoiceField(
        choices=[(OperationKind.SUSPEND, "Suspend"), (OperationKind.RESUME, "Resume")],
        help_text="suspend or resume.",
    )
    dry_run = serializers.BooleanField(
        default=False,
        help_text="true: only answer the plan (what would happen to each tenant); nothing is "
        "written or sent.",
    )


class PlanItemSerializer(serializers.Serializer):
    tenant_id = serializers.IntegerField(help_text="The tenant.")
    tenant = serializers.CharField(help_text="Tenant name.")
    customer_id = serializers.IntegerField(allow_null=True, help_text="Its customer.")
    customer = serializers.CharField(help_text="Customer name.")
    connection_id = serializers.IntegerField(help_text="The connection.")
    connection = serializers.CharField(help_text="Connection name.")
    vendor = serializers.CharField(help_text="Vendor.")
    vendor_name = serializers.CharField(help_text="Vendor's display name.")
    status = serializers.CharField(help_text="The tenant's status now.")
    action = serializers.CharField(help_text="The operation kind that will run, or skip.")
    reason = serializers.CharField(help_text="Why it is skipped (empty when it runs).")


class BatchPlanSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(help_text="Always true: nothing was written.")
    kind = serializers.CharField(help_text="suspend or resume.")
    customer = serializers.IntegerField(help_text="The customer planned for.")
    will_run = serializers.IntegerField(help_text="Operations a real request would create.")
    plan = PlanItemSerializer(many=True, help_text="One line per vendor tenant of the subtree.")


class BatchProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Operations in the batch.")
    by_state = serializers.DictField(
        child=serializers.IntegerField(), help_text="Operations per state."
    )
    skipped = serializers.IntegerField(help_text="Tenants the plan skipped.")
    finished = serializers.IntegerField(help_text="Operations in a final state.")
    failed = serializers.IntegerField(help_text="Failed operations.")
    percent = serializers.IntegerField(help_text="Finished, in percent.")
    done = serializers.BooleanField(help_text="True when every operation is final.")


class OperationBatchSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="How far the batch has come.")

    class Meta:
        model = OperationBatch
        fields = [
            "id", "kind", "customer", "description", "plan", "source", "progress", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = described(
            id=ID,
            kind="suspend or resume.",
            customer="The customer the batch was requested for.",
            description="What the batch does, for people.",
            plan="The plan confirmed at creation (one line per tenant, with skips and reasons).",
            source="Where it was requested.",
            created_at=CREATED,
            updated_at=UPDATED,
        )

    @extend_schema_field(BatchProgressSerializer)
    def get_progress(self, obj) -> dict:
        from portal.operations.selectors import BatchProgress

        counts = getattr(obj, "state_counts", None) or {}
        skipped = sum(1 for item in obj.plan if item.get("action") == "skip")
        progress = BatchProgress(total=sum(counts.values()), by_state=counts, skipped=skipped)
        return {
            "total": progress.total,
            "by_state": progress.by_state,
            "skipped": progress.skipped,
            "finished": progress.finished,
            "failed": progress.failed,
            "percent": progress.percent,
            "done": progress.done,
        }


# -- drift, audit -----------------------------------------------------------------------------


class DiscrepancySerializer(serializers.ModelSerializer):
    resolution = serializers.ChoiceField(
        choices=Resolution.choices,
        allow_blank=True,
        read_only=True,
        help_text="How it was resolved (empty while open).",
    )

    class Meta:
        model = Discrepancy
        fields = [
            "id", "tenant", "subscription", "field", "ours", "vendor_value", "status",
            "resolution", "first_seen_at", "last_seen_at", "resolved_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = described(
            id=ID,
            tenant="The tenant where the values differ.",
            subscription="The subscription concerned, if any.",
            field="The field that differs (seats, addons, status, …).",
            ours="The value the portal set.",
            vendor_value="The value the vendor reports.",
            status="open or resolved.",
            first_seen_at="When sync first saw the difference.",
            last_seen_at="When sync last saw it.",
            resolved_at="When it was resolved.",
        )


class DiscrepancyResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(
        choices=[
            ("accept_vendor", "Accept the vendor's value"),
            ("reapply", "Re-apply ours (an operation)"),
            ("ignore", "Ignore (stop tracking the field)"),
        ],
        help_text="accept_vendor: the vendor's value becomes intended; reapply: send ours "
        "again as an operation; ignore: stop tracking this field.",
    )


class DiscrepancyResolvedSerializer(serializers.Serializer):
    discrepancy = DiscrepancySerializer(help_text="The discrepancy, now resolved.")
    operation = OperationSerializer(
        allow_null=True, help_text="The operation re-applying our value (reapply only)."
    )


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "at", "actor", "actor_label", "source", "action", "object_type", "object_id",
            "object_repr", "customer", "detail",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = described(
            id=ID,
            at="When it happened.",
            actor="The user who did it (null: the system).",
            actor_label="Username, or the system part that acted.",
            source="Where: page, api, admin, worker, …",
            action="What was done, e.g. operation.requested.",
            object_type="The kind of object (app_label.model).",
            object_id="The object's id.",
            object_repr="The object as text.",
            detail="Redacted details of the change.",
        )


# -- webhooks ---------------------------------------------------------------------------------


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
