"""Throttling that cooperates across hosts: cool-downs, the operations' reserved share and the
cap on calls in flight are held in Redis, so every process on every host honours them."""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid

import pytest
import redis

from vendors.errors import VendorRateWait, VendorThrottled
from vendors.ratelimit import BULK, OPS, RateLimit, RedisRateLimiter, WaitTooLong
from vendors.registry import get_adapter_class

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
VENDOR = "trendmicro"  # LMPI documents no rate limit: only the cool-down holds calls back


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_available() and not os.environ.get("CI"), reason="needs Redis"
)


def _adapter(sandbox, key: str, **kwargs):
    return get_adapter_class(VENDOR)(
        sandbox.vendor_url(VENDOR),
        sandbox.sandboxes[VENDOR].credentials(),
        limit_key=key,
        rate_limiter=RedisRateLimiter(REDIS_URL),
        **kwargs,
    )


def _throttled_in_another_process(base_url: str, credentials: dict, key: str) -> None:
    """Another host's worker: the vendor throttles it and it gives the wait back to its task."""
    adapter = get_adapter_class(VENDOR)(
        base_url, credentials, limit_key=key, rate_limiter=RedisRateLimiter(REDIS_URL), max_wait=1
    )
    try:
        adapter.test_connection()
    except VendorThrottled:
        return
    raise AssertionError("the sandbox was armed to throttle this call")


def test_it_honours_a_cool_down_another_process_got_from_the_vendor(sandbox):
    key = f"test-cooldown-{uuid.uuid4().hex}"
    sandbox.set_faults(VENDOR, throttle_rate=1.0, max_faults=1, retry_after=4)
    context = multiprocessing.get_context("spawn")
    other = context.Process(
        target=_throttled_in_another_process,
        args=(sandbox.vendor_url(VENDOR), sandbox.sandboxes[VENDOR].credentials(), key),
    )
    other.start()
    other.join(timeout=60)
    assert other.exitcode == 0
    since = sandbox.journal.last_seq

    # This process never saw the 429, yet it does not call the vendor until the cool-down ends.
    with pytest.raises(VendorRateWait) as held:
        _adapter(sandbox, key, max_wait=1).test_connection()
    assert 2.0 < held.value.retry_after <= 4.0
    assert sandbox.journal.entries(VENDOR, since=since) == []

    started = time.monotonic()
    _adapter(sandbox, key).test_connection()  # without max_wait it waits the cool-down out
    assert time.monotonic() - started > 1.5
    assert [e.outcome for e in sandbox.journal.entries(VENDOR, since=since)] == ["ok"]


def test_a_cool_down_never_shortens_a_longer_one():
    key = f"test-cooldown-{uuid.uuid4().hex}"
    RedisRateLimiter(REDIS_URL).set_cooldown(key, 30)
    RedisRateLimiter(REDIS_URL).set_cooldown(key, 1)
    assert RedisRateLimiter(REDIS_URL).cooldown_remaining(key) > 25


def test_bulk_work_leaves_operations_their_reserved_share():
    key = f"test-reserve-{uuid.uuid4().hex}"
    limit = RateLimit(per_second=4)
    bulk, ops = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
    for _ in range(2):
        bulk.acquire(key, limit, lane=BULK, reserve=0.5, max_wait=0)
    with pytest.raises(WaitTooLong):
        bulk.acquire(key, limit, lane=BULK, reserve=0.5, max_wait=0)  # half is the bulk share
    for _ in range(2):
        ops.acquire(key, limit, lane=OPS, reserve=0.5, max_wait=0)  # the reserve is still free
    with pytest.raises(WaitTooLong):
        ops.acquire(key, limit, lane=OPS, reserve=0.5, max_wait=0)  # the vendor's one limit


def test_bulk_work_leaves_operations_their_share_of_the_daily_quota():
    key = f"test-reserve-day-{uuid.uuid4().hex}"
    limit = RateLimit(per_day=10)
    limiter = RedisRateLimiter(REDIS_URL)
    for _ in range(8):
        limiter.acquire(key, limit, lane=BULK, reserve=0.2)
    with pytest.raises(Exception, match="daily API quota"):
        limiter.acquire(key, limit, lane=BULK, reserve=0.2)
    limiter.acquire(key, limit, lane=OPS, reserve=0.2)
    assert limiter.remaining_today(key, limit) == 1


def _hold_a_slot_and_die(key: str) -> None:
    """A worker killed mid-call: its lease is never released."""
    with RedisRateLimiter(REDIS_URL).in_flight(key, 1, lease_seconds=1.5):
        os._exit(0)


def test_calls_in_flight_are_capped_across_processes_and_a_dead_holder_frees_its_slot():
    key = f"test-inflight-{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")
    dead = context.Process(target=_hold_a_slot_and_die, args=(key,))
    dead.start()
    dead.join(timeout=60)
    assert dead.exitcode == 0
    limiter = RedisRateLimiter(REDIS_URL)
    assert limiter.in_flight_count(key) == 1
    with pytest.raises(WaitTooLong), limiter.in_flight(key, 1, lease_seconds=5, max_wait=0.1):
        pass
    started = time.monotonic()
    with limiter.in_flight(key, 1, lease_seconds=5):  # the dead process' lease expires
        assert limiter.in_flight_count(key) == 1
    assert time.monotonic() - started < 2.0
    assert limiter.in_flight_count(key) == 0


def test_an_adapter_capped_in_flight_is_held_back_while_the_slots_are_taken(sandbox):
    key = f"test-inflight-{uuid.uuid4().hex}"
    since = sandbox.journal.last_seq
    held = RedisRateLimiter(REDIS_URL).in_flight(key, 1, lease_seconds=10)
    with held, pytest.raises(VendorRateWait):
        _adapter(sandbox, key, max_in_flight=1, max_wait=0.2).test_connection()
    assert sandbox.journal.entries(VENDOR, since=since) == []
    _adapter(sandbox, key, max_in_flight=1, max_wait=0.2).test_connection()
    assert len(sandbox.journal.entries(VENDOR, since=since)) == 1
