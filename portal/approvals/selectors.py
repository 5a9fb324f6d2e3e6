"""Reading approvals: the queue a user may see, the ones a user may decide, and the approval an
operation waits on."""

from __future__ import annotations

from django.db.models import F, QuerySet

from portal.accounts.models import Role
from portal.accounts.scoping import scoped, user_reseller, user_role
from portal.customers.models import subtree_q
from portal.operations.models import Operation

from .models import Approval, ApprovalPolicy, ApprovalState


def scoped_approvals(user) -> QuerySet[Approval]:
    """Approvals of customers inside the user's scope (distributor staff: all)."""
    return scoped(user, Approval.objects.all(), "customer__").select_related(
        "customer", "requested_by", "decided_by", "operation__connection", "batch", "policy"
    )


def decidable(user, queryset: QuerySet[Approval]) -> QuerySet[Approval]:
    """``queryset`` cut to the approvals ``user`` may decide: ``services.may_decide`` as a
    filter (distributor admins: all; a reseller's admin: those whose approver reseller is in
    its subtree; nobody: their own)."""
    if user_role(user) != Role.ADMIN:
        return queryset.none()
    queryset = queryset.exclude(requested_by_id=user.pk)
    reseller = user_reseller(user)
    if reseller is None:
        return queryset
    return queryset.filter(subtree_q(reseller.path, "approver_reseller__path"))


def to_decide_count(user) -> int:
    """How many pending approvals in the user's scope wait for the user's decision."""
    pending = scoped(user, Approval.objects.filter(state=ApprovalState.PENDING), "customer__")
    return decidable(user, pending).count()


def has_requests(user) -> bool:
    return Approval.objects.filter(requested_by_id=user.pk).exists()


def policies() -> QuerySet[ApprovalPolicy]:
    """Every policy, the distributor's default first, then by reseller name."""
    return ApprovalPolicy.objects.select_related("reseller").order_by(
        F("reseller").asc(nulls_first=True), "reseller__name", "pk"
    )


def approval_of(operation: Operation) -> Approval | None:
    """The approval ``operation`` waited or waits on (its own, or its batch's)."""
    if operation.batch_id:
        return Approval.objects.filter(batch_id=operation.batch_id).first()
    return Approval.objects.filter(operation_id=operation.pk).first()
