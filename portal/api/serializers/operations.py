"""Operations, their requests, and bulk batches with their plans and progress (the model
fields describe themselves: their help_text is the schema's text)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.operations import kinds
from portal.operations.keys import public_key
from portal.operations.models import Operation, OperationBatch, OperationKind

from .base import ModelSerializer


class OperationSerializer(ModelSerializer):
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


class OperationBatchSerializer(ModelSerializer):
    progress = serializers.SerializerMethodField(help_text="How far the batch has come.")

    class Meta:
        model = OperationBatch
        fields = [
            "id", "kind", "customer", "description", "plan", "source", "progress", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

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
