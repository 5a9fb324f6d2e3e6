"""Conditional detail reads and Trend Micro's modified window (issue 18), over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.customers.models import Subscription, Tenant
from portal.sync.models import DetailRead, SyncRunStatus
from portal.sync.services import connection_sync
from vendors.types import TenantStatus

#: Vendors whose tenants' seats are only in a per-tenant (or per-subscription) detail read.
DETAIL_VENDORS = ["bitdefender", "lookout", "trendmicro"]


def detail_calls(sandbox, vendor: str, since: int) -> int:
    """Requests of one sync that read a tenant's details (not list pages, catalog or token)."""
    entries = sandbox.journal.entries(vendor, since=since)
    if vendor == "bitdefender":  # less the catalog's getLicenseInfo of the partner itself
        return sum(1 for e in entries if e.path.endswith("/licensing")) - 1
    if vendor == "lookout":
        return sum(1 for e in entries if e.path.endswith("/subscription"))
    if vendor == "trendmicro":
        return sum(1 for e in entries if "/subscriptions/" in e.path)
    return sum(1 for e in entries if e.path.endswith("/subscriptions"))  # redstor


def synced(sandbox, connect, vendor: str, tenants: int = 12):
    """A fresh sandbox of ``tenants`` at ``vendor``, connected and synced once (the memo filled)."""
    sandbox.reset([vendor], seed_tenants=tenants)
    connection = connect(vendor)
    connection_sync(connection)
    return connection


def active_tenant(connection) -> Tenant:
    return Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE).last()


def seats_of(tenant: Tenant) -> int | None:
    sub = Subscription.objects.filter(tenant=tenant, seats__isnull=False).order_by("pk").first()
    return sub.seats if sub else None


@pytest.mark.parametrize("vendor", [*DETAIL_VENDORS, "redstor"])
def test_an_unchanged_resync_reads_no_details_but_the_due_share(sandbox, connect, settings, vendor):
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.1
    sandbox.reset([vendor], seed_tenants=20)
    connection = connect(vendor)
    first = connection_sync(connection)
    assert first.status == SyncRunStatus.SUCCEEDED
    remembered = DetailRead.objects.filter(connection=connection).count()
    assert first.detail_reads == remembered > 0
    mark = sandbox.journal.last_seq

    again = connection_sync(connection)

    assert again.status == SyncRunStatus.SUCCEEDED and again.rows_written == 0
    share = -(-remembered // 10)  # ceil(10 %)
    assert again.detail_reads == again.refresh_reads == share
    assert detail_calls(sandbox, vendor, mark) == share


def test_a_change_only_the_details_show_is_caught_within_the_refresh_interval(
    sandbox, connect, settings
):
    vendor = "bitdefender"  # its company rows do not carry the licence's seats
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.25  # a full pass every 4 syncs
    connection = synced(sandbox, connect, vendor)
    # The last detail in refresh order (oldest first, then by key) is refreshed last.
    last_key = (
        DetailRead.objects.filter(connection=connection)
        .order_by("-read_at", "-key")
        .values_list("tenant_external_id", flat=True)
        .first()
    )
    tenant = Tenant.objects.get(connection=connection, external_id=last_key)
    before = seats_of(tenant)
    assert before is not None and tenant.status == TenantStatus.ACTIVE
    sandbox.sandboxes[vendor].set_seats(tenant.external_id, before + 5)

    caught_after = None
    for n in range(1, 5):
        connection_sync(connection)
        if seats_of(tenant) == before + 5:
            caught_after = n
            break
    # The list row does not show the seats, so it takes the spread refresh to see them, and
    # the refresh reaches every tenant within 1 / share syncs.
    assert caught_after is not None and 1 < caught_after <= 4


def test_every_detail_older_than_the_refresh_interval_is_read_again(sandbox, connect, settings):
    vendor = "bitdefender"
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.01
    connection = synced(sandbox, connect, vendor)
    tenant = active_tenant(connection)
    before = seats_of(tenant)
    sandbox.sandboxes[vendor].set_seats(tenant.external_id, before + 3)
    connection_sync(connection)
    assert seats_of(tenant) == before  # not due yet, and the list row is unchanged
    # A day passes: every detail is now older than SYNC_DETAIL_REFRESH_HOURS.
    DetailRead.objects.filter(connection=connection).update(
        read_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=settings.SYNC_DETAIL_REFRESH_HOURS)
    )

    run = connection_sync(connection)

    assert run.detail_reads == DetailRead.objects.filter(connection=connection).count()
    assert seats_of(tenant) == before + 3


def test_a_tenant_the_mirror_changed_since_is_read_again(sandbox, connect, settings):
    """An operation's result rewrites the mirror tenant: its remembered detail is not trusted."""
    vendor = "bitdefender"
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.01
    connection = synced(sandbox, connect, vendor)
    tenant = active_tenant(connection)
    Tenant.objects.filter(pk=tenant.pk).update(fingerprint="written by an operation")
    mark = sandbox.journal.last_seq

    run = connection_sync(connection)

    assert run.detail_reads == 2  # the rewritten tenant and the due share of one
    assert detail_calls(sandbox, vendor, mark) == 2


def test_a_tenant_the_vendor_removed_costs_no_detail_read(sandbox, connect, settings):
    vendor = "lookout"
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.01
    connection = synced(sandbox, connect, vendor)
    known = set(DetailRead.objects.filter(connection=connection).values_list("key", flat=True))
    state = sandbox.sandboxes[vendor]
    gone = sorted(known)[-1]
    state.remove_tenant(gone)

    run = connection_sync(connection)

    assert run.missing_count == 1
    assert run.detail_reads == 1  # the due share; the removed tenant is simply not listed


def test_trend_micro_reads_details_of_modified_subscriptions_only(sandbox, connect, settings):
    vendor = "trendmicro"
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.01
    connection = synced(sandbox, connect, vendor)
    tenant = active_tenant(connection)
    before = seats_of(tenant)
    sandbox.sandboxes[vendor].set_seats(tenant.external_id, before + 2)
    mark = sandbox.journal.last_seq

    run = connection_sync(connection)

    windows = [
        e.query for e in sandbox.journal.entries(vendor, since=mark) if "modified_start" in e.query
    ]
    assert windows, "the resync asked for the modified window"
    assert seats_of(tenant) == before + 2  # seen at once, not at the refresh
    modified = Subscription.objects.filter(tenant=tenant).count()
    assert run.detail_reads <= modified + 1  # the modified ones and the due share


def test_overlapping_windows_never_skip_a_change_made_while_the_sync_ran(
    sandbox, connect, settings
):
    vendor = "trendmicro"
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.01
    connection = synced(sandbox, connect, vendor, 30)
    state = sandbox.sandboxes[vendor]
    changed: dict[str, int] = {}

    def change_a_tenant_already_read(run) -> None:
        # After the first page is in the mirror, its details were read: this sync cannot see
        # the change, and its modified window was asked for before it.
        if changed:
            return
        tenant = Tenant.objects.filter(
            connection=connection, status=TenantStatus.ACTIVE, last_seen_at__isnull=False
        ).first()
        seats = seats_of(tenant)
        state.set_seats(tenant.external_id, seats + 4)
        changed[tenant.external_id] = seats + 4

    # Slow answers: the sync goes on for seconds after the change (windows are in seconds).
    sandbox.set_faults(vendor, latency_ms=80)
    during = connection_sync(connection, progress=change_a_tenant_already_read)
    sandbox.set_faults(vendor)
    assert during.status == SyncRunStatus.SUCCEEDED and changed
    ((external_id, seats),) = changed.items()
    tenant = Tenant.objects.get(connection=connection, external_id=external_id)
    assert seats_of(tenant) != seats  # the sync that ran during the change missed it

    after = connection_sync(connection)

    assert seats_of(tenant) == seats
    assert after.detail_reads > after.refresh_reads  # read because the window listed it


def test_a_change_made_after_the_sync_read_its_window_is_in_the_next_window_without_overlap(
    sandbox, connect, settings
):
    """The worst moment: the sync has already asked for its modified window and read the
    tenant's details; with no overlap for clock skew, only the next window's start (this sync's
    start, not its end) brings the change in, and it does so through the window alone."""
    vendor = "trendmicro"
    settings.SYNC_WINDOW_OVERLAP_SECONDS = 0
    settings.SYNC_DETAIL_REFRESH_SHARE = 0.0001  # one refresh read a sync, none of them this one
    connection = synced(sandbox, connect, vendor, 30)
    sandbox_ = sandbox.sandboxes[vendor]
    changed: dict[str, str] = {}

    def change_after_the_window_was_read(run) -> None:
        if changed:
            return
        tenant = Tenant.objects.filter(
            connection=connection, status=TenantStatus.ACTIVE, last_seen_at__isnull=False
        ).first()
        main = sandbox_.state.main_subscription(tenant.external_id)
        sandbox_.set_seats(tenant.external_id, main.units + 3)
        changed[tenant.external_id] = main.subscription_id

    sandbox.set_faults(vendor, latency_ms=60)  # the sync runs on for seconds after the change
    mark = sandbox.journal.last_seq
    during = connection_sync(connection, progress=change_after_the_window_was_read)
    sandbox.set_faults(vendor)
    during_calls = sandbox.journal.entries(vendor, since=mark)
    ((external_id, subscription_id),) = changed.items()
    window_read = next(i for i, e in enumerate(during_calls) if "modified_start" in e.query)
    assert during.status == SyncRunStatus.SUCCEEDED
    assert window_read == 0 or "modified_start" in during_calls[window_read].query
    mark = sandbox.journal.last_seq

    after = connection_sync(connection)

    after_calls = sandbox.journal.entries(vendor, since=mark)
    window = next(e for e in after_calls if "modified_start" in e.query)
    start = dt.datetime.strptime(
        window.query.split("modified_start=")[1].split("&")[0].replace("%3A", ":"),
        "%Y-%m-%dT%H:%M:%SZ",
    ).replace(tzinfo=dt.UTC)
    assert start <= during.started_at < during.finished_at  # windows overlap by a whole sync
    assert any(subscription_id in e.path for e in after_calls)  # the changed one was read
    sub = Subscription.objects.get(tenant__external_id=external_id, external_id=subscription_id)
    assert sub.seats == sandbox_.state.subscriptions[subscription_id].units
    assert after.detail_reads - after.refresh_reads >= 1  # read because the window listed it
