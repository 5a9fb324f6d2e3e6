"""Quota planning for vendors with a daily quota (Egnyte: 1,000 calls a day per token).

Before a sync or a usage collection starts, its calls are estimated (what the last such run of the
connection made, else the adapter's estimate from the mirror's tenant count) and compared with
what is left of today's quota above the reserve kept for staff operations (SYNC_QUOTA_RESERVE of
the quota). A run that does not fit is not started: it is recorded as deferred, with the time it
will run (after the quota resets at 00:00 UTC, spread by connection over
SYNC_QUOTA_SPREAD_MINUTES), and queued for then. A run that reaches the reserve while it runs
stops (``QuotaReserveReached``) and is deferred the same way. Vendors without a daily quota are
never planned.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from portal.catalog.models import VendorConnection
from portal.customers.models import Tenant
from vendors.http import HttpVendorAdapter
from vendors.ratelimit import RateLimit, RateLimiter
from vendors.registry import get_adapter_class

from .models import SyncRun, SyncRunStatus, SyncScope


class QuotaReserveReached(Exception):
    """Raised mid-run when the next call would eat into the reserve kept for operations."""


class ReserveKeepingLimiter:
    """The connection's shared limiter, refusing a run's next call once only the reserve is
    left today (checked before each call, so the reserve is kept to the call)."""

    def __init__(self, inner: RateLimiter, reserve: int) -> None:
        self.inner = inner
        self.reserve = reserve

    def acquire(self, key: str, limit: RateLimit, **kwargs: Any) -> None:
        if limit.per_day is not None:
            left = self.inner.remaining_today(key, limit)
            if left is not None and left <= self.reserve:
                raise QuotaReserveReached(f"{left} calls left today are kept for staff operations")
        self.inner.acquire(key, limit, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass(frozen=True)
class QuotaPlan:
    """A run's estimated calls against what today's quota has left above the reserve."""

    per_day: int | None
    remaining: int | None
    reserve: int
    estimate: int

    @property
    def available(self) -> int | None:
        """Calls a sync or usage run may still make today (None: no daily quota)."""
        if self.remaining is None:
            return None
        return max(0, self.remaining - self.reserve)

    @property
    def fits(self) -> bool:
        return self.available is None or self.estimate <= self.available


def vendor_rate(connection: VendorConnection) -> RateLimit:
    """The documented rate the connection's adapter stays under."""
    adapter_class = get_adapter_class(connection.vendor)
    assert issubclass(adapter_class, HttpVendorAdapter)
    return adapter_class.rate_limit


def quota_reserve(limit: RateLimit) -> int:
    """Calls of the daily quota kept for staff operations."""
    if limit.per_day is None:
        return 0
    return math.ceil(limit.per_day * min(max(settings.SYNC_QUOTA_RESERVE, 0.0), 1.0))


def calls_estimate(connection: VendorConnection, scope: str) -> int:
    """What the last finished run of this scope made, else the adapter's estimate."""
    last = (
        SyncRun.objects.filter(
            connection=connection,
            scope=scope,
            status__in=(SyncRunStatus.SUCCEEDED, SyncRunStatus.PARTIAL),
            calls__gt=0,
        )
        .order_by("-created_at")
        .values_list("calls", flat=True)
        .first()
    )
    if last:
        return int(last)
    tenants = Tenant.objects.filter(connection=connection).count()
    return get_adapter_class(connection.vendor).estimated_calls(
        tenants, usage=scope == SyncScope.USAGE
    )


def quota_plan(
    connection: VendorConnection, remaining: int | None, scope: str = SyncScope.FULL
) -> QuotaPlan:
    """The plan for a run of ``scope``; ``remaining`` is today's quota left (adapter's limiter)."""
    limit = vendor_rate(connection)
    if limit.per_day is None:
        return QuotaPlan(None, None, 0, 0)
    return QuotaPlan(
        limit.per_day, remaining, quota_reserve(limit), calls_estimate(connection, scope)
    )


def deferred_until(connection: VendorConnection, *, now: dt.datetime | None = None) -> dt.datetime:
    """After the next quota reset (00:00 UTC), offset by connection across the spread window."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    reset = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), dt.UTC)
    spread = max(1, settings.SYNC_QUOTA_SPREAD_MINUTES)
    return reset + dt.timedelta(minutes=(connection.pk * 37) % spread)


def deferral_message(plan: QuotaPlan, when: dt.datetime, *, what: str) -> str:
    return (
        f"Deferred: the {what} needs about {plan.estimate} calls; {plan.remaining} of the "
        f"{plan.per_day} daily calls are left and {plan.reserve} are kept for staff operations. "
        f"It runs at {when:%Y-%m-%d %H:%M} UTC, after the quota resets."
    )


def run_deferred(
    connection: VendorConnection,
    plan: QuotaPlan,
    *,
    scope: str,
    triggered_by: str,
    period: dt.date | None = None,
) -> SyncRun:
    """Record a run that was not started for the quota's sake, saying when it will run."""
    now = timezone.now()
    when = deferred_until(connection, now=now)
    what = "usage collection" if scope == SyncScope.USAGE else "sync"
    return SyncRun.objects.create(
        connection=connection,
        scope=scope,
        period=period,
        status=SyncRunStatus.DEFERRED,
        started_at=None,
        finished_at=now,
        heartbeat_at=now,
        triggered_by=triggered_by[:100],
        deferred_until=when,
        items_total=None,
        error=deferral_message(plan, when, what=what),
    )


def last_deferral(connection: VendorConnection) -> SyncRun | None:
    """The deferred run still waiting (none when a later run of its scope has started)."""
    run = (
        SyncRun.objects.filter(connection=connection, status=SyncRunStatus.DEFERRED)
        .order_by("-created_at")
        .first()
    )
    if run is None or (run.deferred_until and run.deferred_until < timezone.now()):
        return None
    later = SyncRun.objects.filter(
        connection=connection, scope=run.scope, created_at__gt=run.created_at
    ).exclude(status=SyncRunStatus.DEFERRED)
    return None if later.exists() else run


@dataclass(frozen=True)
class CallBudget:
    """What the connection page says about vendor calls: per sync, left today, time at rate."""

    calls_last_sync: int | None
    calls_last_usage: int | None
    per_second: float | None
    per_day: int | None
    calls_left_today: int | None
    reserve: int
    full_pull_calls: int
    deferred: SyncRun | None

    @property
    def full_pull_seconds(self) -> float | None:
        """A full pull at the vendor's rate (None where no rate is documented)."""
        if not self.per_second:
            return None
        return self.full_pull_calls / self.per_second


def connection_call_budget(
    connection: VendorConnection, *, calls_left_today: int | None
) -> CallBudget:
    """The figures for the connection page; ``calls_left_today`` comes from the rate limiter."""
    limit = vendor_rate(connection)

    def last_calls(scope: str) -> int | None:
        return (
            SyncRun.objects.filter(connection=connection, scope=scope, calls__gt=0)
            .exclude(status=SyncRunStatus.DEFERRED)
            .order_by("-created_at")
            .values_list("calls", flat=True)
            .first()
        )

    tenants = Tenant.objects.filter(connection=connection).count()
    full = get_adapter_class(connection.vendor).estimated_calls(tenants)
    return CallBudget(
        calls_last_sync=last_calls(SyncScope.FULL),
        calls_last_usage=last_calls(SyncScope.USAGE),
        per_second=limit.per_second,
        per_day=limit.per_day,
        calls_left_today=calls_left_today,
        reserve=quota_reserve(limit),
        full_pull_calls=full,
        deferred=last_deferral(connection),
    )
