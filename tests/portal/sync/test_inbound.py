"""Egnyte webhook deliveries: authenticated, stored once, applied to the mirror."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from portal.celery import app as celery_app
from portal.customers.models import Tenant
from portal.sync.adapters import connection_adapter
from portal.sync.models import WebhookEvent
from portal.sync.services import connection_sync
from vendors.types import Contact, TenantSpec

HEADER, SECRET = "X-Portal-Webhook", "hook-" + uuid.uuid4().hex


@pytest.fixture
def eager_tasks():
    """Run the apply task in-process so the test sees its effect without a worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def egnyte(sandbox, connect, transactional_db):
    return connect("egnyte", webhook_auth={"header": HEADER, "value": SECRET})


def receiver_url(live_server, connection) -> str:
    return f"{live_server.url}/webhooks/{connection.pk}/"


def wait_for(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_a_delivery_with_a_wrong_auth_header_is_refused_and_stored_nowhere(egnyte, live_server):
    body = json.dumps({"event_type": "RESELLER_MRR_CHANGED", "domain_name": "acme"})
    wrong = requests.post(
        receiver_url(live_server, egnyte), data=body, headers={HEADER: "nope"}, timeout=5
    )
    missing = requests.post(receiver_url(live_server, egnyte), data=body, timeout=5)
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert WebhookEvent.objects.count() == 0


def test_a_vendor_delivery_updates_the_mirror(egnyte, live_server, sandbox, eager_tasks):
    connection_sync(egnyte)
    adapter = connection_adapter(egnyte)
    adapter.ensure_webhook(
        receiver_url(live_server, egnyte), ["RESELLER_CREATED_CONNECT_TRIAL"], HEADER, SECRET
    )
    plan = next(p for p in adapter.list_products() if p.trial_available)
    suffix = uuid.uuid4().hex[:6]
    created = adapter.create_tenant(
        TenantSpec(
            name=f"Hooked {suffix}",
            reference=f"CP-{suffix}",
            product_code=plan.code,
            seats=3,
            trial=True,
            contact=Contact(email=f"it@{suffix}.example"),
        ),
        idempotency_key=str(uuid.uuid4()),
    )

    event = wait_for(lambda: WebhookEvent.objects.filter(status="applied").first())

    assert event.event_type == "RESELLER_CREATED_CONNECT_TRIAL"
    assert Tenant.objects.filter(connection=egnyte, external_id=created.external_id).exists()


def test_the_same_event_delivered_twice_is_applied_once(egnyte, live_server, sandbox, eager_tasks):
    connection_sync(egnyte)
    tenant = Tenant.objects.filter(connection=egnyte, external_id__startswith="domain:").first()
    domain = tenant.external_id.split(":", 1)[1]
    body = json.dumps(
        {
            "event_type": "RESELLER_MRR_CHANGED",
            "domain_name": domain,
            "transaction_timestamp": "2026-11-01T10:00:00Z",
        }
    )
    since = sandbox.journal.last_seq
    answers = [
        requests.post(
            receiver_url(live_server, egnyte), data=body, headers={HEADER: SECRET}, timeout=10
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True]
    assert WebhookEvent.objects.filter(connection=egnyte).count() == 1
    refreshes = [e for e in sandbox.journal.entries("egnyte", since=since) if domain in e.path]
    assert len(refreshes) >= 1
    assert WebhookEvent.objects.get().status == "applied"
    # Applying again (a redelivered task) does not reach the vendor a second time.
    from portal.sync.inbound import webhook_event_apply

    before = sandbox.journal.last_seq
    assert webhook_event_apply(WebhookEvent.objects.get().pk) == {"skipped": True}
    assert sandbox.journal.last_seq == before
