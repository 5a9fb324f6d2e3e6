"""Holding, deciding, withdrawing and expiring approvals, and editing policies: every write.

A held operation waits in ``awaiting_approval``; nothing reaches the vendor. Approving moves
it (or every operation of a held batch) to ``pending`` and queues the run once the decision
has committed; the engine then runs it exactly once, like any other. Rejection, expiry and
withdrawal end it (``rejected`` with the reason, or ``cancelled`` when its requester withdrew
it). Each step is audited on the operation and emits the event the notices come from.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal.accounts.models import Role
from portal.accounts.scoping import can_manage, user_reseller, user_role
from portal.audit.services import Actor, acting_user, audit_record
from portal.core.models import Source
from portal.events.models import EventType
from portal.events.outbound import emit
from portal.operations.engine import enqueue_run
from portal.operations.models import Operation, OperationState

from . import policies
from .models import Approval, ApprovalPolicy, ApprovalState, Approver


def operation_hold(*, operation: Operation, actor: Actor) -> bool:
    """Hold a new operation when its policy says so (called through ``operations.gate``).

    A batch's operations share one approval: the first one held creates it, the others join.
    Returns whether the operation now waits.
    """
    if acting_user(actor) is None:  # the system or a sync: never held, and no query spent
        return False
    customer = operation.batch.customer if operation.batch is not None else operation.customer
    policy = policies.policy_for(customer)
    if policy is None or not policies.requester_covered(policy, actor):
        return False
    joins = operation.batch_id and Approval.objects.filter(batch_id=operation.batch_id).exists()
    if not joins:
        found = policies.reasons(policy, operation)
        if not found:
            return False
        subject = {"batch": operation.batch} if operation.batch_id else {"operation": operation}
        _approval_create(policy, found, actor, customer, **subject)
    Operation.objects.filter(pk=operation.pk).update(
        state=OperationState.AWAITING_APPROVAL, updated_at=timezone.now()
    )
    operation.state = OperationState.AWAITING_APPROVAL
    return True


def _approval_create(
    policy: ApprovalPolicy,
    found: list[str],
    actor: Actor,
    customer,
    **subject: Any,
) -> Approval:
    approval = Approval.objects.create(
        customer=customer,
        policy=policy,
        reasons=found,
        approver_reseller=policy.reseller if policy.approver == Approver.RESELLER_ADMIN else None,
        requested_by=acting_user(actor),
        expires_at=timezone.now() + dt.timedelta(hours=policy.expires_after_hours),
        **subject,
    )
    audit_record(
        action="approval.requested",
        source=Source.SYSTEM,
        actor=actor,
        obj=approval.operation or approval.batch,
        customer=customer,
        detail={"approval": approval.pk, "reasons": found, "policy": policy.pk},
    )
    emit(EventType.APPROVAL_REQUESTED, {"approval": approval.pk, "reasons": found})
    return approval


def held_operations(approval: Approval) -> QuerySet[Operation]:
    """The operations waiting on ``approval`` (one, or a batch's)."""
    subject = (
        {"batch_id": approval.batch_id} if approval.batch_id else {"pk": approval.operation_id}
    )
    return Operation.objects.filter(state=OperationState.AWAITING_APPROVAL, **subject)


def may_decide(user: Any, approval: Approval) -> bool:
    """Distributor admins decide every approval; a reseller's admin those its policy names
    them for (its subtree's); nobody decides their own request."""
    if user_role(user) != Role.ADMIN or approval.requested_by_id == user.pk:
        return False
    reseller = user_reseller(user)
    if reseller is None:
        return True
    target = approval.approver_reseller
    return target is not None and target.path.startswith(reseller.path)


def _locked(approval: Approval) -> Approval:
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    if not approval.is_pending:
        raise ValidationError(
            f"Approval #{approval.pk} is already {approval.get_state_display().lower()}."
        )
    return approval


@transaction.atomic
def approval_decide(
    *, approval: Approval, approve: bool, reason: str = "", actor: Actor, source: str = Source.PAGE
) -> Approval:
    """Approve (queue the held operations) or reject (end them with ``reason``, required)."""
    reason = reason.strip()[:500]
    approval = _locked(approval)
    if not may_decide(actor, approval):
        raise PermissionDenied(
            "You may not decide this request (your own, or outside what your role decides)."
        )
    if not approve and not reason:
        raise ValidationError({"reason": "Say why it is rejected: the requester reads it."})
    return _decide(
        approval,
        ApprovalState.APPROVED if approve else ApprovalState.REJECTED,
        reason,
        actor,
        source,
    )


def _decide(approval: Approval, state: str, reason: str, actor: Actor, source: str) -> Approval:
    now = timezone.now()
    approval.state, approval.decided_at = state, now
    approval.decided_by, approval.decision_reason = acting_user(actor), reason
    approval.save(
        update_fields=["state", "decided_at", "decided_by", "decision_reason", "updated_at"]
    )
    held = list(held_operations(approval).select_related("connection"))
    ids = [op.pk for op in held]
    if state == ApprovalState.APPROVED:
        Operation.objects.filter(pk__in=ids).update(state=OperationState.PENDING, updated_at=now)
        for op in held:
            transaction.on_commit(partial(enqueue_run, op.pk, op.connection.vendor))
    else:
        user = acting_user(actor)
        who = f" by {user.get_username()}" if user else ""
        ended = {
            ApprovalState.REJECTED: (OperationState.REJECTED, f"Rejected{who}: {reason}"),
            ApprovalState.EXPIRED: (OperationState.REJECTED, reason),
            ApprovalState.WITHDRAWN: (OperationState.CANCELLED, f"Withdrawn{who}."),
        }
        op_state, message = ended[ApprovalState(state)]
        Operation.objects.filter(pk__in=ids).update(
            state=op_state, last_error=message, finished_at=now, updated_at=now
        )
    audit_record(
        action=f"approval.{state}",
        source=source,
        actor=actor,
        obj=approval.operation or approval.batch,
        customer=approval.customer,
        detail={"approval": approval.pk, "reason": reason, "operations": ids},
    )
    emit(
        EventType.APPROVAL_DECIDED,
        {"approval": approval.pk, "state": state, "reason": reason, "operations": ids},
    )
    return approval


def may_withdraw(user: Any, approval: Approval) -> bool:
    """The requester takes their own request back; a distributor admin anyone's."""
    mine = user is not None and approval.requested_by_id == user.pk
    return mine or can_manage(user)


@transaction.atomic
def approval_withdraw(*, approval: Approval, actor: Actor, source: str = Source.PAGE) -> Approval:
    """The requester (or a distributor admin) takes a waiting request back; nothing was sent."""
    approval = _locked(approval)
    if not may_withdraw(acting_user(actor), approval):
        raise PermissionDenied("Only the requester or a distributor admin withdraws a request.")
    return _decide(approval, ApprovalState.WITHDRAWN, "", actor, source)


def approvals_expire(*, now: dt.datetime | None = None) -> int:
    """Reject every approval left undecided past its expiry (a periodic task); returns how many."""
    now = now or timezone.now()
    due = Approval.objects.filter(state=ApprovalState.PENDING, expires_at__lte=now)
    expired = 0
    for pk in due.values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            approval = Approval.objects.select_for_update().get(pk=pk)
            if not approval.is_pending:
                continue
            hours = approval.policy.expires_after_hours if approval.policy else None
            reason = "Nobody decided in time" + (f" ({hours} h)." if hours else ".")
            _decide(approval, ApprovalState.EXPIRED, reason, None, Source.SYSTEM)
            expired += 1
    return expired


# -- policies -----------------------------------------------------------------------------------

POLICY_FIELDS = (
    "reseller", "roles", "include_distributor_staff", "new_tenant", "cancel", "plan_change",
    "bulk", "seats_above", "seats_above_percent", "amount_above", "approver",
    "expires_after_hours",
)  # fmt: skip


@transaction.atomic
def policy_save(
    *, policy: ApprovalPolicy, actor: Actor, source: str = Source.PAGE
) -> ApprovalPolicy:
    """Create or change a policy (distributor admins only); the change is audited field by field.
    Approvals already waiting keep the rules they were held by."""
    if not can_manage(actor):
        raise PermissionDenied("Only distributor admins set approval policies.")
    before = (
        ApprovalPolicy.objects.filter(pk=policy.pk).values(*POLICY_FIELDS).first()
        if policy.pk
        else None
    )
    policy.full_clean()
    policy.save()
    after = ApprovalPolicy.objects.filter(pk=policy.pk).values(*POLICY_FIELDS).get()
    changes = {
        name: [str(before[name]) if before else None, str(value)]
        for name, value in after.items()
        if before is None or before[name] != value
    }
    audit_record(
        action="approval.policy_created" if before is None else "approval.policy_changed",
        source=source,
        actor=actor,
        obj=policy,
        customer=policy.reseller,
        detail={"changes": changes},
    )
    return policy


@transaction.atomic
def policy_delete(*, policy: ApprovalPolicy, actor: Actor, source: str = Source.PAGE) -> None:
    """Remove a policy: its subtree falls back to the next policy up (audited)."""
    if not can_manage(actor):
        raise PermissionDenied("Only distributor admins set approval policies.")
    audit_record(
        action="approval.policy_deleted",
        source=source,
        actor=actor,
        obj=policy,
        customer=policy.reseller,
        detail={"policy": str(policy)},
    )
    policy.delete()
