"""No list or detail page issues more SQL queries when it has more rows to show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.operations.models import OperationState
from tests.factories import (
    AuditEventFactory,
    CustomerFactory,
    DiscrepancyFactory,
    OperationAttemptFactory,
    OperationFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    UsageRecordFactory,
    VendorCallStatFactory,
    VendorConnectionFactory,
)

pytestmark = pytest.mark.django_db

#: The most queries any page may take (session, user, profile, the page's own reads).
MAX_QUERIES = 25


def populate(size: int, reseller) -> dict:
    """``size`` rows of everything, spread over two connections, under one reseller."""
    connections = [VendorConnectionFactory(vendor="bitdefender"), VendorConnectionFactory()]
    customer = CustomerFactory(parent=reseller)
    for n in range(size):
        conn = connections[n % 2]
        other = CustomerFactory(parent=reseller)
        tenant = TenantFactory(customer=customer if n < 12 else other, connection=conn)
        subscription = SubscriptionFactory(tenant=tenant)
        op = OperationFactory(tenant=tenant, state=OperationState.FAILED, last_error="no")
        OperationAttemptFactory(operation=op)
        TenantFactory(customer=None, connection=conn)
        DiscrepancyFactory(tenant=tenant, subscription=subscription)
        SyncRunFactory(connection=conn)
        UsageRecordFactory(tenant=tenant)
        VendorCallStatFactory(connection=conn)
        AuditEventFactory(customer=customer)
    return {"customer": customer, "operation": op, "run": SyncRunFactory(connection=conn)}


def pages(data) -> list[str]:
    return [
        "/",
        "/customers/",
        "/customers/?ordering=hierarchy",
        f"/customers/{data['customer'].pk}/",
        f"/customers/{data['customer'].parent_id}/",
        "/operations/",
        "/operations/?state=failed",
        f"/operations/{data['operation'].pk}/",
        "/connections/",
        "/sync/",
        f"/sync/{data['run'].pk}/",
        "/unmatched/",
        "/discrepancies/",
    ]


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def test_it_issues_the_same_queries_for_3_rows_and_for_60(
    admin_client, reseller, django_assert_max_num_queries
):
    small = populate(3, reseller)
    small_counts = {i: count(admin_client, url) for i, url in enumerate(pages(small))}
    large = populate(60, reseller)
    for i, url in enumerate(pages(large)):
        with django_assert_max_num_queries(MAX_QUERIES):
            large_count = count(admin_client, url)
        assert large_count == small_counts[i], f"{url}: {small_counts[i]} -> {large_count}"


def test_it_keeps_a_scoped_users_pages_flat_too(scoped_client, reseller):
    data = populate(3, reseller)
    small_counts = [count(scoped_client, url) for url in pages(data)]
    more = populate(30, reseller)
    large_counts = [count(scoped_client, url) for url in pages(more)]
    assert large_counts == small_counts
