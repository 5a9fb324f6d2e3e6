"""Client-side rate limits per vendor connection.

A sliding one-second window (and a per-UTC-day quota where the vendor has one, as Egnyte does).
With Redis the window is shared by every worker process (one Lua script, Redis' own clock);
without Redis it holds within the process only, which is what the zero-setup demo runs.

On top of the window, shared through Redis by every host:

- a **cool-down** per key: a vendor's ``Retry-After`` (or its own throttle answer) stops every
  process calling that credential until it ends (``set_cooldown``);
- a **reserved share** for interactive work: a ``lane="bulk"`` caller (sync, usage) is admitted
  only while the window holds fewer than ``(1 - reserve)`` of the vendor's calls per second (and
  of its daily quota), so a staff operation always finds room in the vendor's one limit;
- ``max_wait``: a wait longer than this raises ``WaitTooLong`` instead of sleeping, so a Celery
  task is re-enqueued with a countdown rather than holding its worker slot;
- a **cap on calls in flight** (``in_flight``): a lease-based semaphore whose leases expire, so a
  process that dies mid-call frees its slot after the lease time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateLimit:
    per_second: float | None = None
    per_day: int | None = None


OPS = "ops"
BULK = "bulk"


class RateLimiter(Protocol):
    def acquire(
        self,
        key: str,
        limit: RateLimit,
        *,
        lane: str = OPS,
        reserve: float = 0.0,
        max_wait: float | None = None,
    ) -> None:
        """Block until one call under ``key`` fits in ``limit`` (``WaitTooLong`` past max_wait)."""

    def remaining_today(self, key: str, limit: RateLimit) -> int | None:
        """Calls left in today's quota, or ``None`` when the vendor has no daily quota."""

    def set_cooldown(self, key: str, seconds: float) -> None:
        """Hold every caller of ``key`` back for ``seconds`` (never shortens a longer one)."""

    def cooldown_remaining(self, key: str) -> float:
        """Seconds left of the cool-down on ``key`` (0 when none)."""

    def in_flight(
        self, key: str, cap: int, *, lease_seconds: float, max_wait: float | None = None
    ) -> contextlib.AbstractContextManager[None]:
        """Hold one of ``cap`` slots for calls in flight under ``key`` while the block runs."""


class DailyQuotaExhausted(Exception):
    """Raised by ``acquire`` when the daily quota is spent; the caller treats it as transient."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"daily API quota exhausted; resets in {retry_after:.0f}s")
        self.retry_after = retry_after


class WaitTooLong(Exception):
    """Admission would wait longer than ``max_wait``: the caller reschedules instead of sleeping."""

    def __init__(self, retry_after: float, reason: str) -> None:
        super().__init__(f"{reason}: next call possible in {retry_after:.1f}s")
        self.retry_after = retry_after
        self.reason = reason


def _lane_share(lane: str, reserve: float) -> float:
    """The part of the vendor's limit a lane may fill: bulk leaves ``reserve`` to operations."""
    return 1.0 - min(max(reserve, 0.0), 0.9) if lane == BULK else 1.0


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
        self._in_flight: dict[str, int] = defaultdict(int)
        self._in_flight_changed = threading.Condition()

    def acquire(
        self,
        key: str,
        limit: RateLimit,
        *,
        lane: str = OPS,
        reserve: float = 0.0,
        max_wait: float | None = None,
    ) -> None:
        share = _lane_share(lane, reserve)
        while True:
            with self._lock:
                now = self._clock()
                if limit.per_day is not None:
                    day = (key, _day_key(time.time()))
                    if self._day_counts[day] >= max(1, int(limit.per_day * share)):
                        raise DailyQuotaExhausted(_seconds_to_midnight_utc(time.time()))
                wait = self._window_wait(key, limit, now, share)
                if wait <= 0:
                    self._calls[key].append(now)
                    if limit.per_day is not None:
                        self._day_counts[day] += 1
                    return
            if max_wait is not None and wait > max_wait:
                raise WaitTooLong(wait, "client-side rate limit")
            self._sleep(wait)

    def _window_wait(self, key: str, limit: RateLimit, now: float, share: float = 1.0) -> float:
        if not limit.per_second:
            return 0.0
        window = self._calls[key]
        while window and window[0] <= now - 1.0:
            window.popleft()
        allowed = max(1.0, limit.per_second * share)
        if len(window) < allowed:
            return 0.0
        # The call that frees room is the one ``allowed`` places from the end of the window.
        return window[len(window) - math.ceil(allowed)] + 1.0 - now

    def set_cooldown(self, key: str, seconds: float) -> None:
        """Without Redis there is one process: the throttled adapter waits itself (a no-op)."""

    def cooldown_remaining(self, key: str) -> float:
        return 0.0

    @contextlib.contextmanager
    def in_flight(
        self, key: str, cap: int, *, lease_seconds: float, max_wait: float | None = None
    ) -> Iterator[None]:
        """A counting semaphore within the process (no lease needed: threads cannot vanish)."""
        deadline = None if max_wait is None else time.monotonic() + max_wait
        with self._in_flight_changed:
            while self._in_flight[key] >= cap:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise WaitTooLong(0.5, f"{cap} calls already in flight")
                self._in_flight_changed.wait(left)
            self._in_flight[key] += 1
        try:
            yield
        finally:
            with self._in_flight_changed:
                self._in_flight[key] -= 1
                self._in_flight_changed.notify()

    def remaining_today(self, key: str, limit: RateLimit) -> int | None:
        if limit.per_day is None:
            return None
        with self._lock:
            return max(0, limit.per_day - self._day_counts[(key, _day_key(time.time()))])


# KEYS[1] window zset, KEYS[2] day counter, KEYS[3] cool-down;
# ARGV: per_second admitted for this lane (0 none), per_day admitted for this lane (-1 none), nonce.
# Returns 0 when admitted, -1 when the daily quota is spent, else microseconds to wait
# (-2 - micros while a cool-down holds, so the caller can say why it waits).
_ACQUIRE_LUA = """
local cooling = redis.call('PTTL', KEYS[3])
if cooling > 0 then return -2 - cooling * 1000 end
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
  local count = redis.call('ZCARD', KEYS[1])
  if count >= per_second then
    -- room comes back when the call ceil(per_second) places from the newest leaves the window
    local index = count - math.ceil(per_second)
    local freeing = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
    return math.max(1, tonumber(freeing[2]) + 1000000 - now)
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

# KEYS[1] cool-down key; ARGV[1] milliseconds. Only ever lengthens the cool-down.
_COOLDOWN_LUA = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
"""

# KEYS[1] lease zset (member: token, score: expiry in ms); ARGV: cap, lease ms, token.
# Returns 0 when a slot was leased, else milliseconds until the earliest lease expires.
_LEASE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 0
end
local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(earliest[2]) - now)
"""

#: How often a caller waiting for a slot in flight looks again (a slot is usually released by
#: the call that held it long before its lease would expire).
LEASE_POLL_SECONDS = 0.02


class RedisRateLimiter:
    """Sliding window, cool-downs and calls in flight shared by all processes through Redis."""

    def __init__(
        self,
        url: str,
        prefix: str = "portal:ratelimit",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_ACQUIRE_LUA)
        self._cooldown_script = self._redis.register_script(_COOLDOWN_LUA)
        self._lease_script = self._redis.register_script(_LEASE_LUA)
        self._prefix = prefix
        self._sleep = sleep
        self._nonce = 0
        self._lock = threading.Lock()

    def _keys(self, key: str) -> list[str]:
        return [
            f"{self._prefix}:{key}:window",
            f"{self._prefix}:{key}:day:{_day_key(time.time())}",
            f"{self._prefix}:{key}:cooldown",
        ]

    def _next_nonce(self) -> str:
        with self._lock:
            self._nonce += 1
            return f"{id(self)}:{threading.get_ident()}:{self._nonce}"

    def acquire(
        self,
        key: str,
        limit: RateLimit,
        *,
        lane: str = OPS,
        reserve: float = 0.0,
        max_wait: float | None = None,
    ) -> None:
        share = _lane_share(lane, reserve)
        per_second = max(1.0, float(limit.per_second) * share) if limit.per_second else 0.0
        per_day = -1 if limit.per_day is None else max(1, int(limit.per_day * share))
        while True:
            nonce = self._next_nonce()
            result = int(self._script(keys=self._keys(key), args=[per_second, per_day, nonce]))
            if result == 0:
                return
            if result == -1:
                raise DailyQuotaExhausted(_seconds_to_midnight_utc(time.time()))
            if result < -1:
                wait, reason = (-2 - result) / 1_000_000, "vendor asked to slow down (cool-down)"
            else:
                wait, reason = result / 1_000_000, "client-side rate limit"
            if max_wait is not None and wait > max_wait:
                raise WaitTooLong(wait, reason)
            self._sleep(wait)

    def remaining_today(self, key: str, limit: RateLimit) -> int | None:
        if limit.per_day is None:
            return None
        used = int(self._redis.get(self._keys(key)[1]) or 0)
        return max(0, limit.per_day - used)

    def set_cooldown(self, key: str, seconds: float) -> None:
        milliseconds = int(seconds * 1000)
        if milliseconds > 0:
            self._cooldown_script(keys=[self._keys(key)[2]], args=[milliseconds])

    def cooldown_remaining(self, key: str) -> float:
        milliseconds = int(self._redis.pttl(self._keys(key)[2]))
        return max(0, milliseconds) / 1000

    @contextlib.contextmanager
    def in_flight(
        self, key: str, cap: int, *, lease_seconds: float, max_wait: float | None = None
    ) -> Iterator[None]:
        """Lease one of ``cap`` slots; the lease expires after ``lease_seconds`` if never freed."""
        slots = f"{self._prefix}:{key}:inflight"
        token = uuid.uuid4().hex
        waited = 0.0
        while True:
            result = int(
                self._lease_script(keys=[slots], args=[cap, int(lease_seconds * 1000), token])
            )
            if result == 0:
                break
            pause = min(LEASE_POLL_SECONDS, result / 1000)
            if max_wait is not None and waited + pause > max_wait:
                raise WaitTooLong(result / 1000, f"{cap} calls already in flight")
            self._sleep(pause)
            waited += pause
        try:
            yield
        finally:
            self._redis.zrem(slots, token)

    def in_flight_count(self, key: str) -> int:
        """Leases held now (expired ones included until the next lease attempt sweeps them)."""
        return int(self._redis.zcard(f"{self._prefix}:{key}:inflight"))


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


def detail_concurrency(limit: RateLimit, cap: int) -> int:
    """Threads one connection may read details on: at most ``cap``, and no more than the vendor's
    documented calls per second (one call takes well under a second, so more threads would only
    queue in ``acquire``); the limiter still admits every call."""
    cap = max(1, cap)
    if limit.per_second:
        return max(1, min(cap, math.ceil(limit.per_second)))
    return cap
