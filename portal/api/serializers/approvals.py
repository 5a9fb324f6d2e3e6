"""Approvals: what waits for whose yes, and the decision a client sends."""

from __future__ import annotations

from rest_framework import serializers

from portal.approvals.models import Approval
from portal.approvals.services import may_decide

from .base import ModelSerializer


class ApprovalSerializer(ModelSerializer):
    requested_by = serializers.CharField(
        source="requested_by.username", read_only=True, default="",
        help_text="Username of who asked (empty for a removed user).",
    )  # fmt: skip
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, default="",
        help_text="Username of who decided (empty while pending, or when it expired).",
    )  # fmt: skip
    reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="Why the policy holds the request, for people.",
    )  # fmt: skip
    may_decide = serializers.SerializerMethodField(
        help_text="Whether you may approve or reject it (never your own request)."
    )

    class Meta:
        model = Approval
        fields = [
            "id", "state", "customer", "operation", "batch", "policy", "reasons",
            "approver_reseller", "requested_by", "created_at", "expires_at", "decided_by",
            "decided_at", "decision_reason", "may_decide",
        ]  # fmt: skip
        read_only_fields = fields

    def get_may_decide(self, obj: Approval) -> bool:
        request = self.context.get("request")
        return request is not None and obj.is_pending and may_decide(request.user, obj)


class ApprovalDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, trim_whitespace=True,
        help_text="Why (required to reject: the requester reads it).",
    )  # fmt: skip


class ApprovalRejectSerializer(ApprovalDecisionSerializer):
    reason = serializers.CharField(
        max_length=500, trim_whitespace=True,
        help_text="Why it is rejected: the requester reads it.",
    )  # fmt: skip
