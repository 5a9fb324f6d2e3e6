"""Per-connection, per-hour aggregates of vendor calls (latency and errors for the dashboard)."""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from vendors.http import CallRecord

from .models import VendorCallStat


def record_call(connection_id: int, record: CallRecord) -> None:
    """Add one call to its hour bucket with a single UPDATE (one INSERT the first time)."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    error = 0 if record.outcome == "ok" else 1
    updated = VendorCallStat.objects.filter(connection_id=connection_id, hour=hour).update(
        calls=F("calls") + 1,
        errors=F("errors") + error,
        total_latency_ms=F("total_latency_ms") + record.latency_ms,
        max_latency_ms=Greatest(F("max_latency_ms"), record.latency_ms),
    )
    if not updated:
        _stat, created = VendorCallStat.objects.get_or_create(
            connection_id=connection_id,
            hour=hour,
            defaults={
                "calls": 1,
                "errors": error,
                "total_latency_ms": record.latency_ms,
                "max_latency_ms": record.latency_ms,
            },
        )
        if not created:
            record_call(connection_id, record)
