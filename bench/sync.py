"""Benchmark of the sync engine against a seeded vendor sandbox; the last line is JSON.

    python bench/sync.py --vendor redstor --tenants 10000 [--database-url postgres://...]

Measures (a) fetch only: iterating the adapter, no database; (b) a full sync into an empty
database; (c) a resync with nothing changed; (d) a resync after 1% of tenants changed seats.
The sandbox runs in its own process (a vendor is remote). Its server-side rate limit is off and the client-side limit is lifted for every
measurement alike, so the figures compare the portal's work with the fetch, not with waiting.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import count_writes, setup


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vendor", default="redstor")
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share of tenants changed for (d)"
    )
    args = parser.parse_args(argv)

    database_url = setup(args.database_url)
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from bench._sandbox import SandboxProcess
    from portal.catalog.models import VendorConnection
    from portal.customers.models import Subscription, Tenant
    from portal.sync.adapters import connection_adapter
    from portal.sync.services import connection_sync
    from vendors.ratelimit import RateLimit
    from vendors.registry import get_adapter_class

    started = time.perf_counter()
    server = SandboxProcess([args.vendor], args.tenants)
    seed_s = time.perf_counter() - started
    get_adapter_class(args.vendor).rate_limit = RateLimit()  # lift the client-side limit (see doc)
    connection = VendorConnection.objects.create(
        vendor=args.vendor,
        name=f"bench {args.vendor}",
        base_url=server.base_url(args.vendor),
        credentials=server.credentials(args.vendor),
    )

    def fetch() -> tuple[float, int, int]:
        adapter = connection_adapter(connection, on_call=None)
        t0 = time.perf_counter()
        tenants = subs = 0
        adapter.list_products()
        for page in adapter.iter_tenant_pages():
            tenants += len(page)
            subs += sum(len(t.subscriptions) for t in page)
        return time.perf_counter() - t0, tenants, subs

    def timed_sync() -> tuple[float, object, int, int]:
        with CaptureQueriesContext(db) as queries:
            t0 = time.perf_counter()
            run = connection_sync(connection, triggered_by="bench")
            elapsed = time.perf_counter() - t0
        assert run.status == "succeeded", run.error
        return elapsed, run, len(queries.captured_queries), count_writes(queries.captured_queries)

    fetch_s, fetched_tenants, fetched_subs = fetch()
    full_s, full_run, full_queries, _ = timed_sync()
    resync_s, resync_run, resync_queries, _ = timed_sync()

    changed = max(1, int(args.tenants * args.changed))
    rows = list(
        Subscription.objects.filter(tenant__connection=connection, seats__isnull=False)
        .order_by("tenant_id")
        .values_list("tenant__external_id", "seats")
        .distinct()
    )
    picked = {}
    for ext_id, seats in rows:
        if ext_id not in picked:
            picked[ext_id] = seats
        if len(picked) >= changed:
            break
    for ext_id, seats in picked.items():
        server.mutate(args.vendor, "set_seats", ext_id, seats + 1)
    changed_s, changed_run, changed_queries, _ = timed_sync()
    server.stop()

    result = {
        "vendor": args.vendor,
        "tenants": fetched_tenants,
        "subscriptions": fetched_subs,
        "database": database_url.split(":", 1)[0],
        "sandbox_start_s": round(seed_s, 3),
        "fetch_s": round(fetch_s, 3),
        "full_sync_s": round(full_s, 3),
        "full_sync_rows_written": full_run.rows_written,
        "full_sync_queries": full_queries,
        "resync_s": round(resync_s, 3),
        "resync_rows_written": resync_run.rows_written,
        "resync_queries": resync_queries,
        "changed_tenants": len(picked),
        "changed_resync_s": round(changed_s, 3),
        "changed_resync_rows_written": changed_run.rows_written,
        "changed_resync_queries": changed_queries,
        "pages": full_run.pages_done,
        "full_over_fetch": round(full_s / fetch_s, 3),
        "resync_over_fetch": round(resync_s / fetch_s, 3),
        "mirror_tenants": Tenant.objects.filter(connection=connection).count(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
