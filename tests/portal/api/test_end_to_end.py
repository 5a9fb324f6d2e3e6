"""Acceptance 3: an internal tool, over HTTP only, provisions a customer at a vendor sandbox.

``requests`` against the live server with an API token; the worker's tasks run eagerly inside
the server (Celery's task_always_eager), so the whole flow is real but needs no broker.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from portal.accounts.models import Role
from tests.portal.api.conftest import token_for

VENDOR = "lookout"


@pytest.fixture
def eager_worker():
    from portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def http(live_server, make_user, eager_worker):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(make_user(Role.ADMIN))}"

    def call(method: str, path: str, **kwargs) -> requests.Response:
        url = path if path.startswith("http") else live_server.url + path
        return session.request(method, url, timeout=60, **kwargs)

    return call


def test_it_provisions_a_customer_follows_the_operation_and_reads_tenant_and_usage(http, sandbox):
    sandbox_vendor = sandbox.sandboxes[VENDOR]
    connection = http(
        "POST",
        "/api/v1/connections/",
        json={
            "vendor": VENDOR,
            "name": "Lookout sandbox",
            "base_url": sandbox.vendor_url(VENDOR),
            "credentials": sandbox_vendor.credentials(),
        },
    )
    assert connection.status_code == 201, connection.text
    connection_id = connection.json()["id"]
    assert "credentials" not in connection.json()
    assert http("POST", f"/api/v1/connections/{connection_id}/test/").json()["ok"] is True

    synced = http("POST", f"/api/v1/connections/{connection_id}/sync/")
    assert synced.status_code == 202, synced.text
    assert synced.json()["run"]["status"] == "succeeded"

    products = http(
        "GET", "/api/v1/products/", params={"connection": connection_id, "kind": "base"}
    ).json()["results"]
    customer = http(
        "POST",
        "/api/v1/customers/",
        json={
            "name": "Harbour Dental Ltd",
            "contact_name": "Ada Byron",
            "contact_email": "it@harbour-dental.example",
            "country": "GB",
            "external_ref": "CRM-0042",
        },
    )
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]

    # What this vendor asks of a new tenant, as the API describes it (Lookout: the admin's
    # first and last name), answered as a tool would from its own CRM record.
    asked = http("GET", f"/api/v1/connections/{connection_id}/").json()["create_options"]
    crm = {"contact_first_name": "Ada", "contact_last_name": "Byron"}
    required = {o["name"] for o in asked if o["required"]}
    assert required <= set(crm), required
    body = {
        "kind": "create_tenant",
        "customer": customer_id,
        "connection": connection_id,
        "product_code": products[0]["code"],
        "seats": 12,
        "options": {name: crm[name] for name in required},
    }
    created = http("POST", "/api/v1/operations/", json=body, headers={"Idempotency-Key": "crm-42"})
    assert created.status_code == 202, created.text
    assert created.headers["Location"] == created.json()["url"]

    deadline, operation = time.monotonic() + 60, created.json()
    while operation["state"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        operation = http("GET", created.headers["Location"]).json()
    assert operation["state"] == "succeeded", operation

    tenants = http("GET", "/api/v1/tenants/", params={"customer": customer_id}).json()
    assert tenants["count"] == 1
    tenant = tenants["results"][0]
    assert tenant["vendor"] == VENDOR and tenant["status"] == "active"
    assert tenant["subscriptions"][0]["seats"] == 12
    assert len(sandbox_vendor.snapshot()["tenants"]) == 5 + 1  # seeded + ours, made once

    this_month = {"period": dt.date.today().isoformat()}  # the new tenant has no past usage
    collected = http("POST", f"/api/v1/connections/{connection_id}/collect-usage/", json=this_month)
    assert collected.status_code == 202, collected.text
    assert collected.json()["run"]["status"] == "succeeded", collected.json()
    usage = http("GET", "/api/v1/usage/", params={"tenant": tenant["id"]}).json()
    assert usage["count"] > 0
    assert {row["customer"] for row in usage["results"]} == {customer_id}
    csv_text = http(
        "GET", "/api/v1/usage/", params={"customer": customer_id}, headers={"Accept": "text/csv"}
    ).text
    assert csv_text.splitlines()[0].startswith("period,customer_reference")
    assert len(csv_text.splitlines()) == usage["count"] + 1

    again = http("POST", "/api/v1/operations/", json=body, headers={"Idempotency-Key": "crm-42"})
    assert again.status_code == 200 and again.json()["id"] == operation["id"]
