"""Reading the audit trail, always through the user's scope."""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from portal.accounts.scoping import scoped

from .filters import AuditEventFilterSet
from .models import AuditEvent

#: What the audit page prints (tables.AuditTable) and the export writes: not the actor's user row.
LIST_COLUMNS = (
    "at", "actor_label", "source", "action", "object_type", "object_id", "object_repr",
    "customer_id", "customer__name", "detail",
)  # fmt: skip


def audit_event_list(*, user, params=None, request=None) -> tuple[AuditEventFilterSet, QuerySet]:
    """The filtered, scoped events (newest first) and the FilterSet that chose them."""
    base = scoped_audit_events(
        user,
        AuditEvent.objects.select_related("customer").only(*LIST_COLUMNS),
    )
    filterset = AuditEventFilterSet(params or {}, queryset=base, request=request)
    events = filterset.qs if filterset.is_valid() else base.none()
    return filterset, events.order_by("-at", "-pk")


def object_history(*, user, obj: Model, limit: int = 20) -> QuerySet:
    """Events about ``obj``; for a customer also every event concerning it (its tenants, operations)."""
    condition = Q(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if obj._meta.label_lower == "customers.customer":
        condition |= Q(customer_id=obj.pk)
    events = scoped_audit_events(
        user, AuditEvent.objects.filter(condition).select_related("customer")
    )
    return events.order_by("-at", "-pk")[:limit]


def scoped_audit_events(user, queryset: QuerySet | None = None) -> QuerySet:
    """Audit events in the user's scope."""
    return scoped(
        user, queryset if queryset is not None else AuditEvent.objects.all(), "customer__"
    )
