"""An operation a policy holds sends nothing until approved, runs once after, and ends with
the reason when rejected or left to expire (issue 21, acceptance 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal.approvals.models import Approval, ApprovalPolicy, ApprovalState, Approver
from portal.approvals.policies import policy_for
from portal.approvals.services import (
    approval_decide,
    approval_withdraw,
    approvals_expire,
    may_decide,
)
from portal.audit.models import AuditEvent
from portal.operations.models import Operation, OperationState
from portal.operations.services import (
    batch_create,
    operation_cancel,
    subscription_seats_change,
    tenant_cancel,
)
from tests.factories import CustomerFactory

from .conftest import connect, provision, settle

pytestmark = pytest.mark.django_db

VENDOR = "bitdefender"


@pytest.fixture
def subscription(sandbox, estate):
    """A Bitdefender tenant with 5 seats, for a customer of Northwind's branch."""
    connection = connect(sandbox, VENDOR)
    customer = CustomerFactory(parent=estate["branch"], name="Fabrikam Ltd")
    return provision(connection, customer, seats=5).subscriptions.get()


def _raise_seats(subscription, user, seats=20) -> Operation:
    return subscription_seats_change(subscription=subscription, seats=seats, actor=user)


def test_a_held_seat_increase_sends_nothing_until_approved_then_runs_exactly_once(
    sandbox, estate, seats_policy, subscription
):
    operation = _raise_seats(subscription, estate["branch_op"])

    assert operation.state == OperationState.AWAITING_APPROVAL
    settle(operation)  # a worker that took it anyway finds nothing to claim
    assert operation.state == OperationState.AWAITING_APPROVAL
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 0
    approval = Approval.objects.get(operation=operation)
    assert approval.reasons == ["+15 seats is more than the 10 allowed without approval"]
    assert approval.requested_by == estate["branch_op"] and approval.policy == seats_policy

    approval_decide(approval=approval, approve=True, reason="Budget agreed", actor=estate["admin"])

    assert settle(operation).state == OperationState.SUCCEEDED
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 1
    subscription.refresh_from_db()
    assert subscription.seats == 20
    with pytest.raises(ValidationError, match="already approved"):
        approval_decide(approval=approval, approve=True, actor=estate["admin"])
    assert settle(operation).state == OperationState.SUCCEEDED
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 1
    trail = list(
        AuditEvent.objects.filter(action__startswith="approval.")
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert trail == [
        ("approval.requested", estate["branch_op"].pk),
        ("approval.approved", estate["admin"].pk),
    ]


def test_a_rejected_request_ends_with_the_reason_and_never_reaches_the_vendor(
    sandbox, estate, seats_policy, subscription
):
    operation = _raise_seats(subscription, estate["branch_op"])
    approval = operation.approval

    with pytest.raises(ValidationError, match="Say why"):
        approval_decide(approval=approval, approve=False, reason="  ", actor=estate["admin"])
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING

    approval_decide(
        approval=approval, approve=False, reason="Over the customer's budget", actor=estate["admin"]
    )

    operation.refresh_from_db()
    assert operation.state == OperationState.REJECTED
    assert (
        operation.last_error
        == f"Rejected by {estate['admin'].username}: Over the customer's budget"
    )
    assert settle(operation).state == OperationState.REJECTED
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 0
    subscription.refresh_from_db()
    assert subscription.seats == 5
    # Closed: a new request for the same subscription may be made.
    assert _raise_seats(subscription, estate["branch_op"], seats=8).state == OperationState.PENDING


def test_small_changes_and_distributor_staff_pass_straight_through(
    estate, seats_policy, subscription
):
    small = _raise_seats(subscription, estate["branch_op"], seats=15)
    assert small.state == OperationState.PENDING and not Approval.objects.exists()
    settle(small)
    subscription.refresh_from_db()

    by_staff = _raise_seats(subscription, estate["staff"], seats=40)
    assert by_staff.state == OperationState.PENDING

    seats_policy.include_distributor_staff = True
    seats_policy.save()
    settle(by_staff)
    subscription.refresh_from_db()
    assert _raise_seats(subscription, estate["staff"], seats=60).state == (
        OperationState.AWAITING_APPROVAL
    )


def test_a_percentage_rule_and_a_cancel_rule_hold_with_their_reasons(
    estate, seats_policy, subscription
):
    seats_policy.seats_above, seats_policy.seats_above_percent = None, 50
    seats_policy.save()

    assert _raise_seats(subscription, estate["branch_op"], seats=7).state == OperationState.PENDING
    Operation.objects.update(state=OperationState.CANCELLED)
    held = _raise_seats(subscription, estate["branch_op"], seats=9)
    assert held.approval.reasons == ["+4 seats (80 %) is more than 50 % allowed without approval"]
    approval_withdraw(approval=held.approval, actor=estate["branch_op"])

    cancel = tenant_cancel(tenant=subscription.tenant, actor=estate["branch_op"])
    assert cancel.state == OperationState.AWAITING_APPROVAL
    assert cancel.approval.reasons == ["cancelling needs approval"]


def test_policies_inherit_down_the_hierarchy_nearest_one_wins_whole(estate, seats_policy):
    default = ApprovalPolicy.objects.create(reseller=None, cancel=False)
    below_branch = CustomerFactory(parent=estate["branch"])
    at_contoso = CustomerFactory(parent=estate["contoso"])

    assert policy_for(below_branch) == seats_policy
    assert policy_for(estate["branch"]) == seats_policy
    assert policy_for(at_contoso) == default
    assert policy_for(CustomerFactory()) == default

    own = ApprovalPolicy.objects.create(
        reseller=estate["branch"], new_tenant=False, cancel=False, bulk=False
    )
    assert policy_for(below_branch) == own
    assert policy_for(CustomerFactory(parent=estate["northwind"])) == seats_policy


def test_a_branch_with_every_rule_off_holds_nothing_although_its_parent_would(
    estate, seats_policy, subscription
):
    ApprovalPolicy.objects.create(
        reseller=estate["branch"], new_tenant=False, cancel=False, bulk=False
    )
    assert _raise_seats(subscription, estate["branch_op"]).state == OperationState.PENDING


def test_who_may_decide(estate, seats_policy, subscription):
    approval = _raise_seats(subscription, estate["branch_op"]).approval
    assert approval.approver_reseller is None
    assert may_decide(estate["admin"], approval)
    for name in ("staff", "northwind_admin", "branch_op", "contoso_admin"):
        assert not may_decide(estate[name], approval), name

    seats_policy.approver = Approver.RESELLER_ADMIN
    seats_policy.save()
    approval_withdraw(approval=approval, actor=estate["branch_op"])
    approval = _raise_seats(subscription, estate["branch_op"]).approval
    assert approval.approver_reseller == estate["northwind"]
    assert may_decide(estate["admin"], approval)
    assert may_decide(estate["northwind_admin"], approval)
    for name in ("branch_admin", "contoso_admin", "branch_op"):
        assert not may_decide(estate[name], approval), name
    with pytest.raises(PermissionDenied):
        approval_decide(approval=approval, approve=True, actor=estate["contoso_admin"])

    # Nobody decides their own request, whatever their role.
    seats_policy.roles = ["admin", "operator"]
    seats_policy.save()
    approval_withdraw(approval=approval, actor=estate["admin"])
    own = _raise_seats(subscription, estate["northwind_admin"]).approval
    assert not may_decide(estate["northwind_admin"], own)


def test_an_undecided_request_expires_rejected(estate, seats_policy, subscription):
    operation = _raise_seats(subscription, estate["branch_op"])
    approval = operation.approval
    assert approval.expires_at - approval.created_at >= dt.timedelta(hours=71)

    assert approvals_expire(now=timezone.now()) == 0
    assert approvals_expire(now=approval.expires_at + dt.timedelta(seconds=1)) == 1

    approval.refresh_from_db()
    operation.refresh_from_db()
    assert approval.state == ApprovalState.EXPIRED and approval.decided_by is None
    assert operation.state == OperationState.REJECTED
    assert operation.last_error == "Nobody decided in time (72 h)."
    assert approvals_expire(now=approval.expires_at + dt.timedelta(days=1)) == 0


def test_a_withdrawn_request_is_cancelled_and_only_its_requester_or_a_distributor_admin_may(
    estate, seats_policy, subscription
):
    operation = _raise_seats(subscription, estate["branch_op"])
    with pytest.raises(ValidationError, match="waits for approval"):
        operation_cancel(operation=operation, actor=estate["branch_op"])
    with pytest.raises(PermissionDenied):
        approval_withdraw(approval=operation.approval, actor=estate["northwind_admin"])

    approval_withdraw(approval=operation.approval, actor=estate["branch_op"])

    operation.refresh_from_db()
    assert operation.state == OperationState.CANCELLED
    assert operation.approval.state == ApprovalState.WITHDRAWN


def test_a_bulk_batch_is_held_and_approved_as_one(sandbox, estate):
    ApprovalPolicy.objects.create(reseller=estate["northwind"], new_tenant=False)
    connection = connect(sandbox, VENDOR)
    for name in ("Fabrikam", "Tailspin", "Litware"):
        provision(connection, CustomerFactory(parent=estate["branch"], name=name))

    batch = batch_create(customer=estate["branch"], kind="suspend", actor=estate["northwind_op"])

    operations = list(batch.operations.all())
    assert len(operations) == 3
    assert {op.state for op in operations} == {OperationState.AWAITING_APPROVAL}
    (approval,) = Approval.objects.all()
    assert approval.batch == batch and approval.operation is None
    assert approval.reasons == ["a bulk suspend needs approval"]

    approval_decide(approval=approval, approve=True, actor=estate["admin"])

    assert {settle(op).state for op in operations} == {OperationState.SUCCEEDED}
    assert sandbox.journal.count_actions(VENDOR, "suspend") == 3
