"""Reading the ledger: lists for support, the bulk dry run, batch progress."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import QuerySet

from portal.accounts.scoping import scoped
from portal.customers.models import Customer, Tenant, subtree_q

from . import rules
from .models import OPEN_STATES, Operation, OperationBatch, OperationState


def operation_list(
    *, state: str | None = None, kind: str | None = None, vendor: str | None = None
) -> QuerySet[Operation]:
    ops = Operation.objects.select_related("connection", "customer", "tenant")
    if state:
        ops = ops.filter(state=state)
    if kind:
        ops = ops.filter(kind=kind)
    if vendor:
        ops = ops.filter(connection__vendor=vendor)
    return ops.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class PlanItem:
    """One line of a bulk dry run: what will happen to one vendor tenant, and why not."""

    tenant_id: int
    tenant: str
    customer_id: int | None
    customer: str
    connection_id: int
    connection: str
    vendor: str
    vendor_name: str
    status: str
    action: str  # the operation kind, or "skip"
    reason: str = ""

    @property
    def will_run(self) -> bool:
        return self.action != "skip"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def batch_plan(*, customer: Customer, kind: str) -> list[PlanItem]:
    """Every vendor tenant of the customer's subtree with what ``kind`` would do to it."""
    tenants = (
        Tenant.objects.filter(subtree_q(customer.path, "customer__path"))
        .select_related("connection", "customer")
        .order_by("connection__vendor", "customer__name", "name", "pk")
    )
    plan = []
    for tenant in tenants:
        reason = rules.tenant_action_problem(kind, tenant)
        plan.append(
            PlanItem(
                tenant_id=tenant.pk,
                tenant=tenant.name,
                customer_id=tenant.customer_id,
                customer=tenant.customer.name if tenant.customer else "",
                connection_id=tenant.connection_id,
                connection=tenant.connection.name,
                vendor=tenant.connection.vendor,
                vendor_name=rules.vendor_name(tenant.connection.vendor),
                status=tenant.status,
                action="skip" if reason else kind,
                reason=reason,
            )
        )
    return plan


@dataclass(frozen=True)
class BatchProgress:
    total: int
    by_state: dict[str, int]
    skipped: int

    @property
    def finished(self) -> int:
        return self.total - sum(self.by_state.get(s, 0) for s in OPEN_STATES)

    @property
    def done(self) -> bool:
        return self.finished == self.total

    @property
    def failed(self) -> int:
        return self.by_state.get(OperationState.FAILED, 0)

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.finished / self.total)


def batch_progress(*, batch: OperationBatch) -> BatchProgress:
    counts = Counter(batch.operations.values_list("state", flat=True))
    skipped = sum(1 for item in batch.plan if item.get("action") == "skip")
    return BatchProgress(total=sum(counts.values()), by_state=dict(counts), skipped=skipped)


def scoped_operations(user, queryset: QuerySet | None = None) -> QuerySet:
    """Operations in the user's scope."""
    return scoped(user, queryset if queryset is not None else Operation.objects.all(), "customer__")
