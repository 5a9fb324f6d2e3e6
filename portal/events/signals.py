"""Events announced from the audit trail: every operation outcome and month close is audited
in the transaction that makes it, so listening there needs no hook in the engine or services."""

from __future__ import annotations

from functools import partial

from django.apps import apps
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.audit.models import AuditEvent

from .models import EventType
from .outbound import emit

_FROM_AUDIT = {
    "operation.succeeded": EventType.OPERATION_SUCCEEDED,
    "operation.failed": EventType.OPERATION_FAILED,
    "usage.month_closed": EventType.USAGE_PERIOD_CLOSED,
}


def _operation_payload(operation_id: int) -> dict:
    # Looked up by label, not imported: events sits below the operations app.
    Operation = apps.get_model("operations", "Operation")
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


@receiver(post_save, sender=AuditEvent, dispatch_uid="events_from_audit")
def _audit_to_event(sender, instance: AuditEvent, created: bool, raw: bool = False, **kwargs):
    event_type = _FROM_AUDIT.get(instance.action)
    if not created or raw or event_type is None:
        return
    if instance.object_type == "operations.operation":
        # Read only when a subscription wants it: every operation outcome passes here.
        payload = partial(_operation_payload, int(instance.object_id))
    else:
        payload = {**instance.detail, "object_type": instance.object_type}
        payload["object_id"] = instance.object_id
    emit(event_type, payload)
