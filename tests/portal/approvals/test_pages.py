"""The approval pages: the queue a user's scope sees, deciding and withdrawing through the
detail page, and the policy editor only distributor admins open (issue 21)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.approvals.models import Approval, ApprovalPolicy, ApprovalState, Approver
from portal.audit.models import AuditEvent
from portal.operations.models import OperationState
from tests.factories import (
    ApprovalFactory,
    CustomerFactory,
    OperationBatchFactory,
    OperationFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def held(customer, by, **fields) -> Approval:
    """A seat increase for ``customer``, asked by ``by``, waiting for a decision."""
    return ApprovalFactory(
        operation__tenant__customer=customer, operation__requested_by=by, requested_by=by, **fields
    )


@pytest.fixture
def asked(estate):
    """One waiting request under Northwind's branch, one at Contoso, one decided at Northwind."""
    fabrikam = CustomerFactory(parent=estate["branch"], name="Fabrikam Ltd")
    litware = CustomerFactory(parent=estate["contoso"], name="Litware Inc")
    tailspin = CustomerFactory(parent=estate["northwind"], name="Tailspin Toys")
    return {
        "branch": held(fabrikam, estate["branch_op"]),
        "contoso": held(litware, estate["contoso_admin"]),
        "decided": held(tailspin, estate["northwind_op"], state=ApprovalState.APPROVED),
    }


def listed(response) -> set[int]:
    return {approval.pk for approval in response.context["table"].data}


# -- the queue ---------------------------------------------------------------------------------


def test_the_queue_shows_pending_requests_in_the_users_scope_only(estate, asked):
    assert listed(signed_in(estate["admin"]).get("/approvals/")) == {
        asked["branch"].pk,
        asked["contoso"].pk,
    }
    northwind = signed_in(estate["northwind_op"]).get("/approvals/")
    assert northwind.status_code == 200
    assert listed(northwind) == {asked["branch"].pk}
    assert b"Fabrikam Ltd" in northwind.content and b"Litware Inc" not in northwind.content
    assert listed(signed_in(estate["branch_op"]).get("/approvals/?state=")) == {asked["branch"].pk}


def test_the_queue_filters_by_state_customer_or_reseller_and_mine(estate, asked):
    client = signed_in(estate["admin"])

    assert listed(client.get("/approvals/?state=approved")) == {asked["decided"].pk}
    assert len(listed(client.get("/approvals/?state="))) == 3
    assert listed(client.get("/approvals/?state=&q=tailspin")) == {asked["decided"].pk}
    assert listed(client.get("/approvals/?q=Northwind")) == {asked["branch"].pk}
    # A reseller's name finds its whole subtree (Fabrikam sits under Northwind's branch).
    assert listed(client.get("/approvals/?q=northwind msp")) == {asked["branch"].pk}
    assert listed(client.get("/approvals/?q=Contoso")) == {asked["contoso"].pk}

    mine = signed_in(estate["branch_op"])
    assert listed(mine.get("/approvals/?mine=requested")) == {asked["branch"].pk}
    assert listed(mine.get("/approvals/?mine=decide")) == set()  # operators decide nothing
    assert listed(client.get("/approvals/?mine=decide")) == {
        asked["branch"].pk,
        asked["contoso"].pk,
    }


def test_the_queue_issues_the_same_queries_for_2_requests_and_for_20(estate):
    client = signed_in(estate["admin"])
    for _ in range(2):
        held(CustomerFactory(parent=estate["branch"]), estate["branch_op"])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/approvals/?state=").status_code == 200
    for _ in range(18):
        held(CustomerFactory(parent=estate["branch"]), estate["branch_op"])
    with CaptureQueriesContext(connection) as many:
        assert len(listed(client.get("/approvals/?state="))) == 20
    assert len(many) == len(few)


def test_a_resellers_admin_decides_only_what_its_policy_names_it_for(estate, asked):
    mine = held(
        CustomerFactory(parent=estate["branch"]),
        estate["branch_op"],
        approver_reseller=estate["northwind"],
    )
    client = signed_in(estate["northwind_admin"])

    assert listed(client.get("/approvals/?mine=decide")) == {mine.pk}
    page = client.get("/approvals/")
    assert page.context["approvals_to_decide"] == 1
    assert b'aria-label="1 to decide"' in page.content
    assert b'id="decide-form"' in client.get(f"/approvals/{mine.pk}/").content
    assert b'id="decide-form"' not in client.get(f"/approvals/{asked['branch'].pk}/").content

    client.post(f"/approvals/{mine.pk}/decide/", {"decision": "approve"})
    mine.refresh_from_db()
    assert mine.state == ApprovalState.APPROVED and mine.decided_by == estate["northwind_admin"]


def test_the_header_link_is_for_admins_and_requesters(estate, asked):
    admin = signed_in(estate["admin"]).get("/")
    assert b'id="approvals-link"' in admin.content
    assert admin.context["approvals_to_decide"] == 2
    assert b'id="approvals-link"' in signed_in(estate["branch_op"]).get("/").content
    assert b'id="approvals-link"' not in signed_in(estate["staff"]).get("/").content


# -- one request -------------------------------------------------------------------------------


def test_the_detail_page_says_what_is_asked_and_a_request_out_of_scope_is_not_found(estate, asked):
    approval = asked["branch"]
    page = signed_in(estate["branch_op"]).get(f"/approvals/{approval.pk}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="/operations/{approval.operation_id}/"' in body
    assert "+7 seats is more than the 10 allowed without approval" in body
    assert estate["branch_op"].username in body and "Fabrikam Ltd" in body

    outsider = signed_in(estate["contoso_admin"])
    assert outsider.get(f"/approvals/{approval.pk}/").status_code == 404
    decide = {"decision": "approve"}
    assert outsider.post(f"/approvals/{approval.pk}/decide/", decide).status_code == 404
    assert outsider.post(f"/approvals/{approval.pk}/withdraw/").status_code == 404
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING


def test_a_batch_request_lists_its_operations(estate):
    batch = OperationBatchFactory(customer=estate["branch"], requested_by=estate["branch_op"])
    ops = [
        OperationFactory(
            batch=batch, kind="suspend", state=OperationState.AWAITING_APPROVAL,
            tenant__customer=CustomerFactory(parent=estate["branch"]),
        )
        for _ in range(2)
    ]  # fmt: skip
    approval = ApprovalFactory(
        operation=None, batch=batch, customer=estate["branch"], requested_by=estate["branch_op"]
    )

    body = signed_in(estate["admin"]).get(f"/approvals/{approval.pk}/").content.decode()

    assert "Suspend the reseller" in body
    for op in ops:
        assert f'href="/operations/{op.pk}/"' in body


def test_approving_through_the_page_queues_the_operation_and_is_audited(estate, asked):
    approval = asked["branch"]
    client = signed_in(estate["admin"])
    assert b'id="decide-form"' in client.get(f"/approvals/{approval.pk}/").content

    response = client.post(
        f"/approvals/{approval.pk}/decide/",
        {"decision": "approve", "reason": "Budget agreed"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/approvals/{approval.pk}/", 302)]
    assert f"Request #{approval.pk} approved." in response.content.decode()
    approval.refresh_from_db()
    approval.operation.refresh_from_db()
    assert approval.state == ApprovalState.APPROVED and approval.decided_by == estate["admin"]
    assert approval.decision_reason == "Budget agreed"
    assert approval.operation.state == OperationState.PENDING
    assert AuditEvent.objects.filter(
        action="approval.approved", actor=estate["admin"], source="page"
    ).exists()
    assert b'id="decide-form"' not in response.content  # decided: no more buttons


def test_rejecting_needs_a_reason_and_without_one_changes_nothing(estate, asked):
    approval = asked["branch"]
    client = signed_in(estate["admin"])

    refused = client.post(
        f"/approvals/{approval.pk}/decide/", {"decision": "reject", "reason": "  "}
    )

    assert refused.status_code == 200
    assert "Say why it is rejected" in refused.content.decode()
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING
    assert approval.operation.state == OperationState.AWAITING_APPROVAL
    assert not AuditEvent.objects.filter(action="approval.rejected").exists()

    client.post(
        f"/approvals/{approval.pk}/decide/", {"decision": "reject", "reason": "Over budget"}
    )

    approval.refresh_from_db()
    approval.operation.refresh_from_db()
    assert approval.state == ApprovalState.REJECTED
    assert approval.operation.state == OperationState.REJECTED
    assert approval.operation.last_error == f"Rejected by {estate['admin'].username}: Over budget"


def test_those_who_may_not_decide_see_no_buttons_and_their_post_is_refused(estate, asked):
    approval = asked["branch"]
    for name in ("branch_op", "northwind_admin", "northwind_op"):
        client = signed_in(estate[name])
        assert b'id="decide-form"' not in client.get(f"/approvals/{approval.pk}/").content, name
        response = client.post(f"/approvals/{approval.pk}/decide/", {"decision": "approve"})
        assert response.status_code == 403, name
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING


def test_the_requester_withdraws_and_nobody_else_below_a_distributor_admin(estate, asked):
    approval = asked["branch"]
    other = signed_in(estate["northwind_op"])
    assert b"Withdraw request" not in other.get(f"/approvals/{approval.pk}/").content
    assert other.post(f"/approvals/{approval.pk}/withdraw/").status_code == 403

    requester = signed_in(estate["branch_op"])
    assert b"Withdraw request" in requester.get(f"/approvals/{approval.pk}/").content
    response = requester.post(f"/approvals/{approval.pk}/withdraw/", follow=True)

    assert "withdrawn: nothing was sent" in response.content.decode()
    approval.refresh_from_db()
    approval.operation.refresh_from_db()
    assert approval.state == ApprovalState.WITHDRAWN
    assert approval.operation.state == OperationState.CANCELLED
    again = requester.post(f"/approvals/{approval.pk}/withdraw/", follow=True)
    assert "already withdrawn" in again.content.decode()


def test_a_distributor_admin_may_withdraw_anyones_request(estate, asked):
    approval = asked["contoso"]
    client = signed_in(estate["admin"])
    assert b"Withdraw request" in client.get(f"/approvals/{approval.pk}/").content

    client.post(f"/approvals/{approval.pk}/withdraw/")

    approval.refresh_from_db()
    assert approval.state == ApprovalState.WITHDRAWN and approval.decided_by == estate["admin"]


def test_get_on_the_decision_urls_is_not_allowed(estate, asked):
    client = signed_in(estate["admin"])
    assert client.get(f"/approvals/{asked['branch'].pk}/decide/").status_code == 405
    assert client.get(f"/approvals/{asked['branch'].pk}/withdraw/").status_code == 405


# -- policies ----------------------------------------------------------------------------------


def policy_data(**changes) -> dict:
    data = {
        "reseller": "",
        "roles": ["operator"],
        "new_tenant": "on",
        "cancel": "on",
        "bulk": "on",
        "seats_above": "10",
        "seats_above_percent": "",
        "amount_above": "",
        "approver": Approver.DISTRIBUTOR,
        "expires_after_hours": "72",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_only_distributor_admins_open_the_policy_editor(estate, seats_policy):
    urls = [
        "/approvals/policies/",
        "/approvals/policies/new/",
        f"/approvals/policies/{seats_policy.pk}/",
        f"/approvals/policies/{seats_policy.pk}/delete/",
    ]
    for name in ("staff", "northwind_admin", "northwind_op"):
        client = signed_in(estate[name])
        for url in urls:
            assert client.get(url).status_code == 403, (name, url)
        assert client.post(urls[1], policy_data()).status_code == 403
        assert client.post(urls[3]).status_code == 403
    assert ApprovalPolicy.objects.count() == 1
    assert b"Approval policies" not in signed_in(estate["staff"]).get("/approvals/").content

    admin = signed_in(estate["admin"])
    listing = admin.get("/approvals/policies/")
    assert listing.status_code == 200 and b"Northwind MSP" in listing.content
    assert b"Approval policies" in admin.get("/approvals/").content


def test_an_admin_creates_edits_and_deletes_a_policy_each_audited(estate):
    client = signed_in(estate["admin"])

    response = client.post(
        "/approvals/policies/new/",
        policy_data(reseller=str(estate["contoso"].pk), roles=["admin", "operator"]),
    )

    assert response.status_code == 302 and response["Location"] == "/approvals/policies/"
    policy = ApprovalPolicy.objects.get()
    assert policy.reseller == estate["contoso"] and policy.roles == ["admin", "operator"]
    assert policy.seats_above == 10 and not policy.plan_change
    created = AuditEvent.objects.get(action="approval.policy_created")
    assert created.actor == estate["admin"] and created.source == "page"

    edit = client.get(f"/approvals/policies/{policy.pk}/")
    assert edit.status_code == 200 and edit.context["form"]["seats_above"].value() == 10
    client.post(
        f"/approvals/policies/{policy.pk}/",
        policy_data(reseller=str(estate["contoso"].pk), seats_above="25", plan_change="on"),
    )
    policy.refresh_from_db()
    assert policy.seats_above == 25 and policy.plan_change and policy.roles == ["operator"]
    changed = AuditEvent.objects.get(action="approval.policy_changed")
    assert changed.detail["changes"]["seats_above"] == ["10", "25"]

    confirm = client.get(f"/approvals/policies/{policy.pk}/delete/")
    assert confirm.status_code == 200 and b"Delete the policy" in confirm.content
    assert ApprovalPolicy.objects.exists()
    client.post(f"/approvals/policies/{policy.pk}/delete/")
    assert not ApprovalPolicy.objects.exists()
    assert AuditEvent.objects.filter(action="approval.policy_deleted").count() == 1


def test_bad_input_and_a_second_policy_for_a_reseller_are_form_errors(estate, seats_policy):
    client = signed_in(estate["admin"])

    duplicate = client.post(
        "/approvals/policies/new/", policy_data(reseller=str(estate["northwind"].pk))
    )
    assert duplicate.status_code == 200
    assert "There is already a policy for Northwind MSP" in duplicate.content.decode()

    bad = client.post(
        "/approvals/policies/new/",
        policy_data(reseller=str(estate["contoso"].pk), roles=["viewer"], seats_above="-3"),
    )
    errors = bad.context["form"].errors
    assert "roles" in errors and "seats_above" in errors
    not_a_reseller = client.post(
        "/approvals/policies/new/", policy_data(reseller=str(CustomerFactory().pk))
    )
    assert "reseller" in not_a_reseller.context["form"].errors

    client.post("/approvals/policies/new/", policy_data())  # the default
    again = client.post("/approvals/policies/new/", policy_data())
    assert "There is already a policy for everyone" in again.content.decode()
    assert ApprovalPolicy.objects.count() == 2
    assert AuditEvent.objects.filter(action="approval.policy_created").count() == 1

    # Editing a policy keeps its own reseller without tripping over itself.
    ok = client.post(
        f"/approvals/policies/{seats_policy.pk}/",
        policy_data(reseller=str(estate["northwind"].pk), seats_above="12"),
    )
    assert ok.status_code == 302
