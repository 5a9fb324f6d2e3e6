"""Client-side rate limits per vendor connection.

A sliding one-second window (and a per-UTC-day quota where the vendor has one, as Egnyte does).
With Redis the window is shared by every worker process (one Lua script, Redis' own clock);
without Redis it holds within the process only, which is what the zero-setup demo runs.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateLimit:
    per_second: float | None = None
    per_day: int | None = None


class RateLimiter(Protocol):
    def acquire(self, key: str, limit: RateLimit) -> None:
        """Block until one call under ``key`` fits in ``limit``."""

    def remaining_today(self, key: str, limit: RateLimit) -> int | None:
        """Calls left in today's quota, or ``None`` when the vendor has no daily quota."""


class DailyQuotaExhausted(Exception):
    """Raised by ``acquire`` when the daily quota is spent; the caller treats it as transient."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"daily API quota exhausted; resets in {retry_after:.0f}s")
        self.retry_after = retry_after


def _seconds_to_midnight_utc(now: float) -> float:
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    return midnight.timestamp() - now


def _day_key(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%d")


class InProcessRateLimiter:
    """Thread-safe sliding window for one process."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._day_counts: dict[tuple[str, str], int] = defaultdict(int)
        self._clock = clock
        self._sleep = sleep

    def acquire(self, key: str, limit: RateLimit) -> None:
        while True:
            with self._lock:
                now = self._clock()
                if limit.per_day is not None:
                    day = (key, _day_key(time.time()))
                    if self._day_counts[day] >= limit.per_day:
                        raise DailyQuotaExhausted(_seconds_to_midnight_utc(time.time()))
                wait = self._window_wait(key, limit, now)
                if wait <= 0:
                    self._calls[key].append(now)
                    if limit.per_day is not None:
                        self._day_counts[day] += 1
                    return
            self._sleep(wait)

    def _window_wait(self, key: str, limit: RateLimit, now: float) -> float:
        if not limit.per_second:
            return 0.0
        window = self._calls[key]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) < limit.per_second:
            return 0.0
        return window[0] + 1.0 - now

    def remaining_today(self, key: str, limit: RateLimit) -> int | None:
        if limit.per_day is None:
            return None
        with self._lock:
            return max(0, limit.per_day - self._day_counts[(key, _day_key(time.time()))])


# KEYS[1] window zset, KEYS[2] day counter; ARGV: per_second, per_day (-1 none), member nonce.
# Returns 0 when admitted, -1 when the daily quota is spent, else microseconds to wait.
_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per_second = tonumber(ARGV[1])
local per_day = tonumber(ARGV[2])
if per_day >= 0 then
  local used = tonumber(redis.call('GET', KEYS[2]) or '0')
  if used >= per_day then return -1 end
end
if per_second > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000000)
  if redis.call('ZCARD', KEYS[1]) >= per_second then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return math.max(1, tonumber(oldest[2]) + 1000000 - now)
  end
  redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. now)
  redis.call('PEXPIRE', KEYS[1], 2000)
end
if per_day >= 0 then
  redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], 90000)
end
return 0
"""


class RedisRateLimiter:
    """Sliding window shared by all processes through Redis."""

    def __init__(
        self,
        url: str,
        prefix: str = "portal:ratelimit",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_ACQUIRE_LUA)
        self._prefix = prefix
        self._sleep = sleep
        self._nonce = 0
        self._lock = threading.Lock()

    def _keys(self, key: str) -> list[str]:
        return [f"{self._prefix}:{key}:window", f"{self._prefix}:{key}:day:{_day_key(time.time())}"]

    def acquire(self, key: str, limit: RateLimit) -> None:
        per_second = float(limit.per_second or 0)
        per_day = -1 if limit.per_day is None else limit.per_day
        while True:
            with self._lock:
                self._nonce += 1
                nonce = f"{id(self)}:{threading.get_ident()}:{self._nonce}"
            result = int(self._script(keys=self._keys(key), args=[per_second, per_day, nonce]))
            if result == 0:
                return
            if result < 0:
                raise DailyQuotaExhausted(_seconds_to_midnight_utc(time.time()))
            self._sleep(result / 1_000_000)

    def remaining_today(self, key: str, limit: RateLimit) -> int | None:
        if limit.per_day is None:
            return None
        used = int(self._redis.get(self._keys(key)[1]) or 0)
        return max(0, limit.per_day - used)


_shared: dict[str | None, RateLimiter] = {}
_shared_lock = threading.Lock()


def get_rate_limiter(redis_url: str | None = None) -> RateLimiter:
    """One limiter per process and backend, so every adapter of a connection shares it."""
    with _shared_lock:
        if redis_url not in _shared:
            _shared[redis_url] = (
                RedisRateLimiter(redis_url) if redis_url else InProcessRateLimiter()
            )
        return _shared[redis_url]
