"""Audit events as the API lists them."""

from __future__ import annotations

from rest_framework import serializers

from portal.audit.models import AuditEvent

from .base import ID, described


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
