"""Requesting syncs on demand (admin, pages, API, webhooks): routed to the vendor's queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from portal.audit.services import audit_record
from portal.catalog.models import VendorConnection
from portal.core.models import Source
from portal.core.queues import bulk_queue, send_task

from .models import SyncRun, SyncRunStatus
from .services import claim_stale_after

#: The worker tasks (``tasks.py``) these requests queue, by their registered names.
SYNC_CONNECTION = "portal.sync.sync_connection"
COLLECT_USAGE = "portal.sync.collect_usage"


@dataclass(frozen=True)
class SyncRequest:
    queued: bool
    message: str
    running: SyncRun | None = None


def _audit_request(
    connection: VendorConnection,
    action: str,
    triggered_by: str,
    actor,
    source: str | None,
    **detail,
) -> None:
    """A staff request (page, API, admin) is audited; the source is read from ``triggered_by``
    ("page:alice", "api:bob", "admin carol", "webhook …") unless given."""
    if source is None:
        prefix = triggered_by.replace(":", " ").split(" ", 1)[0]
        source = prefix if prefix in Source.values else Source.SYSTEM
    audit_record(
        action=action,
        source=source,
        actor=actor,
        actor_label="" if getattr(actor, "pk", None) else triggered_by[:150],
        obj=connection,
        detail={"triggered_by": triggered_by, **detail},
    )


def sync_request(
    connection: VendorConnection, *, triggered_by: str, actor=None, source: str | None = None
) -> SyncRequest:
    """Queue a full sync unless one is already running (then say so)."""
    connection.refresh_from_db(fields=["sync_claimed_at", "enabled"])
    if _claimed(connection):
        running = SyncRun.objects.filter(
            connection=connection, status=SyncRunStatus.RUNNING
        ).first()
        return SyncRequest(False, f"A sync of {connection.name} is already running.", running)
    if not connection.enabled:
        return SyncRequest(False, f"{connection.name} is disabled; enable it to sync.")
    send_task(
        SYNC_CONNECTION, args=[connection.pk, triggered_by], queue=bulk_queue(connection.vendor)
    )
    _audit_request(connection, "connection.sync_requested", triggered_by, actor, source)
    return SyncRequest(True, f"Sync of {connection.name} queued.")


def usage_request(
    connection: VendorConnection,
    period: dt.date,
    *,
    triggered_by: str,
    actor=None,
    source: str | None = None,
) -> SyncRequest:
    if not connection.enabled:
        return SyncRequest(False, f"{connection.name} is disabled; enable it to collect usage.")
    send_task(
        COLLECT_USAGE,
        args=[connection.pk, period.isoformat(), triggered_by],
        queue=bulk_queue(connection.vendor),
    )
    _audit_request(
        connection,
        "connection.usage_requested",
        triggered_by,
        actor,
        source,
        period=period.isoformat(),
    )
    return SyncRequest(True, f"Usage collection of {connection.name} for {period:%Y-%m} queued.")


def _claimed(connection: VendorConnection) -> bool:
    fresh = timezone.now() - claim_stale_after()
    return bool(connection.sync_claimed_at and connection.sync_claimed_at > fresh)
