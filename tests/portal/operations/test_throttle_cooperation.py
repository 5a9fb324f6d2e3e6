"""An operation never sleeps out a long vendor throttle in its worker slot: it re-enqueues."""

from __future__ import annotations

import os
import time

import pytest

from portal.operations.engine import _forget_adapter, operation_run
from portal.sync.adapters import connection_adapter
from tests.vendors.test_shared_throttling import redis_available
from vendors.ratelimit import RedisRateLimiter

from .conftest import connect, create_request

VENDOR = "trendmicro"


def test_it_reenqueues_an_operation_throttled_for_long_instead_of_sleeping(sandbox, db):
    connection = connect(sandbox, VENDOR)
    operation = create_request(connection)
    sandbox.set_faults(VENDOR, throttle_rate=1.0, only_writes=True, max_faults=1, retry_after=5)

    started = time.monotonic()
    outcome = operation_run(operation.pk)

    assert time.monotonic() - started < 2.0  # the 5 s were not waited out in the worker slot
    assert outcome.state == "pending"
    assert outcome.rerun_in is not None and 4.0 <= outcome.rerun_in <= 5.0
    writes = [e.outcome for e in sandbox.journal.entries(VENDOR) if e.write]
    assert writes == ["fault:throttle"]


def _redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def _cool_down(connection, seconds: float) -> None:
    """Another host was told by the vendor to slow down on this connection's credential."""
    adapter = connection_adapter(connection)
    RedisRateLimiter(_redis_url()).set_cooldown(adapter.limit_key, seconds)


needs_redis = pytest.mark.skipif(
    not redis_available() and not os.environ.get("CI"), reason="needs Redis"
)


@needs_redis
def test_a_held_back_run_reenqueues_without_spending_an_attempt(sandbox, db, settings):
    settings.REDIS_URL = _redis_url()
    connection = connect(sandbox, VENDOR)
    operation = create_request(connection)
    operation.max_attempts = 1
    operation.save(update_fields=["max_attempts"])
    _cool_down(connection, 3)
    since = sandbox.journal.last_seq

    started = time.monotonic()
    outcome = operation_run(operation.pk)

    assert time.monotonic() - started < 1.5  # the cool-down was not slept out in the slot
    assert outcome.state == "pending"
    assert outcome.rerun_in is not None and 2.0 <= outcome.rerun_in <= 3.5
    assert sandbox.journal.entries(VENDOR, since=since) == []  # nothing reached the vendor
    operation.refresh_from_db()
    assert (operation.attempts, operation.held_back) == (1, 1)
    assert operation.attempt_log.get(number=1).outcome == "held_back"

    # Its one allowed attempt is still there: once the cool-down ends it is sent, not failed,
    # and sent as a first attempt (nothing to read back: the held-back one sent nothing).
    time.sleep(3.1)
    outcome = operation_run(operation.pk)
    assert outcome.state == "succeeded"
    sent = [e.method for e in sandbox.journal.entries(VENDOR, since=since)]
    operation.refresh_from_db()
    assert (operation.attempts, operation.held_back) == (2, 1)
    unheld = create_request(connection)
    _forget_adapter(connection.pk)  # a fresh adapter, as the held-back run had (no plans read)
    since = sandbox.journal.last_seq
    assert operation_run(unheld.pk).state == "succeeded"
    assert sent == [e.method for e in sandbox.journal.entries(VENDOR, since=since)]


@needs_redis
def test_held_back_attempts_never_count_towards_giving_up(sandbox, db, settings):
    settings.REDIS_URL = _redis_url()
    connection = connect(sandbox, VENDOR)
    operation = create_request(connection)
    operation.max_attempts = 2
    operation.save(update_fields=["max_attempts"])
    for _ in range(3):
        _cool_down(connection, 2)
        assert operation_run(operation.pk).state == "pending"
    operation.refresh_from_db()
    assert (operation.attempts, operation.held_back, operation.state) == (3, 3, "pending")
