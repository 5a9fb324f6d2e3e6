"""Benchmark: 200 mixed operations through a real Celery worker against the vendor sandboxes.

    .venv/bin/python bench/operations.py [--operations 200] [--concurrency 4]
                                         [--database-url postgres://...]

Starts the sandbox server in-process and one worker subprocess, migrates a fresh database
(SQLite in a temporary folder unless --database-url), then requests operations in phases
(create tenants, change seats, suspend, resume, change seats again), each phase waiting for the
previous one. Figures:

- latency: seconds from the service call to the operation's finished_at (includes queueing);
- overhead: the portal's own time per operation = service call + every attempt's duration
  (claim to recorded result, mirror writes included) minus the time spent inside vendor HTTP
  calls (the adapter's CallRecord latencies the engine keeps on each OperationAttempt);
- vendor_changes: applied changes of the requested kinds counted from the sandbox journal; it
  must equal the number of operations that change something (all of them here).

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

# Egnyte is left out: its sandbox's power-user pool cannot hold 40+ tenants' seats.
VENDORS = ["trendmicro", "redstor", "bitdefender", "lookout"]
SUSPENDING = ["trendmicro", "redstor", "bitdefender"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operations", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--timeout", type=float, default=300.0)
    return parser.parse_args()


def configure(args: argparse.Namespace, var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    os.environ["PORTAL_VAR_DIR"] = str(var_dir)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def start_worker(var_dir: Path, concurrency: int) -> subprocess.Popen:
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
    )
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "WARNING",
        "--pool", "prefork", "--concurrency", str(concurrency),
        "--hostname", f"bench-{uuid.uuid4().hex[:6]}@%h", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    log = (var_dir / "worker.log").open("wb")
    worker = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    from portal.core.tasks import ping

    ping.apply_async(args=["bench"]).get(timeout=60)
    return worker


def connect(sandbox, vendor: str):
    from portal.catalog.models import Product, VendorConnection
    from portal.sync.adapters import connection_adapter

    connection = VendorConnection.objects.create(
        vendor=vendor,
        name=f"{vendor} bench {uuid.uuid4().hex[:6]}",  # a reused --database-url keeps old rows
        base_url=sandbox.vendor_url(vendor),
        credentials=sandbox.sandboxes[vendor].credentials(),
    )
    for p in connection_adapter(connection).list_products():
        Product.objects.create(
            connection=connection, external_id=p.external_id, code=p.code, name=p.name,
            kind=p.kind.value, trial_available=p.trial_available, addons=list(p.addons), raw=p.raw,
        )  # fmt: skip
    return connection


def run_phase(requests, timings: dict, timeout: float) -> list[int]:
    """Call each service, then wait until every operation it created has finished."""
    from portal.operations.models import OPEN_STATES, Operation

    ids = []
    for request in requests:
        started = time.time()
        operation = request()
        timings[operation.pk] = {"requested": started, "service_s": time.time() - started}
        ids.append(operation.pk)
    deadline = time.monotonic() + timeout
    while Operation.objects.filter(pk__in=ids, state__in=OPEN_STATES).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("operations did not finish in time")
        time.sleep(0.05)
    return ids


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-operations-"))
    configure(args, var_dir)

    from django.conf import settings

    from portal.customers.models import Customer
    from portal.operations import services
    from portal.operations.models import Operation, OperationAttempt
    from vendors.sandbox import SandboxServer
    from vendors.types import ProductKind

    sandbox = SandboxServer(VENDORS, seed_tenants=0, rate_limits=False).start()
    worker = start_worker(var_dir, args.concurrency)
    try:
        connections = {v: connect(sandbox, v) for v in VENDORS}
        per_vendor = max(1, round(args.operations / 4 / len(VENDORS)))
        timings: dict[int, dict] = {}

        def create(vendor, i):
            connection = connections[vendor]
            product = connection.products.exclude(kind=ProductKind.ADDON).order_by("pk").first()
            customer = Customer.objects.create(
                name=f"Bench {vendor} {i}", contact_email=f"it{i}@{vendor}.example",
                contact_name="Ada Bench", country="GB",
            )  # fmt: skip
            return lambda: services.tenant_create(
                customer=customer, connection=connection, product_code=product.code, seats=2
            )

        created = run_phase(
            [create(v, i) for v in VENDORS for i in range(per_vendor)], timings, args.timeout
        )
        # Targets loaded with their relations, as the pages and the API load them before calling
        # a service (a lazy load of tenant/connection/customer is not the service's own time).
        ops = Operation.objects.filter(pk__in=created, state="succeeded").select_related(
            "tenant__connection", "tenant__customer"
        )
        tenants = [op.tenant for op in ops]

        def seats(tenant, n):
            sub = tenant.subscriptions.order_by("pk").first()
            sub.tenant = tenant
            return lambda: services.subscription_seats_change(subscription=sub, seats=n)

        run_phase([seats(t, 3) for t in tenants], timings, args.timeout)
        suspendable = [t for t in tenants if t.connection.vendor in SUSPENDING]
        run_phase(
            [lambda t=t: services.tenant_suspend(tenant=t) for t in suspendable],
            timings,
            args.timeout,
        )
        for t in suspendable:
            t.refresh_from_db()
        run_phase(
            [lambda t=t: services.tenant_resume(tenant=t) for t in suspendable],
            timings,
            args.timeout,
        )
        remaining = max(0, args.operations - len(timings))
        run_phase(
            [seats(t, 4 + i // len(tenants)) for i, t in enumerate(tenants * 3)][:remaining],
            timings,
            args.timeout,
        )

        operations = list(
            Operation.objects.filter(pk__in=list(timings)).select_related("connection")
        )
        attempts: dict[int, list] = {}
        for attempt in OperationAttempt.objects.filter(operation_id__in=list(timings)):
            attempts.setdefault(attempt.operation_id, []).append(attempt)
        latencies, overheads, http_overheads, vendor_ms, by_vendor = [], [], [], [], {}
        for op in operations:
            if op.state != "succeeded":
                continue
            latencies.append(op.finished_at.timestamp() - timings[op.pk]["requested"])
            inside_vendor = sum(
                call["latency_ms"]
                for a in attempts.get(op.pk, [])
                for call in (a.vendor_answer or {}).get("calls", [])
            )
            worked_ms = sum(
                (a.finished_at - a.started_at).total_seconds() * 1000
                for a in attempts.get(op.pk, [])
                if a.finished_at
            )
            inside_adapter = sum(
                (a.vendor_answer or {}).get("adapter_ms", 0) for a in attempts.get(op.pk, [])
            )
            http_overheads.append(timings[op.pk]["service_s"] * 1000 + worked_ms - inside_vendor)
            overheads.append(timings[op.pk]["service_s"] * 1000 + worked_ms - inside_adapter)
            by_vendor.setdefault(op.connection.vendor, []).append(overheads[-1])
            vendor_ms.append(inside_vendor)
        for op in operations:
            if op.state != "succeeded":
                print(f"#{op.pk} {op.kind} {op.state}: {op.last_error}", file=sys.stderr)
        kinds = {op.kind for op in operations}
        figures = {
            "operations": len(operations),
            "succeeded": sum(1 for op in operations if op.state == "succeeded"),
            "failed": sum(1 for op in operations if op.state == "failed"),
            "by_kind": {k: sum(1 for op in operations if op.kind == k) for k in sorted(kinds)},
            "latency_p50_s": round(percentile(latencies, 0.5), 3),
            "latency_p95_s": round(percentile(latencies, 0.95), 3),
            "overhead_p50_ms": round(percentile(overheads, 0.5), 1),
            "overhead_p95_ms": round(percentile(overheads, 0.95), 1),
            "overhead_incl_adapter_waits_p50_ms": round(percentile(http_overheads, 0.5), 1),
            "overhead_incl_adapter_waits_p95_ms": round(percentile(http_overheads, 0.95), 1),
            "vendor_http_p50_ms": round(percentile(vendor_ms, 0.5), 1),
            "vendor_changes": sum(sandbox.journal.count_actions(None, k) for k in kinds),
            "vendor_actions_total": sandbox.journal.count_actions(),
            "concurrency": args.concurrency,
            "database": "sqlite" if not args.database_url else args.database_url.split(":")[0],
            # What the worker was given (REDIS_URL -> Redis, as in the product), not the env.
            "broker": settings.CELERY_BROKER_URL.split(":")[0],
        }
        print(
            "overhead p95 ms by vendor:",
            {v: round(percentile(o, 0.95), 1) for v, o in by_vendor.items()},
            file=sys.stderr,
        )
        if figures["overhead_p50_ms"]:
            figures["mean_overhead_ms"] = round(statistics.fmean(overheads), 1)
        print(json.dumps(figures))
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
        sandbox.stop()


if __name__ == "__main__":
    main()
