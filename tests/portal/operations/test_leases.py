"""Leases: a long vendor call keeps its claim; a run whose lease lapsed is fenced off.

In-process with ``transactional_db``: the run happens in a thread of its own (as in a worker,
its heartbeat thread writes through its own connection and must see committed rows), while the
test plays the reaper. The worker-process case (SIGKILL, lapse, one vendor change) is in
test_worker.py.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.operations.engine import RunOutcome, operation_run, operations_reap
from portal.operations.models import Operation

from .conftest import connect, create_request

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
VENDOR = "trendmicro"
LEASE = 1.0
LATENCY_MS = 3000


@pytest.fixture
def short_lease(settings):
    settings.OPERATIONS_LEASE_SECONDS = LEASE
    settings.OPERATIONS_LEASE_RENEW_SECONDS = LEASE / 4


def request_create(sandbox) -> Operation:
    return create_request(connect(sandbox, VENDOR), seats=4)


class Run(threading.Thread):
    """``operation_run`` in a thread of its own, as a worker's pool process would run it."""

    def __init__(self, operation_id: int) -> None:
        super().__init__(daemon=True)
        self.operation_id = operation_id
        self.outcome: RunOutcome | None = None

    def run(self) -> None:
        try:
            self.outcome = operation_run(self.operation_id)
        finally:
            db_connection.close()


def in_flight(sandbox) -> bool:
    return any(e.write and e.status is None for e in sandbox.journal.entries(VENDOR))


def wait_for(predicate, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_long_vendor_call_keeps_its_lease_and_is_never_reaped(sandbox, short_lease):
    sandbox.set_faults(VENDOR, latency_ms=LATENCY_MS, only_writes=True)  # three leases long
    operation = request_create(sandbox)
    run = Run(operation.pk)
    run.start()
    wait_for(lambda: in_flight(sandbox), "the create to be in flight at the vendor")

    reaped, leases = [], set()
    while run.is_alive():
        reaped += operations_reap()
        row = Operation.objects.values("state", "claimed_at", "lease_expires_at").get(
            pk=operation.pk
        )
        if row["state"] == "running":
            leases.add(row["lease_expires_at"])
        time.sleep(0.1)
    run.join()

    assert reaped == []
    operation.refresh_from_db()
    assert (operation.state, operation.attempts) == ("succeeded", 1)
    assert [a.outcome for a in operation.attempt_log.all()] == ["applied"]
    # The heartbeat moved the lease on, well past the one the claim took.
    assert max(leases) - operation.claimed_at > timedelta(seconds=2 * LEASE)
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1


def test_a_late_worker_is_refused_by_the_fencing_and_the_next_attempt_runs_once(
    sandbox, short_lease
):
    sandbox.set_faults(VENDOR, latency_ms=LATENCY_MS, only_writes=True)
    operation = request_create(sandbox)
    late = Run(operation.pk)
    late.start()
    wait_for(lambda: in_flight(sandbox), "the create to be in flight at the vendor")

    # As the reaper sees it once the worker stalled past its lease (its heartbeats stopped).
    reaped = operations_reap(now=timezone.now() + timedelta(seconds=60))
    late.join(timeout=30)

    assert reaped == [operation.pk]
    # The late worker got the vendor's answer, and wrote nothing with it.
    assert late.outcome is not None and late.outcome.state == "verifying"
    operation.refresh_from_db()
    assert (operation.state, operation.attempts, operation.tenant_id) == ("verifying", 1, None)
    assert [a.outcome for a in operation.attempt_log.all()] == ["worker_lost"]

    sandbox.set_faults(VENDOR)
    outcome = operation_run(operation.pk)  # the re-enqueued run: attempt 2 reads back

    assert outcome.state == "succeeded"
    operation.refresh_from_db()
    assert [a.outcome for a in operation.attempt_log.all()] == ["worker_lost", "verified"]
    succeeded = AuditEvent.objects.filter(action="operation.succeeded", object_id=operation.pk)
    assert [e.detail["attempt"] for e in succeeded] == [2]
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1
