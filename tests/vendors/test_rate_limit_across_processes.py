"""Two worker processes sharing one connection stay within its rate limit (Redis-backed)."""

from __future__ import annotations

import multiprocessing
import os

import pytest
import redis

from vendors.ratelimit import RateLimit, RedisRateLimiter

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
RATE = 5
CALLS_PER_PROCESS = 12


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _worker(base_url: str, credentials: dict, limit_key: str) -> None:
    from vendors.registry import get_adapter_class

    adapter_class = get_adapter_class("trendmicro")
    adapter_class.rate_limit = RateLimit(per_second=RATE)
    adapter = adapter_class(
        base_url, credentials, limit_key=limit_key, rate_limiter=RedisRateLimiter(REDIS_URL)
    )
    for _ in range(CALLS_PER_PROCESS):
        adapter.test_connection()


@pytest.mark.skipif(not redis_available() and not os.environ.get("CI"), reason="needs Redis")
def test_two_processes_sharing_a_connection_stay_within_its_rate(sandbox):
    vendor = "trendmicro"
    key = f"test-shared-{os.getpid()}"
    client = redis.Redis.from_url(REDIS_URL)
    for stale in client.keys(f"portal:ratelimit:{key}*"):
        client.delete(stale)
    args = (sandbox.vendor_url(vendor), sandbox.sandboxes[vendor].credentials(), key)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=args) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    stamps = sorted(e.ts for e in sandbox.journal.entries(vendor))
    assert len(stamps) == 2 * CALLS_PER_PROCESS
    # The client admits a call one second after the call it replaces; arrival at the sandbox
    # jitters by milliseconds, so windows are measured a little short of a second.
    busiest = max(sum(1 for t in stamps if start <= t < start + 0.95) for start in stamps)
    assert busiest <= RATE
    assert stamps[-1] - stamps[0] >= (len(stamps) / RATE) - 1.5  # they really were held back
