"""The sync's memo of tenant details (vendors.memo): loaded before a pull, stored page by page.

A remembered detail is reused only while the mirror tenant still has the fingerprint it had
after the read (an operation's result or a webhook refresh rewrites the tenant, and then the
detail is read again) and while its full refresh is not due: every detail older than
SYNC_DETAIL_REFRESH_HOURS, plus the oldest SYNC_DETAIL_REFRESH_SHARE of them on each sync, so the
refresh is spread over the interval rather than landing on one sync.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from portal.catalog.models import VendorConnection
from portal.customers.models import Tenant
from vendors.memo import DetailEntry, DetailMemo

from .models import DetailRead, SyncRun, SyncRunStatus, SyncScope


def refresh_share() -> float:
    """The share of details each sync refreshes (configured, or interval / refresh interval)."""
    if settings.SYNC_DETAIL_REFRESH_SHARE > 0:
        return min(1.0, settings.SYNC_DETAIL_REFRESH_SHARE)
    hours = settings.SYNC_DETAIL_REFRESH_HOURS
    return min(1.0, settings.SYNC_INTERVAL_MINUTES / (hours * 60)) if hours > 0 else 1.0


def detail_memo_load(connection: VendorConnection, *, now: dt.datetime | None = None) -> DetailMemo:
    """The details still good for this connection's next pull, and which are due a refresh."""
    now = now or timezone.now()
    mirror = Tenant.objects.filter(
        connection_id=connection.pk, external_id=OuterRef("tenant_external_id")
    ).values("fingerprint")[:1]
    rows = list(
        DetailRead.objects.filter(connection=connection)
        .annotate(mirror_fingerprint=Subquery(mirror))
        .order_by("read_at", "key")
        .values_list(
            "key",
            "row_fingerprint",
            "detail",
            "read_at",
            "tenant_fingerprint",
            "mirror_fingerprint",
        )
    )
    known = {
        key: (row_fp, detail)
        for key, row_fp, detail, _, tenant_fp, mirror_fp in rows
        if tenant_fp and tenant_fp == mirror_fp
    }
    cutoff = now - dt.timedelta(hours=settings.SYNC_DETAIL_REFRESH_HOURS)
    share = math.ceil(len(rows) * refresh_share())
    due = {key for key, _, _, read_at, _, _ in rows if read_at <= cutoff}
    due.update(key for key, *_ in rows[:share])  # the oldest reads: rows are ordered by age
    return DetailMemo(known, due, since=incremental_since(connection))


def incremental_since(connection: VendorConnection) -> dt.datetime | None:
    """Where a vendor's modified window starts: the last complete pull's start, less
    SYNC_WINDOW_OVERLAP_SECONDS (clock skew), so windows overlap and a change made while that
    pull ran is in this one. None before the first complete pull."""
    started = (
        SyncRun.objects.filter(
            connection=connection, scope=SyncScope.FULL, status=SyncRunStatus.SUCCEEDED
        )
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    if started is None:
        return None
    return started - dt.timedelta(seconds=settings.SYNC_WINDOW_OVERLAP_SECONDS)


class DetailStore:
    """Stores what the memo read once the page it belongs to is in the mirror (main thread)."""

    def __init__(self, connection: VendorConnection, memo: DetailMemo) -> None:
        self.connection = connection
        self.memo = memo
        self.pending: dict[str, DetailEntry] = {}
        self.rows_written = 0

    def page_applied(self, tenants: Iterable[str], *, now: dt.datetime | None = None) -> int:
        """Store the details read for these (now mirrored) tenants; the rows written."""
        for entry in self.memo.drain():
            self.pending[entry.key] = entry
        applied = set(tenants)
        entries = [e for e in self.pending.values() if e.tenant_external_id in applied]
        if not entries:
            return 0
        for entry in entries:
            del self.pending[entry.key]
        fingerprints = dict(
            Tenant.objects.filter(
                connection_id=self.connection.pk,
                external_id__in={e.tenant_external_id for e in entries},
            ).values_list("external_id", "fingerprint")
        )
        now = now or timezone.now()
        DetailRead.objects.bulk_create(
            [
                DetailRead(
                    connection_id=self.connection.pk,
                    key=e.key,
                    tenant_external_id=e.tenant_external_id,
                    row_fingerprint=e.row_fingerprint,
                    tenant_fingerprint=fingerprints.get(e.tenant_external_id, ""),
                    detail=e.detail,
                    read_at=now,
                )
                for e in entries
            ],
            update_conflicts=True,
            unique_fields=["connection", "key"],
            update_fields=[
                "tenant_external_id",
                "row_fingerprint",
                "tenant_fingerprint",
                "detail",
                "read_at",
            ],
            batch_size=500,
        )
        self.rows_written += len(entries)
        return len(entries)
