"""Per-connection, per-hour aggregates of vendor calls (latency and errors for the dashboard).

Calls are counted in memory (from any thread) and written in one statement per hour bucket when
flushed (after each sync page and at the end of every task, by the thread that owns the database
connection), so recording costs no query per HTTP call and the queries of a sync grow with its
pages, not its tenants.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from portal.catalog.models import VendorConnection
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorNotFound,
    VendorThrottled,
    VendorUnsupported,
)
from vendors.http import CallRecord

from .models import LATENCY_BUCKET_FIELDS, LATENCY_BUCKETS_MS, VendorCallStat

_lock = threading.Lock()
#: (connection, hour) -> [calls, errors, throttled, refused, total latency, peak latency,
#: then the calls within each LATENCY_BUCKETS_MS bound]
_COUNTS = 6
_pending: dict[tuple[int, dt.datetime], list[float]] = defaultdict(
    lambda: [0, 0, 0, 0, 0.0, 0.0, *(0 for _ in LATENCY_BUCKETS_MS)]
)

#: Outcomes (the error's class name) that are the vendor asking us to wait, or saying no.
THROTTLED = frozenset({VendorThrottled.__name__})
REFUSED = frozenset(
    cls.__name__
    for cls in (
        VendorBadRequest,
        VendorConflict,
        VendorUnsupported,
        VendorNotFound,
        VendorAuthError,
    )
)


def record_call(connection_id: int, record: CallRecord) -> None:
    """Count one call; written to the database by the next flush."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    with _lock:
        bucket = _pending[(connection_id, hour)]
        bucket[0] += 1
        bucket[1] += 0 if record.outcome == "ok" else 1
        bucket[2] += 1 if record.outcome in THROTTLED else 0
        bucket[3] += 1 if record.outcome in REFUSED else 0
        bucket[4] += record.latency_ms
        bucket[5] = max(bucket[5], record.latency_ms)
        for index, bound in enumerate(LATENCY_BUCKETS_MS, start=_COUNTS):
            if record.latency_ms <= bound:
                bucket[index] += 1


def flush_call_stats() -> int:
    """Write the counted calls: one UPDATE (or INSERT the first time) per connection and hour."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
    if not pending:
        return 0
    # A connection deleted since its calls were counted takes its counts with it.
    existing = set(
        VendorConnection.objects.filter(pk__in={cid for cid, _ in pending}).values_list(
            "pk", flat=True
        )
    )
    pending = {key: value for key, value in pending.items() if key[0] in existing}
    for (connection_id, hour), counts in pending.items():
        calls, errors, throttled, refused, total, peak = counts[:_COUNTS]
        within = dict(zip(LATENCY_BUCKET_FIELDS, counts[_COUNTS:], strict=True))
        add = {
            "calls": F("calls") + calls,
            "errors": F("errors") + errors,
            "throttled": F("throttled") + throttled,
            "refused": F("refused") + refused,
            "total_latency_ms": F("total_latency_ms") + total,
            "max_latency_ms": Greatest(F("max_latency_ms"), peak),
            **{name: F(name) + n for name, n in within.items()},
        }
        updated = VendorCallStat.objects.filter(connection_id=connection_id, hour=hour).update(
            **add
        )
        if not updated:
            _stat, created = VendorCallStat.objects.get_or_create(
                connection_id=connection_id,
                hour=hour,
                defaults={
                    "calls": calls,
                    "errors": errors,
                    "throttled": throttled,
                    "refused": refused,
                    "total_latency_ms": total,
                    "max_latency_ms": peak,
                    **within,
                },
            )
            if not created:  # another process inserted the bucket first: add to it
                VendorCallStat.objects.filter(pk=_stat.pk).update(**add)
    return len(pending)
