"""Admin changes become audit events: every add, change and delete the admin logs."""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.core.models import Source

from .models import AuditEvent
from .services import audit_record

VERBS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


def _changed_fields(entry: LogEntry) -> list[str]:
    """Field labels only (the admin's change message never holds values)."""
    try:
        messages = json.loads(entry.change_message or "[]")
    except ValueError:
        return []
    fields: list[str] = []
    for message in messages if isinstance(messages, list) else []:
        for body in message.values() if isinstance(message, dict) else []:
            fields += (
                [str(name) for name in body.get("fields", [])] if isinstance(body, dict) else []
            )
    return fields


def _customer_of(entry: LogEntry):
    if entry.action_flag == DELETION:
        return None
    try:
        obj = entry.get_edited_object()
    except Exception:  # the row may be gone or its model unknown: the event still counts
        return None
    if obj._meta.label_lower == "customers.customer":
        return obj
    return getattr(obj, "customer", None)


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_log_entry")
def audit_admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if not created or instance.content_type_id is None:
        return
    content_type = instance.content_type
    assert content_type is not None  # content_type_id is set
    model = content_type.model_class()
    if model is AuditEvent:
        return
    audit_record(
        action=f"admin.{VERBS.get(instance.action_flag, 'logged')}",
        source=Source.ADMIN,
        actor=instance.user,
        customer=_customer_of(instance),
        object_type=f"{content_type.app_label}.{content_type.model}",
        object_id=str(instance.object_id or ""),
        object_repr=instance.object_repr,
        detail={"fields": _changed_fields(instance)},
    )
