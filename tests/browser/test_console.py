"""Every main page loads with an empty browser console under the Content Security Policy.

A blocked inline style, a missing static file or a script error shows up in the console long
before a user reports it; this reads the console of each page (and of the API docs, which load a
third-party bundle) and fails on any error or any request that answers 4xx/5xx.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.accounts.models import Role
from tests.factories import (
    ApprovalFactory,
    OperationFactory,
    ProfileFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    UsageRecordFactory,
    VendorConnectionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Pages whose heading is drawn by a script after load (no server-rendered h1).
SCRIPTED = {"/api/docs/"}


def test_every_main_page_has_an_empty_console(page, sign_in):
    admin = ProfileFactory(role=Role.ADMIN, user__is_superuser=True).user
    connection = VendorConnectionFactory(
        vendor="redstor", name="Redstor EU", sync_status="ok", last_success_at=timezone.now()
    )
    tenant = TenantFactory(connection=connection)
    SubscriptionFactory(tenant=tenant, seats=10, seats_used=4)
    UsageRecordFactory(tenant=tenant, period=timezone.now().date().replace(day=1), quantity=3)
    operation = OperationFactory(tenant=tenant, state="failed", last_error="503 from the vendor")
    sync_run = SyncRunFactory(connection=connection)
    approval = ApprovalFactory(operation__tenant=tenant)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    page.on(
        "console",
        lambda msg: msg.type == "error" and problems.append(f"{page.url}: {msg.text}"),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and problems.append(f"{page.url}: {response.status} {response.url}")
        ),
    )
    sign_in(admin)
    urls = [
        "/",
        "/customers/",
        f"/customers/{tenant.customer_id}/",
        f"/provision/?customer={tenant.customer_id}",
        "/operations/",
        f"/operations/{operation.pk}/",
        "/connections/",
        f"/connections/{connection.pk}/",
        "/sync/",
        f"/sync/{sync_run.pk}/",
        "/unmatched/",
        "/discrepancies/",
        "/usage/",
        f"/usage/customers/{tenant.customer_id}/",
        "/audit/",
        "/approvals/",
        f"/approvals/{approval.pk}/",
        "/approvals/policies/",
        f"/approvals/policies/{approval.policy_id}/",
        "/users/",
        "/me/",
        "/admin/",
        "/admin/operations/operation/",
        "/api/docs/",
    ]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if url in SCRIPTED:
            expect(page.locator("body")).to_contain_text("Channel Portal API")
        else:
            expect(page.locator("h1").first).to_be_visible()
    assert problems == [], "\n".join(problems)
