"""The approvals API: the queue in scope, approve / reject / withdraw with the pages' rules,
and a held request made through the API itself (issue 21)."""

from __future__ import annotations

import pytest

from portal.approvals.models import Approval, ApprovalState
from portal.operations.models import OperationState
from tests.factories import CustomerFactory
from tests.portal.api.conftest import client_for

from .conftest import connect, provision, settle

pytestmark = pytest.mark.django_db

VENDOR = "trendmicro"


@pytest.fixture
def subscription(sandbox, estate):
    customer = CustomerFactory(parent=estate["branch"], name="Tailspin Toys")
    return provision(connect(sandbox, VENDOR), customer, seats=5).subscriptions.get()


def _held(estate, subscription, seats=30):
    response = client_for(estate["branch_op"]).post(
        "/api/v1/operations/",
        {"kind": "change_seats", "subscription": subscription.pk, "seats": seats},
        format="json",
        headers={"Idempotency-Key": f"seats-{seats}"},
    )
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "awaiting_approval"
    return Approval.objects.get(operation_id=response.json()["id"])


def test_a_request_held_through_the_api_is_approved_through_it_and_runs_once(
    sandbox, estate, seats_policy, subscription
):
    approval = _held(estate, subscription)
    branch_op, admin = client_for(estate["branch_op"]), client_for(estate["admin"])

    mine = branch_op.get(f"/api/v1/approvals/{approval.pk}/").json()
    assert mine["state"] == "pending" and mine["may_decide"] is False
    assert mine["requested_by"] == estate["branch_op"].username
    assert mine["reasons"] == ["+25 seats is more than the 10 allowed without approval"]
    assert branch_op.post(f"/api/v1/approvals/{approval.pk}/approve/").status_code == 403
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 0

    listed = admin.get("/api/v1/approvals/?state=pending").json()
    assert [row["id"] for row in listed["results"]] == [approval.pk]
    assert listed["results"][0]["may_decide"] is True
    answer = admin.post(f"/api/v1/approvals/{approval.pk}/approve/", {"reason": "ok"})
    assert answer.status_code == 200 and answer.json()["state"] == "approved"
    assert answer.json()["decided_by"] == estate["admin"].username

    assert settle(approval.operation).state == OperationState.SUCCEEDED
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 1
    again = admin.post(f"/api/v1/approvals/{approval.pk}/approve/")
    assert again.status_code == 409 and "already approved" in again.json()["message"]


def test_rejecting_needs_a_reason_and_ends_the_operation_with_it(
    estate, seats_policy, subscription
):
    approval = _held(estate, subscription)
    admin = client_for(estate["admin"])

    missing = admin.post(f"/api/v1/approvals/{approval.pk}/reject/", {"reason": "  "})
    assert missing.status_code == 400
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING

    answer = admin.post(f"/api/v1/approvals/{approval.pk}/reject/", {"reason": "Too many"})
    assert answer.status_code == 200 and answer.json()["decision_reason"] == "Too many"
    operation = (
        client_for(estate["branch_op"]).get(f"/api/v1/operations/{approval.operation_id}/").json()
    )
    assert operation["state"] == "rejected" and operation["last_error"].endswith(": Too many")


def test_the_queue_is_scoped_and_a_requester_withdraws_its_own(estate, seats_policy, subscription):
    approval = _held(estate, subscription)

    assert client_for(estate["contoso_admin"]).get("/api/v1/approvals/").json()["count"] == 0
    assert (
        client_for(estate["contoso_admin"]).get(f"/api/v1/approvals/{approval.pk}/").status_code
        == 404
    )
    assert client_for(estate["northwind_admin"]).get("/api/v1/approvals/").json()["count"] == 1

    answer = client_for(estate["branch_op"]).post(f"/api/v1/approvals/{approval.pk}/withdraw/")
    assert answer.status_code == 200 and answer.json()["state"] == "withdrawn"
    approval.operation.refresh_from_db()
    assert approval.operation.state == OperationState.CANCELLED
