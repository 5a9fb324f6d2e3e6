"""Benchmark of the usage review and its CSV export at month-end size; the last line is JSON.

    python bench/usage.py [--tenants 150000] [--database-url postgres://...] [--reuse]

Seeds ``--tenants`` tenants (over five vendor connections, under 300 resellers) with 3 usage
metrics each for last month and the month before, with bulk_create. Then:

* export: a separate process (so seeding memory does not count) downloads last month's CSV
  through the staff page's view with the Django test client, reading the streamed body line by
  line; it reports its own peak RSS, the time and the rows, and checks the rows (count and sum
  of quantities) against the database.
* review page: p95 of ``--requests`` GETs of /usage/ for last month (after one cold request,
  reported as ``review_page_cold_ms``) against the sign-in page as ``baseline_p95_ms``,
  interleaved, with DEBUG off (set DEBUG=true to measure the development settings).

On PostgreSQL the bench runs ANALYZE before measuring (autovacuum would after a bulk load).
``--reuse`` keeps a database this script seeded before (same ``--tenants`` and months) instead of
flushing and seeding it again (seeding 150,000 tenants takes minutes); ``seed_s`` is then 0.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

METRICS = (("seats_used", "seats"), ("workloads", "workloads"), ("protected_bytes", "bytes"))
VENDORS = ("lookout", "bitdefender", "egnyte", "trendmicro", "redstor")
BATCH = 5000


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def seed(tenants: int, period: dt.date, previous: dt.date) -> None:
    from django.db import transaction

    from portal.catalog.models import VendorConnection
    from portal.customers.models import Customer, CustomerKind, Subscription, Tenant
    from portal.usage.models import UsageRecord

    connections = [
        VendorConnection.objects.create(
            vendor=v, name=f"bench {v}", base_url=f"https://{v}.example", credentials={}
        )
        for v in VENDORS
    ]
    resellers = 300
    seen = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    with transaction.atomic():
        Customer.objects.bulk_create(
            [
                Customer(
                    pk=n + 1,
                    name=f"Reseller {n + 1:03d}",
                    kind=CustomerKind.RESELLER,
                    reference=f"CP-R{n + 1:07d}",
                    path=f"/{n + 1}/",
                )
                for n in range(resellers)
            ]
        )
        for start in range(0, tenants, BATCH):
            block = range(start, min(start + BATCH, tenants))
            customers = []
            for n in block:
                pk, parent = resellers + n + 1, n % resellers + 1
                customers.append(
                    Customer(
                        pk=pk,
                        name=f"Customer {n:06d} Ltd",
                        parent_id=parent,
                        reference=f"CP-C{n:07d}",
                        external_ref=f"PSA-{n:07d}",
                        path=f"/{parent}/{pk}/",
                    )
                )
            Customer.objects.bulk_create(customers)
            Tenant.objects.bulk_create(
                [
                    Tenant(
                        pk=n + 1,
                        connection=connections[n % len(connections)],
                        customer_id=resellers + n + 1,
                        external_id=f"t-{n}",
                        name=f"Customer {n:06d} Ltd",
                        status="active",
                        first_seen_at=seen,
                    )
                    for n in block
                ]
            )
            Subscription.objects.bulk_create(
                [
                    Subscription(
                        pk=n + 1,
                        tenant_id=n + 1,
                        external_id=f"s-{n}",
                        product_code="BASE",
                        product_name="Base plan",
                        status="active",
                        seats=20,
                    )
                    for n in block
                ]
            )
            rows = []
            for n in block:
                used = (n * 7) % 30  # some over 20 (over-use), some low (idle)
                for month, shift in ((period, 0), (previous, 3)):
                    for index, (metric, unit) in enumerate(METRICS):
                        rows.append(
                            UsageRecord(
                                tenant_id=n + 1,
                                subscription_id=n + 1,
                                subscription_key=f"s-{n}",
                                period=month,
                                metric=metric,
                                quantity=Decimal(max(0, used - shift) * (10**index)),
                                unit=unit,
                                vendor_field=metric,
                            )
                        )
            UsageRecord.objects.bulk_create(rows, batch_size=BATCH)


def is_seeded(tenants: int, period: dt.date, previous: dt.date) -> bool:
    """Whether the database holds exactly what ``seed`` makes for these months (and nothing else)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from portal.customers.models import Tenant
    from portal.usage.models import UsageRecord

    months = dict(
        UsageRecord.objects.order_by()
        .values_list("period")
        .annotate(n=Count("pk"))
        .values_list("period", "n")
    )
    return (
        months == {period: tenants * len(METRICS), previous: tenants * len(METRICS)}
        and Tenant.objects.count() == tenants
        and get_user_model().objects.filter(username="bench-admin").exists()
    )


def export_child(period: str) -> None:
    """In its own process: stream the CSV through the view and report what it took."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Sum
    from django.test import Client

    from portal.usage.models import UsageRecord

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    started = time.perf_counter()
    response = client.get("/usage/export.csv", {"period": period})
    lines = (chunk.decode() for chunk in response.streaming_content)
    rows, total = 0, Decimal(0)
    reader = csv.reader(lines)
    header = next(reader)
    quantity = header.index("quantity")
    for row in reader:
        rows += 1
        total += Decimal(row[quantity])
    export_s = time.perf_counter() - started
    db = UsageRecord.objects.filter(period=period + "-01").aggregate(
        n=django.db.models.Count("pk"), s=Sum("quantity")
    )
    result = {
        "rows": rows,
        "export_s": round(export_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "equals_database": rows == db["n"] and total == db["s"],
    }
    print(json.dumps(result))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=150_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database if it already holds this seed (needs --database-url)",
    )
    parser.add_argument("--export-child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DEBUG", "false")  # production-like rendering for both pages
    if args.export_child:
        export_child(args.export_child)
        return {}

    if args.reuse and args.database_url:
        database_url = args.database_url
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        from bench._django import setup

        database_url = setup(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from portal.usage.collection import previous_month
    from portal.usage.selectors import previous_period

    period = previous_month()
    seed_s = 0.0
    if not (args.reuse and is_seeded(args.tenants, period, previous_period(period))):
        if args.reuse:
            from django.core.management import call_command

            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        seed(args.tenants, period, previous_period(period))
        seed_s = time.perf_counter() - started
        get_user_model().objects.create_superuser("bench-admin", "bench@example.test", "x")

    if connection.vendor == "postgresql":
        # Planner statistics, as autovacuum would gather them after a bulk load (the test
        # server runs with autovacuum off; without them PostgreSQL plans for an empty table).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    child = subprocess.run(
        [sys.executable, __file__, "--export-child", f"{period:%Y-%m}"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
    )
    if child.returncode:
        raise SystemExit(f"export process failed:\n{child.stderr[-3000:]}")
    export = json.loads(child.stdout.strip().splitlines()[-1])

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="bench-admin"))
    url = f"/usage/?period={period:%Y-%m}"

    def timed(path: str, anonymous: bool = False) -> float:
        c = Client(HTTP_HOST="localhost") if anonymous else client
        started = time.perf_counter()
        response = c.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        return elapsed

    cold = timed(url)
    review, baseline = [], []
    for _ in range(args.requests):  # interleaved, so both see the same machine load
        review.append(timed(url))
        baseline.append(timed("/accounts/login/", anonymous=True))
    result = {
        **{k: export[k] for k in ("rows", "export_s", "peak_rss_mb")},
        "export_equals_database": export["equals_database"],
        "review_page_p95_ms": round(p95(review), 1),
        "baseline_p95_ms": round(p95(baseline), 1),
        "review_page_cold_ms": round(cold, 1),
        "tenants": args.tenants,
        "seed_s": round(seed_s, 1),
        "database": database_url.split(":", 1)[0],
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
