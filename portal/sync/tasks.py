"""Celery tasks of the sync engine: thin wrappers that load by id and call a service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from portal.catalog.models import VendorConnection

from .enqueue import COLLECT_USAGE, SYNC_CONNECTION
from .services import SyncAlreadyRunning, connection_sync
from .usage import connection_collect_usage

logger = logging.getLogger(__name__)


@shared_task(name=SYNC_CONNECTION, acks_late=True, reject_on_worker_lost=True)
def sync_connection(connection_id: int, triggered_by: str = "schedule") -> dict:
    """Idempotent by construction: a repeated delivery finds the claim taken or syncs again."""
    connection = VendorConnection.objects.filter(pk=connection_id, enabled=True).first()
    if connection is None:
        return {"skipped": "connection missing or disabled"}
    try:
        run = connection_sync(connection, triggered_by=triggered_by)
    except SyncAlreadyRunning as exc:
        return {"skipped": "already running", "run": exc.run.pk if exc.run else None}
    return {"run": run.pk, "status": run.status}


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


@shared_task(name="portal.sync.apply_webhook_event", acks_late=True, reject_on_worker_lost=True)
def apply_webhook_event(event_id: int) -> dict:
    from .inbound import webhook_event_apply

    return webhook_event_apply(event_id)
