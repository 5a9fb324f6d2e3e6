"""Acceptance 2 through a real worker process: SIGKILL mid-call ends in exactly one change."""

from __future__ import annotations

import signal
import time

import pytest

from portal.operations.models import Operation
from portal.operations.tasks import reap_stuck_operations

from .conftest import connect, create_request

pytestmark = [pytest.mark.worker, pytest.mark.slow]
VENDOR = "trendmicro"
LEASE = 2


@pytest.fixture
def short_deadline(monkeypatch, settings):
    """A short lease, in the environment before the worker starts and in this process's reaper."""
    monkeypatch.setenv("OPERATIONS_LEASE_SECONDS", str(LEASE))
    monkeypatch.setenv("OPERATIONS_LEASE_RENEW_SECONDS", str(LEASE / 4))
    monkeypatch.setenv("OPERATIONS_RETRY_BASE_SECONDS", "0.2")
    settings.OPERATIONS_LEASE_SECONDS = LEASE


def wait_for(predicate, what: str, timeout: float = 45.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def state(operation: Operation) -> str:
    return Operation.objects.values_list("state", flat=True).get(pk=operation.pk)


def request_create(sandbox) -> Operation:
    return create_request(connect(sandbox, VENDOR), seats=7)


def test_it_runs_an_operation_through_the_broker_and_a_real_worker(
    short_deadline, celery_worker_process, sandbox
):
    operation = request_create(sandbox)  # enqueued on commit (transactional_db)

    wait_for(lambda: state(operation) == "succeeded", "the worker to finish the operation")

    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1
    operation.refresh_from_db()
    assert operation.tenant.subscriptions.get().seats == 7


def test_it_ends_with_one_vendor_change_after_the_worker_is_killed_mid_call(
    short_deadline, celery_worker_process, sandbox
):
    sandbox.set_faults(VENDOR, latency_ms=3000, only_writes=True)
    operation = request_create(sandbox)
    in_flight = wait_for(
        lambda: [e for e in sandbox.journal.entries(VENDOR) if e.write and e.status is None],
        "the create to be in flight at the vendor",
    )
    assert state(operation) == "running"

    celery_worker_process.kill(signal.SIGKILL)
    # The vendor still applies the request it received; the worker never hears about it.
    wait_for(lambda: in_flight[0].status is not None, "the vendor to finish the request")
    sandbox.set_faults(VENDOR)
    assert state(operation) == "running"
    celery_worker_process.restart()
    time.sleep(LEASE + 0.5)  # the kill was more than a lease ago: it lapsed without a heartbeat

    reaped = reap_stuck_operations.apply_async().get(timeout=30)

    assert reaped == [operation.pk]
    wait_for(lambda: state(operation) == "succeeded", "the reaped operation to succeed")
    operation.refresh_from_db()
    outcomes = [a.outcome for a in operation.attempt_log.all()]
    # Redstor creates in two writes (company, then subscription): the kill lands on the first,
    # so the read-back finds a company without its subscription and the resumed create adds
    # only the subscription ("applied"); had it landed on the last write, "verified".
    assert outcomes[0] == "worker_lost" and outcomes[-1] in ("applied", "verified")
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1
    assert len(sandbox.sandboxes[VENDOR].snapshot()["tenants"]) == 5 + 1
    assert operation.tenant.subscriptions.count() == 1
