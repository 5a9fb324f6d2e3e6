"""Benchmark of the sync engine against seeded vendor sandboxes; the last line is JSON.

    python bench/sync.py --vendor redstor --tenants 10000 [--database-url postgres://...]
    python bench/sync.py --vendor all --tenants 10000 [--rated-tenants 1000]

Per vendor, first unthrottled (the sandbox's rate limit off, the client-side limit lifted, so the
figures compare the portal's work with the fetch, not with waiting): (a) fetch only, iterating
the adapter with no database and no memo (every detail read); (b) a full sync into an empty
database; (c) a resync with nothing changed; (d) a resync after 1% of tenants changed seats.
Then, at the vendor's documented rate (the sandbox enforces it, the adapter keeps its own
client-side limit): (e) a full sync of ``--rated-tenants`` tenants on a fresh connection, timed
against calls / documented rate. The sandboxes run in their own processes (a vendor is remote).

Calls are the sync runs' own count (``SyncRun.calls``: every attempt). ``calls_minimum`` and
``resync_minimum`` are the documented minimums of docs/vendors/<vendor>.md ("Fewest calls");
``list_pages`` is what an unchanged resync spends besides detail reads (listing pages, token,
catalog); the targets (issue 18) are checked in ``checks``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import count_writes, setup

VENDORS = ("lookout", "bitdefender", "egnyte", "trendmicro", "redstor")

#: The documented rate each vendor's document gives (calls per second per credential); None
#: where no document publishes one (Redstor's fair use is unpublished).
DOCUMENTED_RATE: dict[str, float | None] = {
    "lookout": None,
    "bitdefender": 10.0,  # CONTRACTS.md 101-102
    "egnyte": 2.0,  # CONTRACTS.md 218 (and 1,000 a day)
    "trendmicro": None,  # CONTRACTS.md 372
    "redstor": None,  # CONTRACTS.md 349: fair use, unpublished (the sandbox enforces 100/s)
}


def _pages(n: int, size: int) -> int:
    return math.ceil(n / size) if n else 0


#: (full pull, unchanged resync) minimums from docs/vendors/<vendor>.md "Fewest calls", as a
#: function of (tenants, subscriptions, Connect domains, Protect tenants).
MINIMUMS: dict[str, Callable[[int, int, int, int], tuple[int, int]]] = {
    # 1 token + ceil(N/100) list pages (+ N subscription reads)
    "lookout": lambda n, s, d, p: (1 + _pages(n, 100) + n, 1 + _pages(n, 100)),
    # the company listing (at best ceil(N/100) findCompaniesByName answers) + 1 catalog
    # licence (+ N getLicenseInfo)
    "bitdefender": lambda n, s, d, p: (_pages(n, 100) + 1 + n, _pages(n, 100) + 1),
    # 1 plans + ceil(D/10) + ceil(P/10): the listing carries every figure
    "egnyte": lambda n, s, d, p: (1 + _pages(d, 10) + _pages(p, 10),) * 2,
    # 2 catalog + customer pages + subscription pages (+ S Gets); resync + 1 modified window page
    "trendmicro": lambda n, s, d, p: (
        2 + _pages(n, 100) + _pages(s, 100) + s,
        2 + _pages(n, 100) + _pages(s, 100) + 1,
    ),
    # 1 token + 1 root + ceil(N/100) transitive pages (+ N subscription listings)
    "redstor": lambda n, s, d, p: (2 + _pages(n, 100) + n, 2 + _pages(n, 100)),
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vendor", default="redstor", help="a vendor key, or all")
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument(
        "--rated-tenants",
        type=int,
        default=None,
        help="tenants for the run at the documented rate (default --tenants; 0 skips it)",
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share of tenants changed for (d)"
    )
    args = parser.parse_args(argv)
    vendors = list(VENDORS) if args.vendor == "all" else [args.vendor]
    rated = args.tenants if args.rated_tenants is None else args.rated_tenants

    database_url = setup(args.database_url)
    from vendors.registry import get_adapter_class

    figures = {}
    for vendor in vendors:
        adapter_class = get_adapter_class(vendor)
        documented = adapter_class.rate_limit
        figures[vendor] = measure(vendor, args.tenants, args.changed)
        if rated:
            adapter_class.rate_limit = documented  # the client-side limit is back on
            figures[vendor].update(measure_rated(vendor, rated))
        adapter_class.rate_limit = documented
        figures[vendor]["checks"] = checks(figures[vendor])
        print(json.dumps({vendor: figures[vendor]}), file=sys.stderr)

    result: dict = {"database": database_url.split(":", 1)[0]}
    if len(vendors) == 1:
        result.update(figures[vendors[0]])  # today's figures, at the top level as before
    result["vendors"] = figures
    result["all_checks_pass"] = all(all(f["checks"].values()) for f in figures.values())
    print(json.dumps(result))
    return result


def _connection(server, vendor: str, name: str):
    from portal.catalog.models import VendorConnection

    return VendorConnection.objects.create(
        vendor=vendor,
        name=name,
        base_url=server.base_url(vendor),
        credentials=server.credentials(vendor),
    )


def _timed_sync(connection, *, must_succeed: bool = True) -> tuple[float, object, int, int]:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from portal.sync.services import connection_sync

    with CaptureQueriesContext(db) as queries:
        t0 = time.perf_counter()
        run = connection_sync(connection, triggered_by="bench")
        elapsed = time.perf_counter() - t0
    assert run.status == "succeeded" or not must_succeed, run.error
    return elapsed, run, len(queries.captured_queries), count_writes(queries.captured_queries)


def measure(vendor: str, tenants: int, changed_share: float) -> dict:
    """(a)-(d): unthrottled, so the figures are the portal's work and the fetch."""
    from django.conf import settings

    from bench._sandbox import SandboxProcess
    from portal.customers.models import Subscription, Tenant
    from portal.sync.adapters import connection_adapter
    from vendors.ratelimit import RateLimit, detail_concurrency
    from vendors.registry import get_adapter_class

    started = time.perf_counter()
    server = SandboxProcess([vendor], tenants)
    seed_s = time.perf_counter() - started
    get_adapter_class(vendor).rate_limit = RateLimit()  # lift the client-side limit (see doc)
    connection = _connection(server, vendor, f"bench {vendor}")
    try:
        adapter = connection_adapter(connection, on_call=None)
        # The same concurrency as the sync's (portal.sync.services.counted_adapter).
        adapter.detail_workers = detail_concurrency(
            adapter.rate_limit, settings.SYNC_DETAIL_CONCURRENCY
        )
        t0 = time.perf_counter()
        fetched_tenants = fetched_subs = 0
        adapter.list_products()
        for page in adapter.iter_tenant_pages():
            fetched_tenants += len(page)
            fetched_subs += sum(len(t.subscriptions) for t in page)
        fetch_s = time.perf_counter() - t0

        full_s, full_run, full_queries, _ = _timed_sync(connection)
        resync_s, resync_run, resync_queries, _ = _timed_sync(connection)

        changed = max(1, int(tenants * changed_share))
        rows = (
            Subscription.objects.filter(tenant__connection=connection, seats__isnull=False)
            .order_by("tenant_id")
            .values_list("tenant__external_id", "seats")
            .distinct()
        )
        picked: dict[str, int] = {}
        for ext_id, seats in rows:
            picked.setdefault(ext_id, seats)
            if len(picked) >= changed:
                break
        for ext_id, seats in picked.items():
            server.mutate(vendor, "set_seats", ext_id, seats + 1)
        changed_s, changed_run, changed_queries, _ = _timed_sync(connection)
    finally:
        server.stop()

    mirror = Tenant.objects.filter(connection=connection)
    n = mirror.count()
    subs = Subscription.objects.filter(tenant__connection=connection).count()
    domains = mirror.filter(external_id__startswith="domain:").count()
    protect = mirror.filter(external_id__startswith="protect:").count()
    calls_minimum, resync_minimum = MINIMUMS[vendor](n, subs, domains, protect)
    return {
        "tenants": fetched_tenants,
        "subscriptions": fetched_subs,
        "sandbox_start_s": round(seed_s, 3),
        "fetch_s": round(fetch_s, 3),
        "calls_minimum": calls_minimum,
        "resync_minimum": resync_minimum,
        "calls_full": full_run.calls,
        "full_sync_s": round(full_s, 3),
        "full_sync_rows_written": full_run.rows_written,
        "full_sync_queries": full_queries,
        "detail_workers": adapter.detail_workers,
        "calls_resync": resync_run.calls,
        "list_pages": resync_run.calls - resync_run.detail_reads,
        "refresh_calls": resync_run.refresh_reads,
        "resync_detail_reads": resync_run.detail_reads,
        "resync_s": round(resync_s, 3),
        "resync_rows_written": resync_run.rows_written,
        "resync_queries": resync_queries,
        "changed_tenants": len(picked),
        "calls_changed_resync": changed_run.calls,
        "changed_resync_s": round(changed_s, 3),
        "changed_resync_rows_written": changed_run.rows_written,
        "changed_resync_queries": changed_queries,
        "pages": full_run.pages_done,
        "full_over_fetch": round(full_s / fetch_s, 3),
        "resync_over_fetch": round(resync_s / fetch_s, 3),
        "mirror_tenants": n,
    }


def measure_rated(vendor: str, tenants: int) -> dict:
    """(e): a full sync at the vendor's documented rate, on a fresh connection."""
    from bench._sandbox import SandboxProcess
    from vendors.registry import get_adapter_class

    server = SandboxProcess([vendor], tenants, rate_limits=True)
    try:
        connection = _connection(server, vendor, f"bench {vendor} at its rate")
        # Under a daily quota the sync may stop at the reserve kept for operations (partial).
        rated_s, run, _, _ = _timed_sync(connection, must_succeed=False)
    finally:
        server.stop()
    rate = DOCUMENTED_RATE[vendor]
    at_rate = run.calls / rate if rate else None
    return {
        "rated_tenants": tenants,
        "rated_status": run.status,
        "rated_error": run.error[:300],
        "rated_calls_full": run.calls,
        "rated_full_sync_s": round(rated_s, 3),
        "documented_rate_per_second": rate,
        "client_rate_per_second": get_adapter_class(vendor).rate_limit.per_second,
        "calls_over_rate_s": round(at_rate, 3) if at_rate else None,
        "rated_over_calls_at_rate": round(rated_s / at_rate, 3) if at_rate else None,
    }


def checks(f: dict) -> dict[str, bool]:
    """The issue's targets for one vendor."""
    result = {
        "full_calls_within_1_1x_minimum": f["calls_full"] <= 1.1 * f["calls_minimum"],
        "resync_calls_within_pages_1pct_refresh": f["calls_resync"]
        <= f["list_pages"] + 0.01 * f["tenants"] + f["refresh_calls"],
        "resync_writes_0_rows": f["resync_rows_written"] == 0,
        "full_within_1_5x_fetch": f["full_over_fetch"] <= 1.5,
        "resync_within_1_2x_fetch": f["resync_over_fetch"] <= 1.2,
    }
    if f.get("rated_over_calls_at_rate") is not None:
        result["rated_full_within_1_3x_calls_over_rate"] = f["rated_over_calls_at_rate"] <= 1.3
    return result


if __name__ == "__main__":
    main()
