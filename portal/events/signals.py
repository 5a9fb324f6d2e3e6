"""Events announced from the audit trail: a month close is audited in the transaction that
makes it, so listening there needs no hook in the service (operation outcomes: operations)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.audit.models import AuditEvent

from .models import EventType
from .outbound import emit

_FROM_AUDIT = {
    "usage.month_closed": EventType.USAGE_PERIOD_CLOSED,
    "billing.frozen": EventType.BILLING_FROZEN,
}


@receiver(post_save, sender=AuditEvent, dispatch_uid="events_from_audit")
def _audit_to_event(sender, instance: AuditEvent, created: bool, raw: bool = False, **kwargs):
    event_type = _FROM_AUDIT.get(instance.action)
    if not created or raw or event_type is None:
        return
    payload = {**instance.detail, "object_type": instance.object_type}
    payload["object_id"] = instance.object_id
    emit(event_type, payload)
