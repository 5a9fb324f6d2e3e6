"""Issue 22 in a real browser: what staff see is true, plain and in the right order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.customers.models import Tenant
from portal.operations.models import Operation, OperationKind, OperationState
from portal.usage.collection import connection_collect_usage, previous_month
from portal.usage.models import MonthClose, UsageRecord
from tests.browser.conftest import fill_provision, send_reviewed
from tests.factories import CustomerFactory, ProfileFactory
from vendors.types import TenantStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _close_button(page, connection):
    row = page.locator("#close-heading ~ * tr", has_text=connection.name)
    return row.get_by_role("button", name="Close")


def test_a_tenant_provisioned_after_the_month_does_not_block_its_close(
    page, sign_in, sandbox_connection
):
    connection = sandbox_connection("redstor")
    period = previous_month()
    connection_collect_usage(connection, period)
    late = Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE).first()
    UsageRecord.objects.filter(tenant=late, period=period).delete()
    Operation.objects.create(  # the portal made it at the vendor after the month ended
        kind=OperationKind.CREATE_TENANT,
        state=OperationState.SUCCEEDED,
        connection=connection,
        tenant=late,
        idempotency_key="made-after-the-month",
        finished_at=timezone.now(),
    )
    sign_in()

    page.goto(f"/usage/?period={period:%Y-%m}")
    _close_button(page, connection).click()
    expect(page.locator("#close-confirm")).to_contain_text("will be frozen")
    expect(page.locator("#close-confirm")).not_to_contain_text(late.name)
    assert not MonthClose.objects.exists()  # confirming comes first
    page.locator("#close-confirm").get_by_role("button", name="Close").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"Closed {period:%Y-%m} for {connection.name}"
    )
    assert MonthClose.objects.get(connection=connection, period=period).is_closed


def test_an_admin_closes_with_the_tenants_left_naming_a_reason(page, sign_in, sandbox_connection):
    connection = sandbox_connection("redstor")
    period = previous_month()
    connection_collect_usage(connection, period)
    missing = Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE).first()
    UsageRecord.objects.filter(tenant=missing, period=period).delete()
    admin = ProfileFactory(role=Role.ADMIN).user
    sign_in(admin)

    page.goto(f"/usage/?period={period:%Y-%m}")
    _close_button(page, connection).click()
    confirm_card = page.locator("#close-confirm")
    expect(confirm_card).to_contain_text(missing.external_id)
    expect(confirm_card.locator("#usage-missing")).to_contain_text("Counts because")
    confirm_card.get_by_label("Reason to close with these tenants left").fill("billed by hand")
    confirm_card.get_by_role("button", name="with 1 tenant left").click()

    expect(page.get_by_role("status")).to_contain_text("Closed with tenants left: billed by hand")
    event = AuditEvent.objects.get(action="usage.month_closed")
    assert event.detail["reason"] == "billed by hand"
    assert event.detail["missing_tenants"] == [missing.pk]


def test_a_tenant_just_synced_reads_seen_moments_ago(page, sign_in, sandbox_connection):
    connection = sandbox_connection("redstor")
    tenant = Tenant.objects.filter(connection=connection).first()
    customer = CustomerFactory()
    hour_ago = timezone.now() - dt.timedelta(minutes=55)
    Tenant.objects.filter(pk=tenant.pk).update(customer=customer, last_seen_at=hour_ago)
    type(connection).objects.filter(pk=connection.pk).update(last_success_at=timezone.now())
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    seen = page.locator(f"[data-tenant='{tenant.pk}'] [data-seen]")
    expect(seen).to_have_text("seen 0\u00a0minutes ago")


def test_the_customers_vendor_filter_has_a_label(page, sign_in):
    sign_in()
    page.goto("/customers/")
    expect(page.get_by_label("Vendor", exact=True)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("[invalid name]")


def test_a_refused_action_reads_an_active_tenant(page, sign_in, sandbox_connection):
    connection = sandbox_connection("trendmicro")
    tenant = Tenant.objects.filter(connection=connection).first()
    customer = CustomerFactory()
    Tenant.objects.filter(pk=tenant.pk).update(customer=customer, status=TenantStatus.TRIAL)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    card = page.locator(f"[data-tenant='{tenant.pk}']")
    expect(card).to_contain_text("Only an active tenant can be suspended")
    expect(card).not_to_contain_text("Only a active")


def test_egnyte_provisioning_offers_no_add_ons_it_would_refuse(page, sign_in, sandbox_connection):
    connection = sandbox_connection("egnyte")
    customer = CustomerFactory()
    sign_in()

    fill_provision(page, customer, connection, seats="3")

    expect(page.locator("#product-fields input[name=addons]")).to_have_count(0)
    expect(page.locator("#product-fields")).to_contain_text("No add-ons at provisioning")


def test_provisioning_validates_first_then_confirms_exactly_what_is_sent(
    page, sign_in, sandbox_connection
):
    connection = sandbox_connection("trendmicro")
    customer = CustomerFactory()
    sign_in()

    product = fill_provision(page, customer, connection, seats="0")
    chosen = product.locator("option:checked").inner_text()
    page.get_by_role("button", name="Provision").click()
    expect(page.locator(".field-error")).to_contain_text("greater than or equal to 1")
    expect(page.locator("#review")).to_have_count(0)  # invalid seats: nothing to confirm
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_label("Seats (licences)").fill("7")
    page.get_by_role("button", name="Provision").click()
    review = page.locator("#review")
    expect(review).to_contain_text(f"at {connection.name}")
    expect(review).to_contain_text(chosen)
    expect(review.locator("dd").nth(2)).to_have_text("7")
    assert not Operation.objects.exists()  # shown back, not yet recorded

    send_reviewed(page)
    expect(page).to_have_url(re.compile(r"/operations/\d+/$"))
    assert Operation.objects.get().params["seats"] == 7


def test_an_egnyte_trial_shows_change_seats_disabled_with_the_reason(
    page, sign_in, sandbox_connection
):
    connection = sandbox_connection("egnyte")
    tenant = Tenant.objects.filter(connection=connection, status=TenantStatus.TRIAL).first()
    assert tenant is not None, "the Egnyte sandbox seeds trials"
    customer = CustomerFactory()
    Tenant.objects.filter(pk=tenant.pk).update(customer=customer)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    card = page.locator(f"[data-tenant='{tenant.pk}']")
    expect(card.get_by_role("button", name="Change seats").first).to_be_disabled()
    expect(card).to_contain_text("Egnyte refuses to change seats while")


def test_edit_and_retry_makes_a_new_operation_and_closes_the_refused_one(
    page, sign_in, eager_tasks, sandbox_connection
):
    from tests.vendors.options import connection_options as vendor_options

    connection = sandbox_connection("trendmicro")
    customer = CustomerFactory()
    product = connection.products.exclude(kind="addon").order_by("pk").first()
    refused = Operation.objects.create(
        kind=OperationKind.CREATE_TENANT,
        state=OperationState.FAILED,
        connection=connection,
        customer=customer,
        idempotency_key="refused-for-good",
        params={
            "product_code": product.code,
            "seats": 5,
            "trial": False,
            "addons": [],
            "options": vendor_options(connection),
        },
        last_error="The vendor refused the request.",
        error_detail={"kind": "VendorBadRequest"},
    )
    sign_in()

    page.goto(f"/operations/{refused.pk}/")
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    page.get_by_role("link", name="Edit and retry").click()
    expect(page.get_by_label("Seats (licences)")).to_have_value("5")
    page.get_by_label("Seats (licences)").fill("6")
    page.get_by_role("button", name="Provision").click()
    send_reviewed(page)

    expect(page.locator("[data-supersedes]")).to_contain_text(f"operation #{refused.pk}")
    refused.refresh_from_db()
    assert refused.state == "superseded" and refused.superseded_by is not None
    assert refused.superseded_by.params["seats"] == 6
