"""Benchmark of the month-end billing run and of statement reconciliation against the usage
CSV export measured in the same run; the last line is JSON.

    python bench/billing.py [--tenants 150000] [--database-url postgres://...]

Seeds what ``bench/usage.py`` seeds (``--tenants`` tenants over five connections, 3 usage
metrics each for last month: 450,000 usage rows at 150,000 tenants, and the month before),
plus a product per connection, a per-seat price, and a seat history point per subscription.
Then, each in its own process (so seeding memory does not count; peak RSS is each one's own):

* export: ``bench/usage.py``'s export child streams last month's usage CSV through the page;
* billing: freezes last month's billing run of every connection (what closing the month does),
  checks the lines' count and total against the seed;
* reconcile: uploads each connection's vendor statement of that month (one line per tenant:
  ``--tenants`` lines in all, made before the clock starts) and checks every row matched.

The JSON holds ``tenants``, ``billing_over_export``, ``reconcile_over_export`` (targets: at
most 2) and ``peak_rss_mb`` (the largest of the three processes; target: under 300).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.usage import BATCH, seed

SEATS = 20
UNIT_COST, LIST_PRICE = Decimal("2.5000"), Decimal("3.2500")
HERE = Path(__file__).resolve()


def seed_billing() -> None:
    """A priced product per connection, linked to its subscriptions, with seat history."""
    from django.db import transaction

    from portal.billing.models import PriceEntry
    from portal.catalog.models import Product, VendorConnection
    from portal.customers.models import SeatChange, Subscription

    seen = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    with transaction.atomic():
        for connection in VendorConnection.objects.all():
            product = Product.objects.create(
                connection=connection, external_id="BASE", code="BASE", name="Base plan"
            )
            PriceEntry.objects.create(
                product=product,
                basis="per_seat_month",
                unit_cost=UNIT_COST,
                list_price=LIST_PRICE,
                currency="EUR",
                effective_from=dt.date(2000, 1, 1),
            )
            Subscription.objects.filter(tenant__connection=connection).update(product=product)
        ids = list(Subscription.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            SeatChange.objects.bulk_create(
                [
                    SeatChange(subscription_id=pk, seats=SEATS, status="active", observed_at=seen)
                    for pk in ids[start : start + BATCH]
                ]
            )


def _setup_child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def billing_child(period: str) -> None:
    """Freeze every connection's month, as the close does, and check the lines."""
    _setup_child()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Count, Sum

    from portal.billing.models import BillingLine
    from portal.billing.services import billing_run_freeze
    from portal.catalog.models import VendorConnection

    admin = get_user_model().objects.get(username="bench-admin")
    month = dt.date.fromisoformat(f"{period}-01")
    started = time.perf_counter()
    for connection in VendorConnection.objects.order_by("pk"):
        with transaction.atomic():
            billing_run_freeze(connection=connection, period=month, actor=admin)
    billing_s = time.perf_counter() - started
    sums = BillingLine.objects.aggregate(n=Count("pk"), cost=Sum("cost"))
    print(
        json.dumps(
            {
                "billing_s": round(billing_s, 2),
                "lines": sums["n"],
                "cost_equals_seed": sums["cost"] == sums["n"] * SEATS * UNIT_COST,
                "peak_rss_mb": _peak_mb(),
            }
        )
    )


def reconcile_child(period: str) -> None:
    """Upload each connection's statement (one line per tenant) and check all match."""
    _setup_child()
    from django.contrib.auth import get_user_model

    from portal.billing.models import RowKind, StatementRow
    from portal.billing.reconcile import statement_upload
    from portal.catalog.models import VendorConnection
    from portal.customers.models import Tenant

    admin = get_user_model().objects.get(username="bench-admin")
    month = dt.date.fromisoformat(f"{period}-01")
    amount = SEATS * UNIT_COST
    statements = {}
    for connection in VendorConnection.objects.order_by("pk"):
        header = "Invoice Month,Customer ID,SKU,Quantity,Unit Price,Amount,Currency\n"
        ids = Tenant.objects.filter(connection=connection).values_list("external_id", flat=True)
        body = "".join(
            f"{period},{t},BASE,{SEATS},{UNIT_COST},{amount:.2f},EUR\n" for t in ids.iterator()
        )
        statements[connection] = (header + body).encode()
    lines = sum(data.count(b"\n") - 1 for data in statements.values())
    started = time.perf_counter()
    for connection, data in statements.items():
        statement_upload(connection=connection, period=month, data=data, actor=admin)
    reconcile_s = time.perf_counter() - started
    del statements
    rows = StatementRow.objects.count()
    matched = StatementRow.objects.filter(kind=RowKind.MATCHED).count()
    print(
        json.dumps(
            {
                "reconcile_s": round(reconcile_s, 2),
                "statement_lines": lines,
                "all_matched": rows == matched == lines,
                "peak_rss_mb": _peak_mb(),
            }
        )
    )


def _child(args: list[str], database_url: str) -> dict:
    done = subprocess.run(
        [sys.executable, *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{args[0]} {args[1]} failed:\n{done.stderr[-3000:]}")
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=150_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--billing-child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--reconcile-child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("DEBUG", "false")
    if args.billing_child:
        billing_child(args.billing_child)
        return {}
    if args.reconcile_child:
        reconcile_child(args.reconcile_child)
        return {}

    from bench._django import setup

    database_url = setup(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from portal.usage.collection import previous_month
    from portal.usage.models import UsageRecord
    from portal.usage.selectors import previous_period

    period = previous_month()
    started = time.perf_counter()
    seed(args.tenants, period, previous_period(period))
    seed_billing()
    seed_s = time.perf_counter() - started
    get_user_model().objects.create_superuser("bench-admin", "bench@example.test", "x")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    month = f"{period:%Y-%m}"
    usage_rows = UsageRecord.objects.filter(period=period).count()
    connection.close()

    export = _child([str(HERE.parent / "usage.py"), "--export-child", month], database_url)
    billing = _child([str(HERE), "--billing-child", month], database_url)
    reconcile = _child([str(HERE), "--reconcile-child", month], database_url)
    result = {
        "tenants": args.tenants,
        "usage_rows": usage_rows,
        "export_s": export["export_s"],
        "billing_s": billing["billing_s"],
        "billing_lines": billing["lines"],
        "billing_cost_equals_seed": billing["cost_equals_seed"],
        "reconcile_s": reconcile["reconcile_s"],
        "statement_lines": reconcile["statement_lines"],
        "statement_all_matched": reconcile["all_matched"],
        "billing_over_export": round(billing["billing_s"] / export["export_s"], 2),
        "reconcile_over_export": round(reconcile["reconcile_s"] / export["export_s"], 2),
        "peak_rss_mb": max(export["peak_rss_mb"], billing["peak_rss_mb"], reconcile["peak_rss_mb"]),
        "peak_rss_mb_by_step": {
            "export": export["peak_rss_mb"],
            "billing": billing["peak_rss_mb"],
            "reconcile": reconcile["peak_rss_mb"],
        },
        "seed_s": round(seed_s, 1),
        "database": database_url.split(":", 1)[0],
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
