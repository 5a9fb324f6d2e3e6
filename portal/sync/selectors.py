"""Reads of the sync engine's records, through the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from portal.accounts.scoping import scoped

from .models import LATENCY_BUCKET_FIELDS, Discrepancy, VendorCallStat


def scoped_discrepancies(user, queryset: QuerySet | None = None) -> QuerySet:
    """Drift findings in the user's scope."""
    qs = queryset if queryset is not None else Discrepancy.objects.all()
    return scoped(user, qs, "tenant__customer__")


@dataclass(frozen=True)
class CallTotals:
    calls: int
    errors: int
    mean_latency_ms: float | None
    max_latency_ms: float | None
    #: Of the errors: the vendor asked us to wait (429) / answered no (4xx); the rest failed.
    throttled: int = 0
    refused: int = 0
    #: The start of the first hour counted.
    since: dt.datetime | None = None
    #: Calls answered within each LATENCY_BUCKETS_MS bound (cumulative), and their total time.
    latency_buckets: tuple[int, ...] = ()
    total_latency_ms: float = 0.0

    @property
    def failed(self) -> int:
        """Errors that were neither throttling nor a refusal: timeouts, 5xx, bad answers."""
        return max(0, self.errors - self.throttled - self.refused)

    def error_kinds(self) -> dict[str, int]:
        """The errors by kind, in the order staff read them."""
        return {"throttled": self.throttled, "refused": self.refused, "failed": self.failed}


def call_totals_24h() -> dict[int, CallTotals]:
    """Vendor calls per connection over the last 24 whole hours, from the hourly call stats:
    what the dashboard shows and /metrics exports."""
    since = (timezone.now() - dt.timedelta(hours=24)).replace(minute=0, second=0, microsecond=0)
    rows = (
        VendorCallStat.objects.filter(hour__gte=since)
        .values("connection_id")
        .annotate(
            calls=Sum("calls"),
            errors=Sum("errors"),
            throttled=Sum("throttled"),
            refused=Sum("refused"),
            latency=Sum("total_latency_ms"),
            peak=Max("max_latency_ms"),
            **{name: Sum(name) for name in LATENCY_BUCKET_FIELDS},
        )
        .order_by()
    )
    totals = {}
    for row in rows:
        calls = row["calls"] or 0
        totals[row["connection_id"]] = CallTotals(
            calls=calls,
            errors=row["errors"] or 0,
            mean_latency_ms=row["latency"] / calls if calls else None,
            max_latency_ms=row["peak"],
            throttled=row["throttled"] or 0,
            refused=row["refused"] or 0,
            since=since,
            latency_buckets=tuple(
                row[name] or 0  # type: ignore[literal-required]  # bucket columns by name
                for name in LATENCY_BUCKET_FIELDS
            ),
            total_latency_ms=row["latency"] or 0.0,
        )
    return totals
