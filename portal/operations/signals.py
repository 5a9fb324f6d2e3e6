"""Operation outcomes announced as events: each is audited in the transaction that records it,
so listening to the audit trail needs no hook in the engine."""

from __future__ import annotations

from functools import partial

from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.audit.models import AuditEvent
from portal.events.models import EventType
from portal.events.outbound import emit

from .models import Operation

OUTCOMES = {
    "operation.succeeded": EventType.OPERATION_SUCCEEDED,
    "operation.failed": EventType.OPERATION_FAILED,
}


def operation_payload(operation_id: int) -> dict:
    """What a subscriber receives about an operation (read only when someone subscribed)."""
    op = (
        Operation.objects.select_related("connection", "customer", "tenant")
        .filter(pk=operation_id)
        .first()
    )
    if op is None:
        return {"operation": operation_id}
    return {
        "operation": op.pk,
        "kind": op.kind,
        "state": op.state,
        "vendor": op.connection.vendor,
        "connection": op.connection_id,
        "customer": op.customer_id,
        "customer_reference": op.customer.reference if op.customer else None,
        "tenant": op.tenant_id,
        "subscription": op.subscription_id,
        "attempts": op.attempts,
        "error": op.last_error,
        "result": op.result,
    }


@receiver(post_save, sender=AuditEvent, dispatch_uid="operation_outcome_events")
def _outcome_to_event(sender, instance: AuditEvent, created: bool, raw: bool = False, **kwargs):
    event_type = OUTCOMES.get(instance.action)
    if not created or raw or event_type is None or instance.object_type != "operations.operation":
        return
    emit(event_type, partial(operation_payload, int(instance.object_id)))
