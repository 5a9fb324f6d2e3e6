"""The staff journeys in a real browser: provision, change seats, suspend, resume, cancel, retry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.customers.models import Subscription, Tenant
from portal.operations.models import Operation
from tests.browser.conftest import confirm, fill_provision, screenshot, send_reviewed
from tests.factories import CustomerFactory, ResellerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = "trendmicro"  # every operation is native there


def provision(page, customer, connection, *, seats: str = "5") -> None:
    fill_provision(page, customer, connection, seats=seats)
    page.get_by_role("button", name="Provision").click()
    send_reviewed(page)


def expect_operation(page, state: str) -> None:
    expect(page.locator("#op-status")).to_have_attribute("data-state", state)


def test_it_provisions_changes_seats_suspends_resumes_and_cancels(
    page, sign_in, eager_tasks, sandbox_connection
):
    connection = sandbox_connection(VENDOR)
    customer = CustomerFactory(name="Contoso Browser Ltd", parent=ResellerFactory())
    sign_in()

    provision(page, customer, connection)
    expect(page).to_have_url(re.compile(r"/operations/\d+/$"))
    expect_operation(page, "succeeded")
    tenant = Tenant.objects.get(customer=customer, connection=connection)

    page.get_by_role("link", name=f"Back to {customer.name}").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(customer.name)
    page.get_by_role("link", name="Change seats").first.click()
    page.get_by_label("New seat count").fill("9")
    page.get_by_role("button", name="Change seats").click()
    page.locator("#review").get_by_role("button", name="Yes, send it").click()
    expect_operation(page, "succeeded")
    assert Subscription.objects.get(tenant=tenant).seats == 9

    for action, status in (("Suspend", "suspended"), ("Resume", "active"), ("Cancel", "cancelled")):
        page.goto(f"/customers/{customer.pk}/")
        page.locator(f"[data-tenant='{tenant.pk}']").get_by_role("button", name=action).click()
        confirm(page)
        expect_operation(page, "succeeded")
        tenant.refresh_from_db()
        assert tenant.status == status, action
    assert Operation.objects.filter(customer=customer, state="succeeded").count() == 5


def test_it_shows_a_failed_operations_vendor_message_and_retries_it(
    page, sign_in, eager_tasks, sandbox_connection, sandbox, settings
):
    settings.OPERATIONS_MAX_ATTEMPTS = 1
    connection = sandbox_connection(VENDOR)
    customer = CustomerFactory(name="Fabrikam Faulty Ltd")
    sandbox.set_faults(VENDOR, error_rate=1.0, only_writes=True)
    sign_in()

    provision(page, customer, connection)
    expect_operation(page, "failed")
    expect(page.locator(".vendor-message")).not_to_be_empty()
    screenshot(page, "operation-failed")

    sandbox.set_faults(VENDOR)  # the vendor is back
    page.get_by_role("button", name="Retry").click()
    confirm(page)
    expect_operation(page, "succeeded")
    assert Tenant.objects.filter(customer=customer, connection=connection).exists()


def test_it_keeps_a_wrong_seat_count_in_the_form_with_the_reason(
    page, sign_in, eager_tasks, sandbox_connection
):
    connection = sandbox_connection(VENDOR)
    customer = CustomerFactory(name="Wingtip Seats Ltd")
    sign_in()
    fill_provision(page, customer, connection, seats="0")
    page.get_by_role("button", name="Provision").click()
    seats = page.get_by_label("Seats (licences)")
    expect(seats).to_have_value("0")
    expect(page.locator(".field-error")).to_contain_text("greater than or equal to 1")
    expect(page.locator("#review")).to_have_count(0)  # validation runs first: nothing to confirm
    assert not Operation.objects.exists()


@pytest.mark.worker
def test_it_follows_an_operation_run_by_the_real_worker(
    page, sign_in, sandbox_connection, celery_worker_process
):
    connection = sandbox_connection(VENDOR)
    customer = CustomerFactory(name="Tailspin Worker Ltd")
    sign_in()
    provision(page, customer, connection)
    expect(page.locator("#op-status")).to_have_attribute("data-state", "succeeded", timeout=60_000)
