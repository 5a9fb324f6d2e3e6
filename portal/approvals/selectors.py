"""Reading approvals: the queue a user may see, and the approval an operation waits on."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.accounts.scoping import scoped
from portal.operations.models import Operation

from .models import Approval


def scoped_approvals(user) -> QuerySet[Approval]:
    """Approvals of customers inside the user's scope (distributor staff: all)."""
    return scoped(user, Approval.objects.all(), "customer__").select_related(
        "customer", "requested_by", "decided_by", "operation__connection", "batch", "policy"
    )


def approval_of(operation: Operation) -> Approval | None:
    """The approval ``operation`` waited or waits on (its own, or its batch's)."""
    if operation.batch_id:
        return Approval.objects.filter(batch_id=operation.batch_id).first()
    return Approval.objects.filter(operation_id=operation.pk).first()
