"""Which changes announce themselves to webhook subscribers, and the webhook API's actions."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.customers.models import Subscription, Tenant
from portal.events.deliveries import webhook_deliver
from portal.events.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from portal.sync.services import connection_sync
from tests.portal.api.conftest import client_for
from tests.portal.api.test_webhooks import Receiver, _verified
from tests.portal.operations.conftest import connect

ALL_EVENTS = [
    "operation.succeeded", "operation.failed", "tenant.status_changed", "discrepancy.opened",
    "sync.failed", "usage.period_closed",
]  # fmt: skip


@pytest.fixture
def subscribed(db):
    return WebhookSubscription.objects.create(
        name="everything", url="http://127.0.0.1:9/", event_types=ALL_EVENTS,
        secret={"secret": "s"},
    )  # fmt: skip


def _events(event_type: str) -> list[dict]:
    return [d.payload for d in WebhookDelivery.objects.filter(event_type=event_type)]


def test_it_announces_tenant_status_changes_and_opened_discrepancies_found_by_sync(
    sandbox, subscribed
):
    synced = connect(sandbox, "trendmicro")
    connection_sync(synced)
    assert not WebhookDelivery.objects.exists()  # a first pull changes no known status
    tenant = Tenant.objects.filter(connection=synced, status="active").first()
    for sub in Subscription.objects.filter(tenant=tenant, seats__isnull=False):
        sub.intended = {"seats": sub.seats}  # we intend every seat count; the vendor changes one
        sub.save(update_fields=["intended"])
    sandbox.sandboxes["trendmicro"].set_seats(tenant.external_id, 77)

    connection_sync(synced)

    [opened] = _events("discrepancy.opened")
    assert opened["tenant"] == tenant.pk and opened["vendor_value"] == 77


def test_it_announces_a_status_change_seen_by_sync(sandbox, subscribed):
    synced = connect(sandbox, "bitdefender")
    connection_sync(synced)
    tenant = Tenant.objects.filter(connection=synced, status="active").first()
    sandbox.sandboxes["bitdefender"].set_tenant_status(tenant.external_id, "suspended")

    connection_sync(synced)

    [changed] = _events("tenant.status_changed")
    assert changed == {
        "tenant": tenant.pk, "from": "active", "to": "suspended", "connection": synced.pk,
        "vendor": "bitdefender",
    }  # fmt: skip


def test_it_announces_a_failed_sync(db, subscribed):
    from tests.factories import VendorConnectionFactory

    broken = VendorConnectionFactory(vendor="egnyte", base_url="http://127.0.0.1:9/")
    run = connection_sync(broken)
    [failed] = _events("sync.failed")
    assert failed["run"] == run.pk and failed["status"] == "failed"


def test_it_sends_nothing_to_inactive_or_other_subscriptions(db):
    from portal.events.outbound import emit

    WebhookSubscription.objects.create(name="off", url="http://x/", event_types=ALL_EVENTS,
                                       active=False)  # fmt: skip
    WebhookSubscription.objects.create(name="other", url="http://x/", event_types=["sync.failed"])
    assert emit("operation.failed", {"operation": 1}) == []


def test_it_sends_a_signed_test_event_and_redelivers_it(make_user, settings):
    settings.API_WEBHOOK_MAX_ATTEMPTS = 1
    hook = Receiver([500, 200])
    try:
        api = client_for(make_user(Role.ADMIN))
        created = api.post(
            "/api/v1/webhook-subscriptions/",
            {"name": "psa", "url": hook.url, "event_types": ["sync.failed"]},
            format="json",
        ).json()
        test = api.post(f"/api/v1/webhook-subscriptions/{created['id']}/send-test/")
        assert test.status_code == 202 and test.json()["event_type"] == "test"
        delivery_id = test.json()["id"]
        webhook_deliver(delivery_id)  # what the queued task does (no worker in this test)
        assert api.get(f"/api/v1/webhook-deliveries/{delivery_id}/").json()["status"] == "failed"

        again = api.post(f"/api/v1/webhook-deliveries/{delivery_id}/redeliver/")
        assert again.status_code == 202 and again.json()["status"] == "pending"
        webhook_deliver(delivery_id)

        log = api.get(f"/api/v1/webhook-deliveries/{delivery_id}/").json()
        assert log["status"] == "delivered"
        assert [a["status_code"] for a in log["attempt_log"]] == [500, 200]
        assert all(_verified(created["secret"], r) for r in hook.requests)
        assert "secret" not in api.get(f"/api/v1/webhook-subscriptions/{created['id']}/").json()
    finally:
        hook.stop()


def test_it_logs_an_unreachable_receiver_and_schedules_a_retry(db, subscribed):
    delivery = WebhookDelivery.objects.create(subscription=subscribed, event_type="sync.failed")
    outcome = webhook_deliver(delivery.pk)
    assert outcome.status == "pending" and outcome.retry_in > 0
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and "ConnectionError" in attempt.error
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None


def test_it_keeps_webhooks_to_distributor_admins(operator, scoped_operator, subscribed):
    for user in (operator, scoped_operator):
        client = client_for(user)
        assert client.get("/api/v1/webhook-subscriptions/").status_code == 403
        assert client.get("/api/v1/webhook-deliveries/").status_code == 403
        url = f"/api/v1/webhook-subscriptions/{subscribed.pk}/send-test/"
        assert client.post(url).status_code == 403


def test_it_refuses_unknown_event_types(api):
    answer = api.post(
        "/api/v1/webhook-subscriptions/",
        {"name": "x", "url": "http://127.0.0.1:9/", "event_types": ["nothing.happened"]},
        format="json",
    )
    assert answer.status_code == 400 and "event_types" in answer.json()["details"]
