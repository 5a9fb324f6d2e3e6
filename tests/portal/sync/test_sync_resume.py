"""A sync resumes: a worker killed at page N leaves its page cursor, and the next sync lists on
from that page instead of from page 1; tenants are marked missing only after a complete pull,
and after a resumed one only from the pages its whole chain of runs listed."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from portal.catalog.models import VendorConnection
from portal.customers.models import Tenant
from portal.sync.models import SyncPage, SyncRun, SyncRunStatus
from portal.sync.services import connection_sync

#: The vendors whose listings resume from a cursor, and the listing request of each.
LISTINGS = {"redstor": "/customers/transitive", "lookout": "/tenants"}
TENANTS = 35  # four pages of ten


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing of the sync's own error handling runs."""


def _killed_at(page: int):
    def progress(run: SyncRun) -> None:
        if run.pages_done == page:
            raise WorkerKilled

    return progress


def _sync_killed_at(connection: VendorConnection, page: int) -> SyncRun:
    with pytest.raises(WorkerKilled):
        connection_sync(connection, progress=_killed_at(page))
    # The dead worker's claim goes stale (a few missed heartbeats).
    VendorConnection.objects.filter(pk=connection.pk).update(
        sync_claimed_at=timezone.now() - dt.timedelta(hours=1)
    )
    killed = SyncRun.objects.get(connection=connection, status=SyncRunStatus.RUNNING)
    assert killed.pages.count() == page
    return killed


def _listing_requests(sandbox, vendor: str, since: int) -> list[dict[str, list[str]]]:
    return [
        parse_qs(e.query)
        for e in sandbox.journal.entries(vendor, since=since)
        if e.method == "GET"
        and e.path.endswith(LISTINGS[vendor])
        and parse_qs(e.query).get("limit") != ["1"]  # Lookout's count probe, not a page
    ]


def _is_first_page(query: dict[str, list[str]]) -> bool:
    return "pageToken" not in query and query.get("offset", ["0"]) == ["0"]


def _missing(connection: VendorConnection) -> set[str]:
    return set(
        Tenant.objects.filter(connection=connection, missing_since__isnull=False).values_list(
            "external_id", flat=True
        )
    )


@pytest.fixture
def vendor_of(sandbox, connect, small_pages):
    def make(vendor: str) -> VendorConnection:
        sandbox.reset([vendor], seed_tenants=TENANTS)
        small_pages(vendor)
        return connect(vendor)

    return make


@pytest.mark.parametrize("vendor", LISTINGS)
def test_it_resumes_a_killed_sync_from_its_last_page_never_from_page_one(
    vendor, sandbox, vendor_of
):
    connection = vendor_of(vendor)
    killed = _sync_killed_at(connection, page=2)
    since = sandbox.journal.last_seq

    run = connection_sync(connection)

    assert run.status == SyncRunStatus.SUCCEEDED and run.resumed_from_id == killed.pk
    listed = _listing_requests(sandbox, vendor, since)
    assert listed and not any(_is_first_page(q) for q in listed)
    assert run.pages_done == 3  # page 2 again (the overlap), then pages 3 and 4
    assert Tenant.objects.filter(connection=connection).count() == TENANTS
    assert _missing(connection) == set()
    assert not SyncPage.objects.filter(run__connection=connection).exists()  # nothing to resume


@pytest.mark.parametrize("vendor", LISTINGS)
def test_a_completed_resumed_pull_marks_missing_only_what_no_page_of_its_runs_listed(
    vendor, sandbox, vendor_of
):
    connection = vendor_of(vendor)
    assert connection_sync(connection).status == SyncRunStatus.SUCCEEDED
    gone = Tenant.objects.filter(connection=connection).order_by("external_id").first()
    sandbox.sandboxes[vendor].remove_tenant(gone.external_id)
    _sync_killed_at(connection, page=2)

    run = connection_sync(connection)

    assert run.status == SyncRunStatus.SUCCEEDED and run.resumed_from_id
    assert run.missing_count == 1 and _missing(connection) == {gone.external_id}


@pytest.mark.parametrize("vendor", LISTINGS)
def test_a_resumed_but_incomplete_pull_marks_nothing_missing(vendor, sandbox, vendor_of):
    connection = vendor_of(vendor)
    assert connection_sync(connection).status == SyncRunStatus.SUCCEEDED
    gone = Tenant.objects.filter(connection=connection).order_by("external_id").first()
    sandbox.sandboxes[vendor].remove_tenant(gone.external_id)
    first = _sync_killed_at(connection, page=2)

    sandbox.set_faults(vendor, error_rate=1.0, skip_first=2)  # the resumed pull breaks off
    stopped = connection_sync(connection)
    assert stopped.status in (SyncRunStatus.PARTIAL, SyncRunStatus.FAILED)
    assert stopped.resumed_from_id == first.pk
    assert _missing(connection) == set()

    # The next sync resumes the chain again (from the stopped run's last page, or from the
    # killed one's when the stopped one applied none) and, complete, marks the one tenant gone.
    sandbox.set_faults(vendor)
    run = connection_sync(connection)
    assert run.status == SyncRunStatus.SUCCEEDED
    assert _missing(connection) == {gone.external_id}


def test_a_sync_stopped_longer_ago_than_the_cutoff_lists_from_page_one(
    sandbox, vendor_of, settings
):
    settings.SYNC_RESUME_MAX_AGE_SECONDS = 60
    connection = vendor_of("lookout")
    killed = _sync_killed_at(connection, page=2)
    SyncRun.objects.filter(pk=killed.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=5)
    )
    since = sandbox.journal.last_seq

    run = connection_sync(connection)

    assert run.status == SyncRunStatus.SUCCEEDED and run.resumed_from_id is None
    assert _is_first_page(_listing_requests(sandbox, "lookout", since)[0])


def test_a_sync_held_back_past_its_bulk_wait_gives_the_slot_back_and_resumes(
    sandbox, vendor_of, settings
):
    from portal.sync.adapters import connection_adapter
    from tests.vendors.test_shared_throttling import REDIS_URL, redis_available
    from vendors.ratelimit import RedisRateLimiter

    if not redis_available():
        pytest.skip("needs Redis")
    settings.REDIS_URL = REDIS_URL
    settings.VENDOR_MAX_BULK_WAIT_SECONDS = 0.5
    connection = vendor_of("redstor")
    killed = _sync_killed_at(connection, page=2)
    # Another host was told to slow down on this credential for 3 s.
    RedisRateLimiter(REDIS_URL).set_cooldown(connection_adapter(connection).limit_key, 3)
    since = sandbox.journal.last_seq

    held = connection_sync(connection)

    assert held.status == SyncRunStatus.PARTIAL and "Held back" in held.error
    assert 2.0 <= held.rerun_in <= 3.0  # the task re-enqueues itself with this countdown
    assert sandbox.journal.entries("redstor", since=since) == []
    assert held.resumed_from_id == killed.pk and _missing(connection) == set()

    # Its re-enqueued task, after the cool-down: it resumes from the killed run's last page.
    time.sleep(3.1)
    run = connection_sync(connection)
    assert run.status == SyncRunStatus.SUCCEEDED and run.resumed_from_id == killed.pk
    assert not any(_is_first_page(q) for q in _listing_requests(sandbox, "redstor", since))
    assert Tenant.objects.filter(connection=connection).count() == TENANTS
