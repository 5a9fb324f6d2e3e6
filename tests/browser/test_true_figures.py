"""Issue 22, point 3 in a real browser: the figures staff read are true (seats used, a suspended
tenant's subscription, when a tenant was seen, what the 24 h call errors were)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.customers.models import Subscription, Tenant
from portal.sync.call_stats import flush_call_stats, record_call
from portal.sync.services import connection_sync
from portal.usage.collection import connection_collect_usage, previous_month
from portal.usage.models import UsageRecord
from tests.factories import CustomerFactory
from vendors.http import CallRecord
from vendors.types import Metric, SubscriptionStatus, TenantStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _seats_cell(page, tenant):
    return page.locator(f"[data-tenant='{tenant.pk}'] td.num").first


def _give(tenant) -> object:
    customer = CustomerFactory()
    Tenant.objects.filter(pk=tenant.pk).update(customer=customer)
    return customer


def test_lookout_seats_used_come_from_the_tenant_list_rows(
    page, sign_in, sandbox, sandbox_connection
):
    connection = sandbox_connection("lookout")
    listed = {t["externalPartnerId"]: t for t in sandbox.sandboxes["lookout"].snapshot()["tenants"]}
    tenant = next(
        t
        for t in Tenant.objects.filter(connection=connection)
        if listed[t.external_id]["licensesUsed"] and t.subscriptions.exists()
    )
    customer = _give(tenant)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    used = listed[tenant.external_id]["licensesUsed"]
    expect(_seats_cell(page, tenant)).to_contain_text(f"{used} / ")
    expect(_seats_cell(page, tenant)).not_to_contain_text("—")


def test_redstor_seats_used_come_from_its_usage_report(page, sign_in, sandbox_connection):
    connection = sandbox_connection("redstor")
    period = previous_month()
    connection_collect_usage(connection, period)
    record = (
        UsageRecord.objects.filter(
            tenant__connection=connection, metric=Metric.SEATS_USED, period=period, quantity__gt=0
        )
        .select_related("tenant")
        .first()
    )
    assert record is not None, "the Redstor sandbox reports active seats"
    tenant = record.tenant
    assert tenant.subscriptions.count() == 1 or record.subscription_key
    customer = _give(tenant)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    cell = _seats_cell(page, tenant)
    expect(cell).to_contain_text(f"{int(record.quantity)} / not reported by Redstor")
    expect(cell).to_contain_text(f"used: {period:%b %Y} usage report")


def test_seats_used_that_no_source_reports_say_so_not_zero(page, sign_in, sandbox_connection):
    connection = sandbox_connection("trendmicro")
    tenant = next(
        t for t in Tenant.objects.filter(connection=connection) if t.subscriptions.exists()
    )
    assert not UsageRecord.objects.filter(tenant=tenant).exists()
    customer = _give(tenant)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    cell = _seats_cell(page, tenant)
    expect(cell).to_contain_text("not reported by Trend Micro /")
    expect(cell).not_to_contain_text("—")


def test_a_suspended_redstor_tenant_shows_its_subscription_suspended(
    page, sign_in, sandbox, sandbox_connection
):
    connection = sandbox_connection("redstor")
    tenant = Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE).first()
    sandbox.sandboxes["redstor"].state.set_enabled(tenant.external_id, False)  # disabled there
    connection_sync(connection, triggered_by="browser test")
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.SUSPENDED
    customer = _give(tenant)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    card = page.locator(f"[data-tenant='{tenant.pk}']")
    expect(card.locator("tbody .badge").first).to_have_text("suspended")
    expect(card.locator("tbody")).not_to_contain_text("active")
    assert set(Subscription.objects.filter(tenant=tenant).values_list("status", flat=True)) == {
        SubscriptionStatus.SUSPENDED
    }


def test_a_tenant_seen_by_the_last_sync_reads_seen_moments_ago(page, sign_in, sandbox_connection):
    connection = sandbox_connection("redstor")
    tenant = Tenant.objects.filter(connection=connection).first()
    hour_ago = timezone.now() - dt.timedelta(minutes=55)
    Tenant.objects.filter(pk=tenant.pk).update(last_seen_at=hour_ago)
    type(connection).objects.filter(pk=connection.pk).update(last_success_at=hour_ago)
    connection_sync(connection, triggered_by="browser test")  # unchanged at the vendor
    customer = _give(tenant)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    seen = page.locator(f"[data-tenant='{tenant.pk}'] [data-seen]")
    expect(seen).to_have_text("seen 0\u00a0minutes ago")


def _call(outcome: str, status: int | None) -> CallRecord:
    return CallRecord("redstor", "k", "GET", "/companies", status, 12.0, outcome, 1)


def test_the_dashboard_says_what_the_24h_call_errors_were_and_links_to_them(
    page, sign_in, sandbox_connection
):
    connection = sandbox_connection("redstor")
    flush_call_stats()
    for outcome, status in [
        ("VendorThrottled", 429),
        ("VendorThrottled", 429),
        ("VendorBadRequest", 400),
        ("VendorTransientError", 503),
    ]:
        record_call(connection.pk, _call(outcome, status))
    flush_call_stats()
    sign_in()

    row = page.locator("tr", has_text=connection.name)
    errors = row.locator("[data-call-errors]")
    expect(errors).to_contain_text("2 throttled, 1 refused, 1 failed")
    errors.get_by_role("link").click()

    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    assert f"connection={connection.pk}" in page.url and "created_after=" in page.url


def test_redstor_change_seats_is_disabled_with_the_reason_its_sandbox_gives(
    page, sign_in, sandbox_connection
):
    """Redstor's document has no seat change and its sandbox's default answers 405: the page
    does not offer what the vendor refuses (issue 22, point 2)."""
    connection = sandbox_connection("redstor")
    tenant = next(
        t
        for t in Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE)
        if t.subscriptions.exists()
    )
    customer = _give(tenant)
    sign_in()

    page.goto(f"/customers/{customer.pk}/")

    card = page.locator(f"[data-tenant='{tenant.pk}']")
    expect(card.get_by_role("button", name="Change seats").first).to_be_disabled()
    expect(card).to_contain_text("Redstor cannot change seats")


def test_a_refused_seat_change_is_edited_and_retried_as_a_new_operation(
    page, sign_in, eager_tasks, sandbox_connection
):
    """Issue 22, point 6, on the subscription forms: the form is filled in from the refused
    request; sending it makes a new operation and closes the refused one as superseded."""
    from portal.operations.models import Operation, OperationKind, OperationState

    connection = sandbox_connection("trendmicro")
    tenant = next(
        t
        for t in Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE)
        if t.subscriptions.exists()
    )
    customer = _give(tenant)
    subscription = tenant.subscriptions.first()
    refused = Operation.objects.create(
        kind=OperationKind.CHANGE_SEATS,
        state=OperationState.FAILED,
        connection=connection,
        customer=customer,
        tenant=tenant,
        subscription=subscription,
        idempotency_key="seats-refused-for-good",
        params={"seats": 99999},
        last_error="The vendor refused the request.",
        error_detail={"kind": "VendorBadRequest"},
    )
    sign_in()

    page.goto(f"/operations/{refused.pk}/")
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    page.get_by_role("link", name="Edit and retry").click()
    expect(page.get_by_label("New seat count")).to_have_value("99999")
    expect(page.locator("[data-edits]")).to_contain_text(f"operation #{refused.pk}")
    page.get_by_label("New seat count").fill("12")
    page.get_by_role("button", name="Change seats").click()
    page.locator("#review").get_by_role("button", name="Yes, send it").click()

    expect(page.locator("[data-supersedes]")).to_contain_text(f"operation #{refused.pk}")
    refused.refresh_from_db()
    assert refused.state == "superseded" and refused.superseded_by is not None
    assert refused.superseded_by.params["seats"] == 12


def test_a_seat_change_the_service_refuses_is_shown_before_any_confirmation(
    page, sign_in, eager_tasks, sandbox_connection
):
    """Issue 22, point 5: what only the server can check (here: the seat count already held)
    is checked before staff confirm, and the confirmation names exactly what is sent."""
    from portal.operations.models import Operation

    connection = sandbox_connection("trendmicro")
    tenant = next(
        t
        for t in Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE)
        if t.subscriptions.filter(seats__isnull=False).exists()
    )
    _give(tenant)
    subscription = tenant.subscriptions.filter(seats__isnull=False).first()
    sign_in()

    page.goto(f"/subscriptions/{subscription.pk}/change_seats/")
    page.get_by_label("New seat count").fill(str(subscription.seats))  # what it has already
    page.get_by_role("button", name="Change seats").click()

    expect(page.locator("form.stacked")).to_contain_text(f"already has {subscription.seats} seats")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#review")).to_have_count(0)
    assert not Operation.objects.exists()

    page.get_by_label("New seat count").fill(str(subscription.seats + 3))
    page.get_by_role("button", name="Change seats").click()
    review = page.locator("#review")
    expect(review).to_contain_text(f"at {connection.name}")
    expect(review.locator("dd").first).to_have_text(str(subscription.seats + 3))
    assert not Operation.objects.exists()  # nothing recorded or sent before the confirmation
    review.get_by_role("button", name="Yes, send it").click()

    expect(page.locator("#op-status")).to_be_visible()
    assert Operation.objects.get().params["seats"] == subscription.seats + 3
