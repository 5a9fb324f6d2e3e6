"""Benchmark: how fast operations recover when the whole Celery worker is SIGKILLed mid-call.

    .venv/bin/python bench/recovery.py --database-url postgres://... [--operations 30]
        [--latency-ms 4000] [--kills 3] [--concurrency 4]

Starts the sandbox server in-process, celery beat (the reaper's schedule from the database, as
in production) and one worker subprocess; requests create-tenant operations against sandboxes
that answer every write after ``--latency-ms``; then, ``--kills`` times, SIGKILLs the worker's
whole process group (parent and pool children) while operations are in flight and starts a new
worker at once. Figures:

- recovery_p95_s: for each attempt that was running at a kill, seconds from the kill to the
  start of that operation's next attempt (the lease lapses, the reaper re-enqueues it);
- duplicate_vendor_changes: tenants created at the vendors (sandbox journal) beyond one per
  operation that created one;
- stuck: operations not ended five minutes (``--stuck-after``) after the last kill.

The last line printed is one JSON object with the figures.
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

from bench.operations import VENDORS, configure, connect, percentile, start_worker  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operations", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=4000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--stuck-after", type=float, default=300.0)
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def start_beat(var_dir: Path) -> subprocess.Popen:
    """celery beat with the DatabaseScheduler: it sends the reaper every 5 s (migration 0006)."""
    command = [
        sys.executable, "-m", "celery", "-A", "portal", "beat", "--loglevel", "WARNING",
        "--schedule", str(var_dir / "beat-schedule"), "--pidfile", str(var_dir / "beat.pid"),
    ]  # fmt: skip
    log = (var_dir / "beat.log").open("wb")
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def running_attempts(ids: list[int]) -> dict[int, int]:
    """Operation id -> attempt number, for the attempts running now."""
    from portal.operations.models import Operation

    return dict(Operation.objects.filter(pk__in=ids, state="running").values_list("pk", "attempts"))


def main() -> None:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-recovery-"))
    configure(args, var_dir)

    from django.conf import settings

    from portal.customers.models import Customer
    from portal.operations import services
    from portal.operations.models import OPEN_STATES, Operation, OperationAttempt
    from tests.vendors.options import required_options
    from vendors.registry import get_adapter_class
    from vendors.sandbox import SandboxServer
    from vendors.types import ProductKind

    sandbox = SandboxServer(VENDORS, seed_tenants=0, rate_limits=False).start()
    beat = start_beat(var_dir)
    worker = start_worker(var_dir, args.concurrency)
    try:
        connections = {v: connect(sandbox, v) for v in VENDORS}
        for vendor in VENDORS:
            sandbox.set_faults(vendor, latency_ms=args.latency_ms, only_writes=True)
        ids = []
        for i in range(args.operations):
            connection = connections[VENDORS[i % len(VENDORS)]]
            product = connection.products.exclude(kind=ProductKind.ADDON).order_by("pk").first()
            customer = Customer.objects.create(
                name=f"Recovery {uuid.uuid4().hex[:6]}", contact_email=f"it{i}@bench.example",
                contact_name="Ada Bench", country="GB",
            )  # fmt: skip
            op = services.tenant_create(
                customer=customer,
                connection=connection,
                product_code=product.code,
                seats=2,
                options=required_options(get_adapter_class(connection.vendor)),
            )
            ids.append(op.pk)

        kills: list[tuple[float, dict[int, int]]] = []
        for _ in range(args.kills):
            deadline = time.monotonic() + 120
            while not running_attempts(ids) and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(args.latency_ms / 2000)  # mid-call: the writes are at the vendor
            at_kill = running_attempts(ids)
            killed_at = time.time()
            stop(worker, signal.SIGKILL)
            kills.append((killed_at, at_kill))
            print(f"killed the worker with {len(at_kill)} attempts running", file=sys.stderr)
            worker = start_worker(var_dir, args.concurrency)

        deadline = time.monotonic() + args.stuck_after
        while Operation.objects.filter(pk__in=ids, state__in=OPEN_STATES).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)

        started: dict[tuple[int, int], float] = {
            (a.operation_id, a.number): a.started_at.timestamp()
            for a in OperationAttempt.objects.filter(operation_id__in=ids)
        }
        recoveries = []
        for killed_at, at_kill in kills:
            for pk, number in at_kill.items():
                following = started.get((pk, number + 1))
                recoveries.append(
                    following - killed_at if following else args.stuck_after  # never retried
                )
        operations = list(Operation.objects.filter(pk__in=ids).select_related("connection"))
        for op in operations:
            if op.state != "succeeded":
                print(f"#{op.pk} {op.kind} {op.state}: {op.last_error}", file=sys.stderr)
        created = {v: 0 for v in VENDORS}
        for op in operations:
            if op.state == "succeeded":
                created[op.connection.vendor] += 1
        duplicates = sum(
            max(0, sandbox.journal.count_actions(v, "create_tenant") - created[v]) for v in VENDORS
        )
        figures = {
            "operations": len(operations),
            "succeeded": sum(1 for op in operations if op.state == "succeeded"),
            "failed": sum(1 for op in operations if op.state == "failed"),
            "kills": len(kills),
            "attempts_killed": len(recoveries),
            "recovery_p50_s": round(percentile(recoveries, 0.5), 1),
            "recovery_p95_s": round(percentile(recoveries, 0.95), 1),
            "recovery_max_s": round(max(recoveries, default=0.0), 1),
            "duplicate_vendor_changes": duplicates,
            "stuck": sum(1 for op in operations if op.state in OPEN_STATES),
            "lease_s": settings.OPERATIONS_LEASE_SECONDS,
            "latency_ms": args.latency_ms,
            "concurrency": args.concurrency,
            "database": "sqlite" if not args.database_url else args.database_url.split(":")[0],
            "broker": settings.CELERY_BROKER_URL.split(":")[0],
        }
        print(json.dumps(figures))
    finally:
        stop(worker)
        stop(beat)
        sandbox.stop()


if __name__ == "__main__":
    main()
