"""Benchmark: interactive operations while a 10,000-tenant sync of the same vendor runs.

    .venv/bin/python bench/scale.py --database-url postgres:///bench_scale \\
        --redis-url redis://127.0.0.1:6379/6 [--tenants 10000] [--operations 200]

PostgreSQL, Redis (broker, shared rate limit, cool-downs, tokens) and four Celery worker
processes, as production runs them: two on the ops lane (``WORKER_LANE=ops``) and two on the
bulk lane (``WORKER_LANE=bulk``). The vendor sandbox runs in its own process with its rate limit
on, seeded with ``--tenants`` tenants. In one run:

1. quiet: ``--quiet-operations`` tenant creates, requested at ``--rate`` per second, no sync;
2. during: a full sync of the connection is queued on the bulk lane (10,000 tenants, every
   detail read: a first pull) and, once it has applied its first page, ``--operations`` creates
   are requested at the same pace. Only operations that finished while the sync was still
   running count as "during".

Figures (the last line is one JSON object): operation latency (service call to finished_at)
p50/p95 quiet and during, ``ops_p95_during_sync_over_quiet`` (issue 20: at most 1.3),
``duplicate_vendor_changes`` (creates the sandbox applied beyond the operations that asked for
them: 0), ``rate_limit_exceeded`` (requests the sandbox refused for going over the vendor's rate
across every process, from its journal: 0) and the sync's own progress.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench._sandbox import SandboxProcess  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://... (a fresh database)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--vendor", default="redstor")
    parser.add_argument("--tenants", type=int, default=10_000)
    parser.add_argument("--operations", type=int, default=200)
    parser.add_argument("--quiet-operations", type=int, default=100)
    parser.add_argument("--rate", type=float, default=4.0, help="operations requested per second")
    parser.add_argument("--timeout", type=float, default=900.0)
    return parser.parse_args()


def configure(args: argparse.Namespace, var_dir: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        PORTAL_VAR_DIR=str(var_dir),
        DEBUG="false",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.redis_url,
        CELERY_RESULT_BACKEND=args.redis_url,
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()  # the bench's own Redis database
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", interactive=False, verbosity=0)


def start_worker(var_dir: Path, lane: str, number: int) -> subprocess.Popen:
    from django.conf import settings

    env = {
        **os.environ,
        "WORKER_LANE": lane,
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel", "WARNING",
        "--pool", "prefork", "--concurrency", "1",
        "--hostname", f"{lane}{number}-{uuid.uuid4().hex[:6]}@%h", "--without-mingle",
        "--without-gossip",
    ]  # fmt: skip
    log = (var_dir / f"worker-{lane}{number}.log").open("wb")
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def wait_for_workers(count: int, timeout: float = 120.0) -> None:
    from celery import current_app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(current_app.control.ping(timeout=1.0) or []) >= count:
            return
    raise TimeoutError(f"{count} workers did not answer a ping")


def connect(server: SandboxProcess, vendor: str):
    from portal.catalog.models import Product, VendorConnection
    from portal.sync.adapters import connection_adapter

    connection = VendorConnection.objects.create(
        vendor=vendor,
        name=f"{vendor} scale bench",
        base_url=server.base_url(vendor),
        credentials=server.credentials(vendor),
    )
    for p in connection_adapter(connection).list_products():
        Product.objects.create(
            connection=connection, external_id=p.external_id, code=p.code, name=p.name,
            kind=p.kind.value, trial_available=p.trial_available, addons=list(p.addons), raw=p.raw,
        )  # fmt: skip
    return connection


def request_creates(connection, count: int, rate: float, label: str) -> dict[int, float]:
    """Request ``count`` tenant creates at ``rate`` per second; operation id -> requested at."""
    from portal.customers.models import Customer
    from portal.operations import services
    from vendors.types import ProductKind

    product = connection.products.exclude(kind=ProductKind.ADDON).order_by("pk").first()
    requested: dict[int, float] = {}
    started = time.monotonic()
    for i in range(count):
        pause = started + i / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        customer = Customer.objects.create(
            name=f"Scale {label} {i}", contact_email=f"it{i}@{label}.example",
            contact_name="Ada Bench", country="GB",
        )  # fmt: skip
        at = time.time()
        operation = services.tenant_create(
            customer=customer, connection=connection, product_code=product.code, seats=2
        )
        requested[operation.pk] = at
    return requested


def wait_settled(ids, timeout: float) -> None:
    from portal.operations.models import OPEN_STATES, Operation

    deadline = time.monotonic() + timeout
    while Operation.objects.filter(pk__in=list(ids), state__in=OPEN_STATES).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("operations did not settle in time")
        time.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def latencies(requested: dict[int, float], *, until: float | None = None) -> list[float]:
    """Seconds from request to finish of the succeeded operations (finished before ``until``)."""
    from portal.operations.models import Operation

    out = []
    for pk, finished in Operation.objects.filter(
        pk__in=list(requested), state="succeeded"
    ).values_list("pk", "finished_at"):
        if until is None or finished.timestamp() <= until:
            out.append(finished.timestamp() - requested[pk])
    return out


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    configure(args, var_dir)

    from portal.core.queues import bulk_queue, send_task
    from portal.operations.models import Operation
    from portal.sync.enqueue import SYNC_CONNECTION
    from portal.sync.models import SyncRun, SyncRunStatus

    server = SandboxProcess([args.vendor], args.tenants, rate_limits=True)
    workers = [start_worker(var_dir, lane, n) for lane in ("ops", "bulk") for n in (1, 2)]
    try:
        wait_for_workers(len(workers))
        connection = connect(server, args.vendor)

        quiet = request_creates(connection, args.quiet_operations, args.rate, "quiet")
        wait_settled(quiet, args.timeout)

        sync_started = time.time()
        send_task(SYNC_CONNECTION, args=[connection.pk, "bench"], queue=bulk_queue(args.vendor))
        deadline = time.monotonic() + args.timeout
        while not SyncRun.objects.filter(connection=connection, pages_done__gte=1).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the sync applied no page")
            time.sleep(0.2)
        during = request_creates(connection, args.operations, args.rate, "during")
        wait_settled(during, args.timeout)
        ops_done = time.time()
        done = (SyncRunStatus.SUCCEEDED, SyncRunStatus.PARTIAL, SyncRunStatus.FAILED)
        while not SyncRun.objects.filter(connection=connection, status__in=done).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the sync did not finish")
            time.sleep(0.5)
        run = SyncRun.objects.filter(connection=connection).order_by("pk").first()
        assert run is not None and run.finished_at is not None
        sync_finished = run.finished_at.timestamp()

        quiet_s = latencies(quiet)
        during_s = latencies(during, until=sync_finished)
        journal = server.journal(args.vendor)
        creates = sum(1 for e in journal if "create_tenant" in e.get("actions", []))
        asked = Operation.objects.filter(
            connection=connection, kind="create_tenant", state="succeeded"
        ).count()
        p95_quiet, p95_during = percentile(quiet_s, 0.95), percentile(during_s, 0.95)
        figures = {
            "vendor": args.vendor,
            "tenants": args.tenants,
            "workers": {"ops": 2, "bulk": 2},
            "operations_quiet": len(quiet),
            "operations_during_sync": len(during),
            "operations_finished_during_sync": len(during_s),
            "operations_failed": Operation.objects.filter(
                connection=connection, state="failed"
            ).count(),
            "ops_p50_quiet_s": round(percentile(quiet_s, 0.5), 3),
            "ops_p95_quiet_s": round(p95_quiet, 3),
            "ops_p50_during_sync_s": round(percentile(during_s, 0.5), 3),
            "ops_p95_during_sync_s": round(p95_during, 3),
            "sync_status": run.status,
            "sync_items_seen": run.items_seen,
            "sync_s": round(sync_finished - sync_started, 1),
            "sync_still_running_when_ops_done": ops_done < sync_finished,
            "vendor_requests": len(journal),
            "vendor_creates": creates,
            "duplicate_vendor_changes": max(0, creates - asked),
            "rate_limit_exceeded": sum(1 for e in journal if e.get("outcome") == "rate_limited"),
            "ops_p95_during_sync_over_quiet": round(p95_during / p95_quiet, 3)
            if p95_quiet
            else None,
        }
        print(json.dumps(figures))
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        server.stop()


if __name__ == "__main__":
    main()
