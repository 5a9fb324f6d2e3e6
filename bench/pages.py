"""Benchmark: server-side render time of every list and detail page on a large database.

    .venv/bin/python bench/pages.py [--customers 50000] [--tenants 150000] [--repeat 30]
                                    [--database-url postgres://...] [--reuse]

``--reuse`` keeps a database the bench filled before (SQLite: under ``var/bench-pages/``) when it
already holds the same numbers of customers and tenants, so repeated measurements skip the seed.

Fills a fresh database (SQLite in a temporary folder unless --database-url) with resellers and
customers (a three-level hierarchy), tenants over five connections, one subscription per tenant,
operations, sync runs, discrepancies, usage and call stats, all with bulk inserts. Then, signed in
as a distributor admin through Django's test client, renders each page ``--repeat`` times
(after one warm-up) and reports p50/p95 and the SQL queries of one render.

Each page is compared with the Django admin page of the same model, showing the same rows per
page (every ModelAdmin's ``list_per_page`` set to the portal's page size for the run): a list
with the admin changelist (the same filter where the admin has one), a detail page with the
object's admin change form (the customer page with the customer's). The admin pages are
requested by a superuser's client, interleaved with the page (admin render, then page render,
``--repeat`` times), so both are measured under the same machine load. The budget: every
page's p95 at most its admin page's p95 (``admin_ratio`` <= 1.0).

For information, the sign-in page too, requested by the portal user's client (the same session
and middleware work as every page) before every page render.

The last line printed is one JSON object: ``{"customers", "tenants", "baseline_p95_ms",
"pages": {name: {"p50_ms", "p95_ms", "queries", "admin_url", "admin_p50_ms", "admin_p95_ms",
"admin_ratio"}}, "worst_ratio", "worst_admin_ratio"}`` (``worst_ratio``: against sign-in).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import ROOT, setup

BATCH = 5000


def populate(customers: int, tenants: int) -> dict:
    """Bulk-insert the estate; ids and materialized paths are computed here, not by save()."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from portal.accounts.models import Profile, Role
    from portal.catalog.models import Product, VendorConnection
    from portal.customers.models import (
        Customer,
        CustomerKind,
        Subscription,
        Tenant,
        normalized_name,
    )
    from portal.operations.models import Operation
    from portal.sync.models import Discrepancy, SyncRun, VendorCallStat
    from portal.usage.models import UsageRecord
    from vendors.registry import all_adapter_classes

    rng = random.Random(7)
    now = timezone.now()
    connections = [
        VendorConnection.objects.create(
            vendor=vendor,
            name=f"{vendor} bench",
            base_url=f"https://{vendor}.bench.example",
            credentials={"key": "x"},
            sync_status="ok",
            last_success_at=now,
        )
        for vendor in all_adapter_classes()
    ]
    products = [
        Product.objects.create(connection=c, external_id="p1", code=f"{c.vendor}-base", name="Base")
        for c in connections
    ]
    resellers = max(customers // 100, 1)
    rows, next_id = [], 1
    for r in range(resellers):
        name = f"Reseller {r:05d} MSP"
        rows.append(Customer(id=next_id, name=name, kind=CustomerKind.RESELLER, path=f"/{next_id}/",
                             reference=f"CP-R{r:08d}", name_key=normalized_name(name)))  # fmt: skip
        next_id += 1
    for n in range(customers - resellers):
        parent = rows[n % resellers]
        name = f"Customer {n:06d} Ltd"
        rows.append(Customer(id=next_id, name=name, parent_id=parent.id,
                             path=f"{parent.path}{next_id}/", reference=f"CP-C{n:08d}",
                             contact_email=f"it{n}@c.example", name_key=normalized_name(name)))  # fmt: skip
        next_id += 1
    Customer.objects.bulk_create(rows, batch_size=BATCH)
    end_customers = [c.id for c in rows[resellers:]] or [rows[0].id]
    tenant_rows = []
    for n in range(tenants):
        # Every tenth tenant is unmatched (no customer), as after a first sync.
        tenant_rows.append(Tenant(
            id=n + 1, connection=connections[n % len(connections)],
            customer_id=None if n % 10 == 9 else end_customers[n % len(end_customers)],
            external_id=f"t-{n}", name=f"Tenant {n:06d}", status="active",
            first_seen_at=now, last_seen_at=now,
        ))  # fmt: skip
    Tenant.objects.bulk_create(tenant_rows, batch_size=BATCH)
    Subscription.objects.bulk_create(
        (Subscription(id=t.id, tenant_id=t.id, external_id=f"s-{t.id}",
                      product=products[t.id % len(products)], product_code="base",
                      product_name="Base", status="active", seats=20, seats_used=rng.randint(0, 20))
         for t in tenant_rows),
        batch_size=BATCH,
    )  # fmt: skip
    matched = [t for t in tenant_rows if t.customer_id]
    Operation.objects.bulk_create(
        (Operation(kind="change_seats", state=rng.choice(["succeeded", "failed", "pending"]),
                   connection_id=t.connection_id, customer_id=t.customer_id, tenant_id=t.id,
                   params={"seats": 12}, idempotency_key=f"bench-{t.id}", last_error="")
         for t in matched[: len(matched) // 5]),
        batch_size=BATCH,
    )  # fmt: skip
    SyncRun.objects.bulk_create(
        SyncRun(connection=connections[n % len(connections)], status="succeeded",
                items_seen=100, started_at=now, finished_at=now)
        for n in range(2000)
    )  # fmt: skip
    Discrepancy.objects.bulk_create(
        (Discrepancy(tenant_id=t.id, subscription_id=t.id, field="seats", ours=12, vendor_value=10)
         for t in matched[::50]),
        batch_size=BATCH,
    )  # fmt: skip
    period = now.date().replace(day=1)
    UsageRecord.objects.bulk_create(
        (UsageRecord(tenant_id=t.id, period=(period - dt.timedelta(days=31 * m)).replace(day=1),
                     metric="seats_used", quantity=10 + m, unit="seats")
         for t in matched[:20000] for m in range(3)),
        batch_size=BATCH,
    )  # fmt: skip
    VendorCallStat.objects.bulk_create(
        VendorCallStat(connection=c, hour=(now - dt.timedelta(hours=h)).replace(minute=0, second=0,
                       microsecond=0), calls=100, errors=1, total_latency_ms=9000, max_latency_ms=400)
        for c in connections for h in range(48)
    )  # fmt: skip
    populate_audit()
    refresh_totals()
    user = get_user_model().objects.create_user("bench-admin", password="x")
    Profile.objects.create(user=user, role=Role.ADMIN)
    busy = Customer.objects.get(pk=end_customers[0])
    return {
        "user": user,
        "superuser": superuser(),
        "customer": busy,
        "reseller": rows[0],
        "operation": Operation.objects.order_by("-pk").first(),
        "run": SyncRun.objects.order_by("-pk").first(),
        "connection": connections[0],
        "unmatched": Tenant.objects.filter(customer__isnull=True).order_by("pk").first(),
        "period": newest_period(),
    }


AUDIT_EVENTS = 100_000


def populate_audit() -> None:
    """The audit trail such an estate accumulates: an event per operation request and state
    change, customer edit and sync, with the small redacted details the services write."""
    from django.utils import timezone

    from portal.audit.models import AuditEvent
    from portal.customers.models import Customer

    rng = random.Random(11)
    now = timezone.now()
    customers = list(Customer.objects.values_list("pk", "name")[:20_000])
    actions = ["operation.requested", "operation.running", "operation.succeeded",
               "customer.updated", "sync.finished", "operation.failed"]  # fmt: skip
    AuditEvent.objects.bulk_create(
        (AuditEvent(at=now - dt.timedelta(minutes=n), actor_label=rng.choice(["ada", "worker"]),
                    source=rng.choice(["page", "worker", "api"]), action=rng.choice(actions),
                    object_type="operations.operation", object_id=str(n), object_repr=f"#{n}",
                    customer_id=customers[n % len(customers)][0],
                    detail={"from": "pending", "to": "running", "attempt": 1})
         for n in range(AUDIT_EVENTS)),
        batch_size=BATCH,
    )  # fmt: skip


def refresh_totals() -> None:
    """What the end of each connection's sync does (tenant and seat totals for the dashboard),
    and what autovacuum gives a live PostgreSQL after a bulk load but a just-filled one (this
    machine's server runs with autovacuum off) lacks: planner statistics and the visibility map
    that lets COUNT(*) and ordered pages read an index alone."""
    from django.db import connection

    from portal.catalog.models import VendorConnection
    from portal.customers.totals import connection_totals_refresh

    for pk in VendorConnection.objects.values_list("pk", flat=True):
        connection_totals_refresh(connection_id=pk)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def reused(customers: int, tenants: int) -> dict | None:
    """The estate of an earlier run of this bench, or None when the database holds another."""
    from django.contrib.auth import get_user_model

    from portal.catalog.models import VendorConnection
    from portal.customers.models import Customer, CustomerKind, Tenant
    from portal.operations.models import Operation
    from portal.sync.models import SyncRun

    user = get_user_model().objects.filter(username="bench-admin").first()
    if user is None or Customer.objects.count() != customers or Tenant.objects.count() != tenants:
        return None
    resellers = Customer.objects.filter(kind=CustomerKind.RESELLER)
    from portal.audit.models import AuditEvent

    if not AuditEvent.objects.exists():  # filled by an earlier version of this bench
        populate_audit()
    refresh_totals()
    return {
        "user": user,
        "superuser": superuser(),
        "customer": Customer.objects.get(pk=resellers.count() + 1),
        "reseller": resellers.order_by("pk").first(),
        "operation": Operation.objects.order_by("-pk").first(),
        "run": SyncRun.objects.order_by("-pk").first(),
        "connection": VendorConnection.objects.order_by("pk").first(),
        "unmatched": Tenant.objects.filter(customer__isnull=True).order_by("pk").first(),
        "period": newest_period(),
    }


def newest_period():
    """The usage review's month: the newest one with figures."""
    from portal.usage.models import UsageRecord

    return UsageRecord.objects.order_by("-period").values_list("period", flat=True).first()


def superuser():
    """The admin baseline's user (the portal user has a role, not the admin's staff flag)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    found = User.objects.filter(username="bench-superuser").first()
    return found or User.objects.create_superuser("bench-superuser", password="x")


def prepare(args) -> tuple[str, dict]:
    """Migrate and fill the database, or keep the one an earlier ``--reuse`` run filled."""
    url = args.database_url
    if args.reuse and not url:
        folder = ROOT / "var" / "bench-pages"
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
    # Production-like: DEBUG off from the start (the template engine reads it once, when built).
    os.environ.setdefault("DEBUG", "false")
    if args.reuse:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        data = reused(args.customers, args.tenants)
        if data is not None:
            print("reusing the database of an earlier run", file=sys.stderr)
            return url, data
        call_command("flush", interactive=False, verbosity=0)
        database = url
    else:
        database = setup(url)
    started = time.perf_counter()
    data = populate(args.customers, args.tenants)
    print(f"populated {args.customers} customers, {args.tenants} tenants in "
          f"{time.perf_counter() - started:.0f}s ({database.split(':')[0]})", file=sys.stderr)  # fmt: skip
    return database, data


def page_urls(data: dict) -> dict[str, str]:
    return {
        "dashboard": "/",
        "customers": "/customers/",
        "customers_search": "/customers/?q=Customer+0421",
        "customers_hierarchy": "/customers/?ordering=hierarchy&page=40",
        "customers_by_vendor": "/customers/?vendor=redstor",
        "customers_by_reseller": f"/customers/?reseller={data['reseller'].pk}",
        "customer_detail": f"/customers/{data['customer'].pk}/",
        "reseller_detail": f"/customers/{data['reseller'].pk}/",
        "provision": f"/provision/?customer={data['customer'].pk}&connection={data['connection'].pk}",
        "operations": "/operations/",
        "operations_failed": "/operations/?state=failed",
        "operation_detail": f"/operations/{data['operation'].pk}/",
        "connections": "/connections/",
        "connection_detail": f"/connections/{data['connection'].pk}/",
        "sync_runs": "/sync/",
        "sync_detail": f"/sync/{data['run'].pk}/",
        "unmatched": "/unmatched/",
        "unmatched_adopt": f"/unmatched/{data['unmatched'].pk}/",
        "discrepancies": "/discrepancies/",
        "audit": "/audit/",
        "usage_review": f"/usage/?period={data['period']:%Y-%m}",
    }


def admin_urls(data: dict) -> dict[str, str]:
    """Each page's Django admin counterpart: the changelist of the same model (with the same
    filter where the admin has it) or the change form of the same object."""
    customers = "/admin/customers/customer/"
    return {
        "dashboard": "/admin/catalog/vendorconnection/",  # its main table: connection health
        "customers": customers,
        "customers_search": f"{customers}?q=Customer+0421",
        "customers_hierarchy": f"{customers}?o=1&p=40",
        "customers_by_vendor": f"{customers}?tenants__connection__vendor__exact=redstor",
        "customers_by_reseller": f"{customers}?parent__id__exact={data['reseller'].pk}",
        "customer_detail": f"{customers}{data['customer'].pk}/change/",
        "reseller_detail": f"{customers}{data['reseller'].pk}/change/",
        "provision": "/admin/operations/operation/add/",  # what provisioning creates
        "operations": "/admin/operations/operation/",
        "operations_failed": "/admin/operations/operation/?state__exact=failed",
        "operation_detail": f"/admin/operations/operation/{data['operation'].pk}/change/",
        "connections": "/admin/catalog/vendorconnection/",
        "connection_detail": f"/admin/catalog/vendorconnection/{data['connection'].pk}/change/",
        "sync_runs": "/admin/sync/syncrun/",
        "sync_detail": f"/admin/sync/syncrun/{data['run'].pk}/change/",
        "unmatched": "/admin/customers/tenant/?customer__isempty=1",
        "unmatched_adopt": f"/admin/customers/tenant/{data['unmatched'].pk}/change/",
        "discrepancies": "/admin/sync/discrepancy/?status__exact=open",
        "audit": "/admin/audit/auditevent/",
        "usage_review": "/admin/usage/usagerecord/",
    }


def same_rows_per_page() -> None:
    """Every admin changelist shows the portal's page size (the admin's default is 100)."""
    from django.contrib import admin

    from portal.core.pagination import PAGE_SIZE

    for model_admin in admin.site._registry.values():
        model_admin.list_per_page = PAGE_SIZE


def first_render(client, url: str) -> int:
    """One warm-up render; the SQL queries it took."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a full bounded log (after migrate) would count nothing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)  # now: the next request's reset_queries() empties the log


def measure(
    client, url: str, repeat: int, baseline: tuple | None = None, admin: tuple | None = None
) -> dict:
    """p50/p95 of ``repeat`` renders after one warm-up, and the SQL queries of one render.

    With ``admin`` (a superuser's client and the admin URL), the admin page is rendered before
    every page render, and its p50/p95 reported beside the page's. With ``baseline`` (a client
    and the list of sign-in page timings), a sign-in render precedes each pair and its time is
    appended to that list, measured across the whole run.
    """
    query_count = first_render(client, url)
    if admin is not None:
        admin_client, admin_url = admin
        first_render(admin_client, admin_url)
    times, admin_times = [], []
    for _ in range(repeat):
        if baseline is not None:
            baseline_client, baseline_times = baseline
            baseline_times.append(timed_get(baseline_client, BASELINE_URL))
        if admin is not None:
            admin_times.append(timed_get(admin_client, admin_url))
        times.append(timed_get(client, url))
    result = {**percentiles(times), "queries": query_count}
    if admin is not None:
        theirs = percentiles(admin_times)
        result.update(
            admin_url=admin_url,
            admin_p50_ms=theirs["p50_ms"],
            admin_p95_ms=theirs["p95_ms"],
            admin_ratio=round(result["p95_ms"] / theirs["p95_ms"], 2),
        )
    return result


BASELINE_URL = "/accounts/login/"


def timed_get(client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def percentiles(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--tenants", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's database")
    parser.add_argument("--only", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args()
    database, data = prepare(args)
    from django.conf import settings
    from django.template import engines
    from django.test import Client

    # Rendered as production renders: no setup_test_environment(), whose instrumented
    # Template._render sends a signal per template and include. The client's host is allowed.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    loaders = engines["django"].engine.template_loaders
    assert type(loaders[0]).__name__ == "Loader" and "cached" in type(loaders[0]).__module__, (
        loaders
    )
    client = Client()
    client.force_login(data["user"])
    admin_client = Client()
    admin_client.force_login(data["superuser"])
    same_rows_per_page()
    for _ in range(3):
        timed_get(client, BASELINE_URL)
    baseline_times: list[float] = []  # filled by measure(), interleaved with the pages
    pages = {}
    only = {n for n in args.only.split(",") if n}
    admin_pages = admin_urls(data)
    for name, url in page_urls(data).items():
        if only and name not in only:
            continue
        pages[name] = p = measure(
            client, url, args.repeat, (client, baseline_times), (admin_client, admin_pages[name])
        )
        print(f"{name:24} p50 {p['p50_ms']:8.1f} ms  p95 {p['p95_ms']:8.1f} ms  {p['queries']:3} queries"
              f"  admin p95 {p['admin_p95_ms']:8.1f} ms  x{p['admin_ratio']:.2f}", file=sys.stderr)  # fmt: skip
    baseline = percentiles(baseline_times)
    print(f"{'sign-in (baseline)':24} p50 {baseline['p50_ms']:8.1f} ms  p95 {baseline['p95_ms']:8.1f} ms",
          file=sys.stderr)  # fmt: skip
    worst = max(p["p95_ms"] for p in pages.values()) / baseline["p95_ms"]
    worst_admin = max(p["admin_ratio"] for p in pages.values())
    print(f"worst page / sign-in x{worst:.2f}; worst page / its admin page x{worst_admin:.2f}"
          f" (budget x1.00)", file=sys.stderr)  # fmt: skip
    print(json.dumps({
        "customers": args.customers,
        "tenants": args.tenants,
        "database": database.split(":")[0],
        "baseline_p95_ms": baseline["p95_ms"],
        "pages": pages,
        "worst_ratio": round(worst, 2),
        "worst_admin_ratio": worst_admin,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
