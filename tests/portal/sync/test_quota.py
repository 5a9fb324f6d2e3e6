"""Quota planning (portal.sync.quota): a daily quota keeps its reserve for staff operations.

Egnyte allows 1,000 calls a day per token. Earlier calls today (staff, other runs) are spent on
the connection's own shared limiter, exactly as they would be; the sandbox's per-second limit and
the adapter's are lifted so the test does not wait half a second a call (the daily quota stays).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role
from portal.customers.models import Tenant
from portal.sync.adapters import connection_adapter
from portal.sync.models import SyncRunStatus, SyncScope
from portal.sync.services import connection_sync
from portal.usage.collection import connection_collect_usage
from tests import factories
from vendors.egnyte.adapter import EgnyteAdapter
from vendors.ratelimit import RateLimit, get_rate_limiter

QUOTA = 1000
RESERVE = 50  # SYNC_QUOTA_RESERVE 0.05 of 1,000


@pytest.fixture
def egnyte(sandbox, connect, settings, monkeypatch):
    settings.SYNC_QUOTA_RESERVE = RESERVE / QUOTA
    monkeypatch.setattr(EgnyteAdapter, "rate_limit", RateLimit(per_day=QUOTA))
    sandbox.reset(["egnyte"], seed_tenants=60)
    sandbox.set_rate_limit("egnyte", None)
    return connect("egnyte")


def left_today(connection) -> int:
    left = connection_adapter(connection, on_call=None).remaining_daily_calls()
    assert left is not None
    return left


def spend(connection, calls: int) -> None:
    """Calls made earlier today on this token (counted by the limiter every process shares)."""
    key = connection_adapter(connection, on_call=None).limit_key
    limiter = get_rate_limiter(settings.REDIS_URL or None)
    for _ in range(calls):
        limiter.acquire(key, RateLimit(per_day=QUOTA))


def test_it_keeps_the_reserve_for_operations_after_a_sync_and_a_usage_collection(egnyte, sandbox):
    spend(egnyte, QUOTA - 100)
    since = sandbox.journal.last_seq

    sync = connection_sync(egnyte, triggered_by="test")
    usage = connection_collect_usage(egnyte, triggered_by="test")

    journal = sandbox.journal.entries("egnyte", since=since)
    assert sync.status == usage.status == SyncRunStatus.SUCCEEDED
    assert sync.calls + usage.calls == len(journal) > 0  # every call counted on its run
    assert left_today(egnyte) == 100 - len(journal) >= RESERVE

    # A second sync the same day would cost what the first did: it does not fit above the
    # reserve, so it is deferred without a call and says when it runs.
    spend(egnyte, left_today(egnyte) - RESERVE - sync.calls + 1)
    before = left_today(egnyte)
    deferred = connection_sync(egnyte, triggered_by="test")

    assert deferred.status == SyncRunStatus.DEFERRED and deferred.calls == 0
    assert len(sandbox.journal.entries("egnyte", since=since)) == len(journal)
    assert left_today(egnyte) == before >= RESERVE
    assert deferred.deferred_until.hour < 3 and deferred.deferred_until > deferred.created_at
    assert f"needs about {sync.calls} calls" in deferred.error
    assert f"{RESERVE} are kept for staff operations" in deferred.error


def test_a_sync_that_reaches_the_reserve_stops_there_and_marks_nothing_missing(egnyte):
    first = connection_sync(egnyte)  # the mirror holds 60 tenants
    # The estimate (the last sync's calls) says 3 and fits; the pull needs more.
    egnyte.sync_runs.filter(pk=first.pk).update(calls=3)
    spend(egnyte, left_today(egnyte) - RESERVE - 3)

    run = connection_sync(egnyte, triggered_by="test")

    assert run.status in (SyncRunStatus.PARTIAL, SyncRunStatus.DEFERRED)
    assert left_today(egnyte) == RESERVE
    assert "keep the daily quota's reserve" in run.error and run.deferred_until
    assert run.calls == 3 and run.missing_count == 0
    assert Tenant.objects.filter(connection=egnyte).count() == first.items_seen == 60
    assert not Tenant.objects.filter(connection=egnyte, missing_since__isnull=False).exists()


def test_a_usage_collection_that_does_not_fit_is_deferred_and_the_page_says_so(
    egnyte, sandbox, client: Client
):
    sync = connection_sync(egnyte)
    spend(egnyte, left_today(egnyte) - RESERVE - 2)  # the listings need eight pages
    since = sandbox.journal.last_seq

    run = connection_collect_usage(egnyte, triggered_by="test")

    assert run.status == SyncRunStatus.DEFERRED and run.scope == SyncScope.USAGE
    assert sandbox.journal.entries("egnyte", since=since) == []
    admin = factories.ProfileFactory(user=factories.SuperUserFactory(), role=Role.ADMIN).user
    client.force_login(admin)
    page = client.get(reverse("web:connection-detail", args=[egnyte.pk])).content.decode()
    assert f"{RESERVE + 2} of {QUOTA}" in page  # calls left today
    assert f"{RESERVE} kept for staff operations" in page
    assert "Deferred" in page and "usage collection needs about" in page
    assert f"{sync.calls} (last sync)" in page
