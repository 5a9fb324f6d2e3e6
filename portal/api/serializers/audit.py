"""Audit events as the API lists them."""

from __future__ import annotations

from portal.audit.models import AuditEvent

from .base import ModelSerializer


class AuditEventSerializer(ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "at", "actor", "actor_label", "source", "action", "object_type", "object_id",
            "object_repr", "customer", "detail",
        ]  # fmt: skip
        read_only_fields = fields
