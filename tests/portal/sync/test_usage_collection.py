"""collect_usage: a month of usage per tenant, upserted, equal to what the vendor reports."""

from __future__ import annotations

import pytest

from portal.customers.models import Tenant
from portal.sync.adapters import connection_adapter
from portal.sync.models import SyncRunStatus
from portal.sync.services import connection_sync
from portal.sync.usage import COLLECTED_STATUSES, connection_collect_usage, previous_month
from portal.usage.models import UsageRecord
from vendors.registry import ADAPTERS


@pytest.mark.parametrize("vendor", list(ADAPTERS))
def test_it_collects_last_month_equal_to_the_vendor_and_rewrites_nothing_the_second_time(
    sandbox, connect, vendor
):
    connection = connect(vendor)
    connection_sync(connection)
    period = previous_month()

    run = connection_collect_usage(connection, period)

    assert run.status == SyncRunStatus.SUCCEEDED, (run.error, run.errors)
    adapter = connection_adapter(connection)
    tenants = Tenant.objects.filter(connection=connection, status__in=COLLECTED_STATUSES)
    assert run.items_seen == tenants.count() > 0
    for tenant in tenants:
        expected = {
            (u.subscription_external_id, u.metric.value): (u.quantity, u.unit, u.vendor_field)
            for u in adapter.get_usage(tenant.external_id, period)
        }
        stored = {
            (r.subscription_key, r.metric): (r.quantity, r.unit, r.vendor_field)
            for r in UsageRecord.objects.filter(tenant=tenant, period=period)
        }
        assert stored == expected
    assert UsageRecord.objects.filter(tenant__connection=connection).exists()

    again = connection_collect_usage(connection, period)
    assert again.created_count == 0 and again.unchanged_count == again.items_seen


def test_a_vendor_correction_updates_the_figure_in_place(sandbox, connect):
    vendor = "redstor"
    connection = connect(vendor)
    connection_sync(connection)
    period = previous_month()
    connection_collect_usage(connection, period)
    record = (
        UsageRecord.objects.filter(tenant__connection=connection, period=period)
        .order_by("pk")
        .first()
    )
    rows_before = UsageRecord.objects.count()
    sandbox.sandboxes[vendor].set_usage(record.tenant.external_id, period, {"activeSeats": 999})

    run = connection_collect_usage(connection, period)

    assert run.created_count >= 1
    assert UsageRecord.objects.count() == rows_before
