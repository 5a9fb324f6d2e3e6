"""Usage months requested but not collected yet: the backlog the dashboard shows as progress.

A usage request is a queued task, not a row (``portal/sync/enqueue.usage_request`` audits it as
``connection.usage_requested``). Months asked for in the last few hours count as collected once
a usage run for the same connection and month has finished after the request; the demo's year
of history (sixty months over five connections) keeps the worker busy for a few minutes, and
without this the dashboard said nothing about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.catalog.models import VendorConnection
from portal.sync.models import SyncRun, SyncScope

#: Requests older than this no longer count: a task lost long ago is not "in progress".
WINDOW = dt.timedelta(hours=6)
REQUESTED = "connection.usage_requested"


@dataclass
class ConnectionBacklog:
    name: str
    requested: int = 0
    collected: int = 0


@dataclass
class UsageBacklog:
    requested: int = 0
    collected: int = 0
    connections: list[ConnectionBacklog] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return self.requested - self.collected

    @property
    def percent(self) -> int:
        return round(100 * self.collected / self.requested) if self.requested else 100


def usage_backlog(now: dt.datetime | None = None) -> UsageBacklog | None:
    """Progress of the months requested in the last hours, or None when none is outstanding."""
    since = (now or timezone.now()) - WINDOW  # the latest request of a month counts
    requests: dict[tuple[int, str], dt.datetime] = {}
    for object_id, detail, at in AuditEvent.objects.filter(
        action=REQUESTED, at__gte=since, object_type="catalog.vendorconnection"
    ).values_list("object_id", "detail", "at"):
        key = (int(object_id), str((detail or {}).get("period", "")))
        requests[key] = max(at, requests.get(key, at))
    if not requests:
        return None
    finished: dict[tuple[int, str], dt.datetime] = {}
    for connection_id, month, finished_at in SyncRun.objects.filter(
        scope=SyncScope.USAGE, finished_at__gte=min(requests.values())
    ).values_list("connection_id", "period", "finished_at"):
        key = (connection_id, month.isoformat() if month else "")
        if finished_at is not None:  # the filter ensures it; the column is nullable
            finished[key] = max(finished_at, finished.get(key, finished_at))
    names = dict(
        VendorConnection.objects.filter(pk__in={pk for pk, _ in requests}).values_list("pk", "name")
    )
    per_connection: dict[int, ConnectionBacklog] = {}
    for (connection_id, period), asked_at in requests.items():
        if connection_id not in names:
            continue
        item = per_connection.setdefault(connection_id, ConnectionBacklog(names[connection_id]))
        item.requested += 1
        done_at = finished.get((connection_id, period))
        item.collected += int(done_at is not None and done_at >= asked_at)
    backlog = UsageBacklog(
        requested=sum(c.requested for c in per_connection.values()),
        collected=sum(c.collected for c in per_connection.values()),
        connections=sorted(per_connection.values(), key=lambda c: c.name),
    )
    return backlog if backlog.pending else None
