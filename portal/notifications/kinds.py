"""One spec per kind of notice: who hears it, its default delivery, and what it says.

Each kind is an event the outbound webhooks also carry (``portal.events.models.EventType``);
``describe`` turns the event's payload into the words and the link a person reads, and names
the customer whose scope decides who may hear it (None: distributor staff only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from portal.accounts.models import Role
from portal.approvals.models import Approval
from portal.catalog.models import VendorConnection
from portal.customers.models import Customer, Tenant
from portal.events.models import EventType
from portal.operations.models import Operation, OperationKind

from .models import Delivery

EVERY_ROLE = (Role.ADMIN, Role.OPERATOR, Role.VIEWER)
WRITERS = (Role.ADMIN, Role.OPERATOR)


@dataclass(frozen=True)
class Content:
    title: str
    body: str
    url: str
    #: Whose scope decides who hears it (None: distributor staff only).
    customer: Customer | None
    #: Only these users hear it (still within roles and scope): the requester of an approval.
    users: tuple[int, ...] | None = None


@dataclass(frozen=True)
class NoticeKind:
    event_type: str
    label: str
    default: str
    roles: tuple[str, ...]
    #: True: only distributor staff (connections, syncs have no customer to scope by).
    staff_only: bool
    describe: Callable[[dict[str, Any]], Content | None]


def _id(payload: dict[str, Any], key: str) -> int:
    """The payload's id of an object (0, which matches nothing, when it is not an id)."""
    value = payload.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _operation(payload: dict[str, Any], outcome: str) -> Content | None:
    op = (
        Operation.objects.select_related("connection", "customer", "tenant")
        .filter(pk=_id(payload, "operation"))
        .first()
    )
    if op is None:
        return None
    what = OperationKind(op.kind).label.lower() if op.kind in OperationKind.values else op.kind
    whom = op.customer.name if op.customer else (op.tenant.name if op.tenant else "")
    title = f"Operation #{op.pk} ({what}{' for ' + whom if whom else ''}) {outcome}"
    body = {
        "failed": f"{op.connection.name} answered: {op.last_error or 'no message'}",
        "succeeded": f"Done at {op.connection.name} after {op.attempts} attempt(s).",
    }.get(
        outcome, f"It has been verifying at {op.connection.name} for {payload.get('minutes')} min."
    )
    return Content(title[:200], body, reverse("web:operation-detail", args=[op.pk]), op.customer)


def _connection(payload: dict[str, Any]) -> Content | None:
    connection = VendorConnection.objects.filter(pk=_id(payload, "connection")).first()
    if connection is None:
        return None
    return Content(
        f"{connection.name}: the vendor rejected the credentials",
        f"Nothing reaches {connection.name} until its credentials are fixed. "
        f"The vendor said: {payload.get('error') or 'no message'}",
        reverse("web:connection-detail", args=[connection.pk]),
        None,
    )


def _sync(payload: dict[str, Any]) -> Content | None:
    connection = VendorConnection.objects.filter(pk=_id(payload, "connection")).first()
    if connection is None:
        return None
    status = payload.get("status") or "failed"
    return Content(
        f"Sync of {connection.name} ended {status}",
        payload.get("error") or "",
        reverse("web:sync-detail", args=[payload["run"]]) if payload.get("run") else "",
        None,
    )


def _discrepancy(payload: dict[str, Any]) -> Content | None:
    found = (
        Tenant.objects.select_related("customer", "connection")
        .filter(pk=_id(payload, "tenant"))
        .first()
    )
    if found is None:
        return None
    return Content(
        f"{found.name} at {found.connection.name}: {payload.get('field')} differs",
        f"Ours: {payload.get('ours')}; the vendor's: {payload.get('vendor_value')}.",
        reverse("web:discrepancy-list") + f"?tenant={found.pk}",
        found.customer,
    )


def _term(payload: dict[str, Any], what: str) -> Content | None:
    customer = Customer.objects.filter(pk=_id(payload, "customer")).first()
    days = payload.get("days")
    when = "tomorrow" if days == 1 else f"in {days} days"
    return Content(
        f"{payload.get('tenant_name')}: {what} of {payload.get('product')} ends {when}",
        f"It ends on {payload.get('ends')} at {payload.get('connection_name')}"
        + ("; it renews automatically." if payload.get("auto_renew") else "."),
        reverse("web:customer-detail", args=[customer.pk]) if customer else "",
        customer,
    )


def _approval_subject(approval: Approval) -> str:
    if approval.batch is not None:
        return str(approval.batch.description or f"batch #{approval.batch_id}")
    op = approval.operation
    assert op is not None  # an approval holds a batch or an operation (a check constraint)
    what = OperationKind(op.kind).label.lower() if op.kind in OperationKind.values else op.kind
    whom = op.customer.name if op.customer else ""
    return f"{what}{' for ' + whom if whom else ''} at {op.connection.name}"


def _approval(payload: dict[str, Any], decided: bool) -> Content | None:
    approval = (
        Approval.objects.select_related(
            "operation__connection", "operation__customer", "batch", "requested_by", "decided_by",
            "approver_reseller",
        )
        .filter(pk=_id(payload, "approval"))
        .first()
    )  # fmt: skip
    if approval is None:
        return None
    url = reverse("approvals:detail", args=[approval.pk])
    subject = _approval_subject(approval)
    if not decided:
        who = approval.requested_by.get_username() if approval.requested_by else "someone"
        return Content(
            f"Approval needed: {subject}"[:200],
            f"{who} asked; "
            + "; ".join(approval.reasons)
            + f". It expires {approval.expires_at:%d %b %H:%M}.",
            url,
            # Who may decide: the named reseller's admins (and those above), else distributor admins.
            approval.approver_reseller,
        )
    if approval.requested_by_id is None:
        return None
    by = f" by {approval.decided_by.get_username()}" if approval.decided_by else ""
    return Content(
        f"{approval.get_state_display()}{by}: {subject}"[:200],
        approval.decision_reason or "",
        url,
        approval.customer,
        users=(approval.requested_by_id,),
    )


def _close_blocked(payload: dict[str, Any]) -> Content | None:
    connection = VendorConnection.objects.filter(pk=_id(payload, "connection")).first()
    if connection is None:
        return None
    return Content(
        f"{connection.name}: {payload.get('period')} cannot be closed yet",
        f"Usage is missing for {payload.get('missing')} tenant(s); collect it, or close with a "
        "reason.",
        f"{reverse('usage:review')}?period={payload.get('period')}",
        None,
    )


KINDS: dict[str, NoticeKind] = {
    k.event_type: k
    for k in (
        NoticeKind(
            EventType.OPERATION_FAILED, "An operation failed", Delivery.IMMEDIATE, WRITERS,
            False, lambda p: _operation(p, "failed"),
        ),
        NoticeKind(
            EventType.OPERATION_SUCCEEDED, "An operation succeeded", Delivery.OFF, WRITERS,
            False, lambda p: _operation(p, "succeeded"),
        ),
        NoticeKind(
            EventType.OPERATION_STUCK, "An operation is stuck in verifying", Delivery.IMMEDIATE,
            WRITERS, False, lambda p: _operation(p, "is stuck in verifying"),
        ),
        NoticeKind(
            EventType.CONNECTION_AUTH_FAILED, "A connection's credentials were rejected",
            Delivery.IMMEDIATE, WRITERS, True, _connection,
        ),
        NoticeKind(
            EventType.SYNC_FAILED, "A sync ended partial or failed", Delivery.DIGEST, WRITERS,
            True, _sync,
        ),
        NoticeKind(
            EventType.DISCREPANCY_OPENED, "A discrepancy was found", Delivery.DIGEST, EVERY_ROLE,
            False, _discrepancy,
        ),
        NoticeKind(
            EventType.TRIAL_ENDING, "A trial is ending", Delivery.IMMEDIATE, EVERY_ROLE, False,
            lambda p: _term(p, "the trial"),
        ),
        NoticeKind(
            EventType.TERM_ENDING, "A term is ending", Delivery.IMMEDIATE, EVERY_ROLE, False,
            lambda p: _term(p, "the term"),
        ),
        NoticeKind(
            EventType.APPROVAL_REQUESTED, "A change waits for your approval", Delivery.IMMEDIATE,
            (Role.ADMIN,), False, lambda p: _approval(p, decided=False),
        ),
        NoticeKind(
            EventType.APPROVAL_DECIDED, "Your request was approved or rejected",
            Delivery.IMMEDIATE, WRITERS, False, lambda p: _approval(p, decided=True),
        ),
        NoticeKind(
            EventType.USAGE_CLOSE_BLOCKED, "A month cannot be closed", Delivery.DIGEST, WRITERS,
            True, _close_blocked,
        ),
    )
}  # fmt: skip


def kind(event_type: str) -> NoticeKind | None:
    return KINDS.get(event_type)
