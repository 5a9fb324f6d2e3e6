"""The sync engine against every vendor sandbox, over real HTTP."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from portal.catalog.models import Product, SyncStatus
from portal.customers.models import Subscription, Tenant
from portal.sync.adapters import connection_adapter
from portal.sync.models import Discrepancy, SyncRunStatus
from portal.sync.services import SyncAlreadyRunning, connection_sync, sync_claim
from vendors.registry import ADAPTERS
from vendors.types import TenantStatus

VENDORS = list(ADAPTERS)
WRITES = ("INSERT", "UPDATE", "DELETE")


def assert_mirror_equals_vendor(connection) -> None:
    """Every tenant, subscription and product the adapter reads equals its mirror row."""
    adapter = connection_adapter(connection)
    vendor_tenants = {t.external_id: t for t in adapter.iter_tenants()}
    rows = {
        t.external_id: t for t in Tenant.objects.filter(connection=connection, missing_since=None)
    }
    assert set(rows) == set(vendor_tenants)
    for ext_id, vt in vendor_tenants.items():
        row = rows[ext_id]
        assert (row.name, row.status, row.vendor_reference) == (
            vt.name,
            vt.status.value,
            vt.reference,
        )
        subs = {
            s.external_id: s for s in Subscription.objects.filter(tenant=row, missing_since=None)
        }
        assert set(subs) == {s.external_id for s in vt.subscriptions}
        for vs in vt.subscriptions:
            sub = subs[vs.external_id]
            assert (sub.product_code, sub.status, sub.seats, sub.seats_used, sub.is_trial) == (
                vs.product_code,
                vs.status.value,
                vs.seats,
                vs.seats_used,
                vs.is_trial,
            )
            assert sorted(sub.addons) == sorted(vs.addons)
    products = {p.external_id: p for p in Product.objects.filter(connection=connection)}
    assert {p.external_id: (p.code, p.name) for p in adapter.list_products()} == {
        k: (p.code, p.name) for k, p in products.items()
    }


@pytest.mark.parametrize("vendor", VENDORS)
def test_it_mirrors_every_tenant_and_a_second_sync_writes_nothing(
    sandbox, connect, small_pages, vendor
):
    sandbox.reset([vendor], seed_tenants=35)
    small_pages(vendor)
    connection = connect(vendor)

    run = connection_sync(connection)

    assert run.status == SyncRunStatus.SUCCEEDED, run.error
    assert run.pages_done > 1
    assert run.created_count == len(sandbox.sandboxes[vendor].snapshot()["tenants"])
    assert_mirror_equals_vendor(connection)
    with CaptureQueriesContext(db_connection) as queries:
        again = connection_sync(connection)
    mirror_writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(WRITES)
        and any(
            t in q["sql"]
            for t in ('"customers_tenant"', '"customers_subscription"', '"catalog_product"')
        )
    ]
    assert again.status == SyncRunStatus.SUCCEEDED
    assert (again.created_count, again.updated_count) == (0, 0)
    assert mirror_writes == []
    connection.refresh_from_db()
    assert connection.sync_status == SyncStatus.OK and connection.last_success_at


@pytest.mark.parametrize("vendor", VENDORS)
def test_it_ends_equal_to_the_vendor_despite_errors_throttling_and_latency(
    sandbox, connect, vendor
):
    connection = connect(vendor)
    sandbox.set_faults(vendor, error_rate=0.2, throttle_rate=0.1, latency_ms=20, seed=3)

    run = connection_sync(connection)

    sandbox.set_faults(vendor)
    assert run.status == SyncRunStatus.SUCCEEDED, run.error
    outcomes = {e.outcome for e in sandbox.journal.entries(vendor)}
    assert {"fault:error", "fault:throttle"} & outcomes
    assert_mirror_equals_vendor(connection)


def test_a_page_that_keeps_failing_makes_the_run_partial_and_marks_nothing_missing(
    sandbox, connect, small_pages, settings
):
    # A full detail pass on every sync, so the second sync makes as many requests as the first
    # and the fault lands halfway through it (conditional reads: tests/portal/sync/test_detail_reads).
    settings.SYNC_DETAIL_REFRESH_SHARE = 1
    vendor = "redstor"
    sandbox.reset([vendor], seed_tenants=35)
    small_pages(vendor)
    connection = connect(vendor)
    assert connection_sync(connection).status == SyncRunStatus.SUCCEEDED
    requests_per_sync = len(sandbox.journal.entries(vendor))
    gone = Tenant.objects.filter(connection=connection).order_by("name").first()
    sandbox.sandboxes[vendor].remove_tenant(gone.external_id)
    sandbox.set_faults(vendor, error_rate=1.0, skip_first=requests_per_sync // 2)

    run = connection_sync(connection)

    assert run.status == SyncRunStatus.PARTIAL
    assert run.pages_done >= 1 and "Stopped after" in run.error and run.errors
    assert not Tenant.objects.filter(connection=connection, missing_since__isnull=False).exists()
    connection.refresh_from_db()
    assert connection.sync_status == SyncStatus.PARTIAL and connection.last_error


@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_side_changes_show_up_after_the_next_sync(sandbox, connect, settings, vendor):
    # Seats only a detail shows (Bitdefender's licence) are seen at the due refresh: here every
    # sync is a full detail pass (the spread refresh is tested in test_detail_reads).
    settings.SYNC_DETAIL_REFRESH_SHARE = 1
    connection = connect(vendor)
    connection_sync(connection)
    tenants = list(
        Tenant.objects.filter(connection=connection, status=TenantStatus.ACTIVE).order_by("pk")
    )
    removed, suspended, resized = tenants[0], tenants[1], tenants[2]
    # None where the vendor's documents carry no seat count (Redstor): no seat drift to see.
    sub = resized.subscriptions.filter(seats__isnull=False).order_by("pk").first()
    state = sandbox.sandboxes[vendor]
    if sub is not None:
        sub.intended = {"seats": sub.seats}
        sub.save(update_fields=["intended"])
        state.set_seats(resized.external_id, sub.seats + 7)
    state.remove_tenant(removed.external_id)
    state.set_tenant_status(suspended.external_id, "suspended")

    run = connection_sync(connection)

    assert run.status == SyncRunStatus.SUCCEEDED and run.missing_count == 1
    removed.refresh_from_db()
    assert removed.status == TenantStatus.MISSING and removed.missing_since
    assert Tenant.objects.get(pk=suspended.pk).status == TenantStatus.SUSPENDED
    if sub is None:
        assert not resized.subscriptions.filter(seats__isnull=False).exists()
        return
    drift = Discrepancy.objects.get(tenant=resized, field="seats", status="open")
    assert (drift.ours, drift.vendor_value) == (sub.seats, sub.seats + 7)

    state.set_seats(resized.external_id, sub.seats)
    connection_sync(connection)
    drift.refresh_from_db()
    assert (drift.status, drift.resolution) == ("resolved", "self_healed")


def test_a_second_sync_while_one_runs_is_refused(sandbox, connect):
    connection = connect("redstor")
    sync_claim(connection)
    with pytest.raises(SyncAlreadyRunning):
        connection_sync(connection)


def test_a_stale_claim_of_a_dead_worker_is_taken_over(sandbox, connect, settings):
    settings.SYNC_HEARTBEAT_SECONDS = 0
    connection = connect("redstor")
    sync_claim(connection)
    run = connection_sync(connection)
    assert run.status == SyncRunStatus.SUCCEEDED


def test_it_links_tenants_that_carry_our_customer_reference(sandbox, connect):
    import uuid

    from portal.customers.models import Customer
    from vendors.types import Contact, ProductKind, TenantSpec

    connection = connect("redstor")
    customer = Customer.objects.create(name="Linked Ltd")
    adapter = connection_adapter(connection)
    product = next(p for p in adapter.list_products() if p.kind is not ProductKind.ADDON)
    created = adapter.create_tenant(
        TenantSpec(
            name="Linked Ltd",
            reference=customer.reference,
            product_code=product.code,
            seats=3,
            contact=Contact(email="it@linked.example"),
        ),
        idempotency_key=str(uuid.uuid4()),
    )

    connection_sync(connection)

    tenant = Tenant.objects.get(connection=connection, external_id=created.external_id)
    assert tenant.vendor_reference == customer.reference
    assert tenant.customer_id == customer.pk
    assert Tenant.objects.filter(connection=connection, customer__isnull=True).count() == 5


def test_a_usage_collection_waits_while_the_connection_is_busy(sandbox, connect):
    from portal.usage.tasks import collect_usage

    connection = connect("redstor")
    sync_claim(connection)

    result = collect_usage.apply(args=[connection.pk])

    # Eagerly, Celery runs the retries inline until max_retries, then reports the reason.
    assert result.state == "FAILURE" and isinstance(result.result, SyncAlreadyRunning)
    assert collect_usage.max_retries >= 10
    assert not connection.sync_runs.filter(scope="usage").exists()
