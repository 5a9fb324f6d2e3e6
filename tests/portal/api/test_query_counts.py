"""Acceptance 4: the queries per list page do not grow with the page size or the data size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.events.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.factories import (
    AuditEventFactory,
    CustomerFactory,
    DiscrepancyFactory,
    OperationBatchFactory,
    OperationFactory,
    ProductFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    UsageRecordFactory,
    VendorConnectionFactory,
)


def _tenant_with_subscriptions():
    tenant = TenantFactory()
    SubscriptionFactory.create_batch(2, tenant=tenant)


def _batch_with_operations():
    batch = OperationBatchFactory(customer=CustomerFactory())
    OperationFactory(batch=batch)


def _delivery_with_attempts():
    subscription = WebhookSubscription.objects.first() or WebhookSubscription.objects.create(
        name="billing", url="http://127.0.0.1:9/", event_types=["test"]
    )
    delivery = WebhookDelivery.objects.create(subscription=subscription, event_type="test")
    for number in (1, 2):
        WebhookAttempt.objects.create(delivery=delivery, number=number, status_code=500)


MAKERS = {
    "connections": VendorConnectionFactory,
    "customers": CustomerFactory,
    "tenants": _tenant_with_subscriptions,
    "subscriptions": SubscriptionFactory,
    "products": ProductFactory,
    "usage": UsageRecordFactory,
    "operations": OperationFactory,
    "operation-batches": _batch_with_operations,
    "sync-runs": SyncRunFactory,
    "discrepancies": DiscrepancyFactory,
    "audit-events": AuditEventFactory,
    "webhook-subscriptions": lambda: WebhookSubscription.objects.create(
        name="crm", url="http://127.0.0.1:9/", event_types=["test"]
    ),
    "webhook-deliveries": _delivery_with_attempts,
}
MAX_QUERIES = 8  # auth (token + user/profile), count, page, prefetches, throttle-free


def _queries(api, endpoint: str, limit: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        answer = api.get(f"/api/v1/{endpoint}/", {"limit": limit})
    assert answer.status_code == 200
    return len(captured), len(answer.json()["results"])


@pytest.mark.parametrize("endpoint", list(MAKERS))
def test_it_runs_the_same_queries_for_small_and_large_pages(
    api, endpoint, django_assert_max_num_queries
):
    make = MAKERS[endpoint]
    for _ in range(2):
        make()
    api.get(f"/api/v1/{endpoint}/")  # the token's first use is recorded once
    small, small_rows = _queries(api, endpoint, limit=2)
    for _ in range(25):
        make()
    large, large_rows = _queries(api, endpoint, limit=100)

    assert large_rows > small_rows >= 2
    assert large == small, (
        f"{endpoint}: {small} queries for {small_rows} rows, {large} for {large_rows}"
    )
    with django_assert_max_num_queries(MAX_QUERIES):
        api.get(f"/api/v1/{endpoint}/", {"limit": 500})
