"""Sync runs, sync and usage-collection requests, and drift (discrepancies).

UsageRequest sits here, not in usage: it asks for a run, like a sync request.
"""

from __future__ import annotations

from rest_framework import serializers

from portal.sync.models import Discrepancy, Resolution, SyncRun

from .base import ModelSerializer
from .operations import OperationSerializer


class SyncRunSerializer(ModelSerializer):
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


class DiscrepancySerializer(ModelSerializer):
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
