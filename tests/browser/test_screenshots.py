"""A screenshot of every main page, kept by CI under artifacts/screenshots/; no page errors."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.models import Role
from tests.browser.conftest import screenshot
from tests.factories import (
    DiscrepancyFactory,
    OperationFactory,
    ProfileFactory,
    ResellerFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    UsageRecordFactory,
    VendorCallStatFactory,
    VendorConnectionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_renders_every_main_page_without_errors(page, sign_in):
    admin = ProfileFactory(role=Role.ADMIN).user
    connection = VendorConnectionFactory(vendor="bitdefender", name="GravityZone EU",
                                         sync_status="ok", last_success_at=timezone.now())  # fmt: skip
    VendorCallStatFactory(connection=connection, hour=timezone.now())
    customer = TenantFactory(connection=connection, customer__parent=ResellerFactory()).customer
    tenant = customer.tenants.get()
    subscription = SubscriptionFactory(tenant=tenant, seats=20, seats_used=14)
    for months_ago in range(6):
        period = timezone.now().date().replace(day=1) - timezone.timedelta(days=31 * months_ago)
        UsageRecordFactory(tenant=tenant, period=period.replace(day=1), quantity=10 + months_ago)
    operation = OperationFactory(tenant=tenant, state="failed", last_error="503 from the vendor")
    SyncRunFactory(connection=connection)
    DiscrepancyFactory(tenant=tenant, subscription=subscription)
    TenantFactory(customer=None, connection=connection, name="Unclaimed Co")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    sign_in(admin)
    pages = {
        "dashboard": "/",
        "customers": "/customers/?ordering=hierarchy",
        "customer-detail": f"/customers/{customer.pk}/",
        "provision": f"/provision/?customer={customer.pk}",
        "operations": "/operations/",
        "operation-detail": f"/operations/{operation.pk}/",
        "connections": "/connections/",
        "sync": "/sync/",
        "unmatched": "/unmatched/",
        "discrepancies": "/discrepancies/",
        "bulk-preview": f"/customers/{customer.parent_id}/bulk/suspend/",
    }
    for name, url in pages.items():
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        assert page.title().endswith("Channel Portal"), url
        screenshot(page, name)
    page.keyboard.press("Tab")  # the skip link is the first stop for keyboard users
    expect(page.locator(":focus")).to_have_text("Skip to content")
    assert errors == []
