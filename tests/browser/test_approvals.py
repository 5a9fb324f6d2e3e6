"""A held seat increase in a real browser, from request to vendor (issue 21, acceptance 3).

A reseller's operator raises seats above its policy: the page says it awaits approval and
nothing reaches the vendor; a distributor admin follows the Inbox notice to the request and
approves it; the change then reaches the vendor once, and the requester hears it was approved.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.approvals.models import Approval, ApprovalPolicy, ApprovalState
from portal.customers.models import Subscription
from portal.notifications.models import Notice
from tests.browser.conftest import screenshot, send_reviewed
from tests.factories import CustomerFactory, ProfileFactory, ResellerFactory
from tests.portal.operations.conftest import provision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = "bitdefender"


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).not_to_have_url(re.compile(r"/customers/"))


def test_a_held_seat_increase_reaches_the_vendor_once_a_distributor_admin_approves(
    page, sign_in, eager_tasks, sandbox, sandbox_connection
):
    connection = sandbox_connection(VENDOR)
    northwind = ResellerFactory(name="Northwind MSP")
    customer = CustomerFactory(parent=northwind, name="Fabrikam Browser Ltd")
    tenant = provision(connection, customer, seats=5)
    ApprovalPolicy.objects.create(reseller=northwind, new_tenant=False, seats_above=10)
    requester = ProfileFactory(role=Role.OPERATOR, reseller=northwind).user
    admin = ProfileFactory(role=Role.ADMIN).user

    # The reseller's operator asks for 20 seats: held, nothing sent.
    sign_in(requester)
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("link", name="Change seats").first.click()
    page.get_by_label("New seat count").fill("20")
    page.get_by_role("button", name="Change seats").click()
    send_reviewed(page)
    expect(page).to_have_url(re.compile(r"/operations/\d+/$"))
    expect(page.locator("#op-status")).to_have_attribute("data-state", "awaiting_approval")
    expect(page.locator("#approval-state")).to_contain_text("Waiting for approval")
    approval = Approval.objects.get()
    assert approval.requested_by == requester
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 0
    sign_out(page)

    # The distributor admin follows the Inbox notice to the request and approves it.
    sign_in(admin)
    expect(page.locator("#approvals-link")).to_contain_text("1")
    page.locator("#inbox-link").click()
    page.get_by_role("link", name=re.compile(r"^Approval needed: ")).first.click()
    expect(page).to_have_url(re.compile(rf"/approvals/{approval.pk}/$"))
    expect(page.locator("#approval-reasons")).to_contain_text("+15 seats")
    page.get_by_label(re.compile(r"^Reason")).fill("Budget agreed with Northwind")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text(f"Request #{approval.pk} approved.")
    expect(page.locator("#approval-state")).to_have_attribute("data-state", "approved")
    screenshot(page, "approval-approved")

    page.locator("#approval-operation").click()
    expect(page.locator("#op-status")).to_have_attribute("data-state", "succeeded")
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 1
    assert Subscription.objects.get(tenant=tenant).seats == 20
    approval.refresh_from_db()
    assert approval.state == ApprovalState.APPROVED and approval.decided_by == admin
    assert Notice.objects.filter(user=admin, title__startswith="Approval needed").exists()
    sign_out(page)

    # The requester hears it was approved.
    sign_in(requester)
    page.locator("#inbox-link").click()
    expect(page.locator("#inbox")).to_contain_text(f"Approved by {admin.username}")
