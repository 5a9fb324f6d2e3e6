"""collect_usage: a month of usage per tenant, upserted, equal to what the vendor reports."""

from __future__ import annotations

import pytest

from portal.customers.models import Tenant
from portal.sync.adapters import connection_adapter
from portal.sync.models import SyncRunStatus
from portal.sync.services import connection_sync
from portal.usage.collection import (
    COLLECTED_STATUSES,
    connection_collect_usage,
    default_period,
    previous_month,
)
from portal.usage.models import UsageRecord
from vendors.registry import ADAPTERS, get_adapter_class


@pytest.mark.parametrize("vendor", list(ADAPTERS))
def test_it_collects_its_month_equal_to_the_vendor_and_rewrites_nothing_the_second_time(
    sandbox, connect, vendor
):
    """Last month, or the current one for a vendor that reports only today's figures."""
    connection = connect(vendor)
    connection_sync(connection)
    period = default_period(connection)
    assert (period == previous_month()) is get_adapter_class(vendor).usage_history

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


@pytest.mark.parametrize("vendor", [v for v in ADAPTERS if not get_adapter_class(v).usage_history])
def test_it_asks_a_vendor_without_usage_history_nothing_for_a_past_month(sandbox, connect, vendor):
    connection = connect(vendor)
    connection_sync(connection)
    since = sandbox.journal.last_seq

    run = connection_collect_usage(connection, previous_month())

    assert run.status == SyncRunStatus.FAILED and "cannot report a past month" in run.error
    assert sandbox.journal.entries(vendor, since=since) == []
    assert not UsageRecord.objects.filter(period=previous_month()).exists()


def test_egnyte_collects_a_day_within_its_1000_calls(sandbox, connect):
    """Egnyte allows 1,000 calls a day per token: the daily collection reads the listings (ten
    tenants a call), not one detail per tenant."""
    sandbox.reset(["egnyte"], seed_tenants=60)
    sandbox.set_rate_limit("egnyte", None)
    connection = connect("egnyte")
    connection_sync(connection)
    tenants = Tenant.objects.filter(connection=connection, status__in=COLLECTED_STATUSES).count()
    since = sandbox.journal.last_seq

    run = connection_collect_usage(connection)

    calls = len(sandbox.journal.entries("egnyte", since=since))
    assert run.status == SyncRunStatus.SUCCEEDED and run.items_seen == tenants > 20
    assert calls <= 60 / 10 + 2  # the two listings' pages
    assert calls / tenants * 5000 < 1000  # five thousand tenants would still fit in a day
