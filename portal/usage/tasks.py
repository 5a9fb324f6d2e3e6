"""Worker task for usage: one month's collection for one connection."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from portal.catalog.models import VendorConnection
from portal.sync.enqueue import COLLECT_USAGE
from portal.sync.services import SyncAlreadyRunning

from .collection import connection_collect_usage


@shared_task(
    bind=True,
    name=COLLECT_USAGE,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=40,
)
def collect_usage(
    self, connection_id: int, period: str | None = None, triggered_by: str = "schedule"
) -> dict:
    """Collect a month (YYYY-MM-DD, first day; default last month) of usage for a connection.

    A sync or another month's collection holding the connection is waited out (retried in
    30 s): unlike a second full sync, another month is work still to be done.
    """
    connection = VendorConnection.objects.filter(pk=connection_id, enabled=True).first()
    if connection is None:
        return {"skipped": "connection missing or disabled"}
    month = dt.date.fromisoformat(period) if period else None
    try:
        run = connection_collect_usage(connection, month, triggered_by=triggered_by)
    except SyncAlreadyRunning as exc:
        raise self.retry(countdown=30, exc=exc)
    return {"run": run.pk, "status": run.status}
