"""Celery tasks of the sync engine: thin wrappers that load by id and call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.catalog.models import VendorConnection
from portal.core.queues import bulk_queue, send_task

from .enqueue import SYNC_CONNECTION
from .inbound import APPLY_WEBHOOK_EVENT, webhook_event_apply
from .services import SyncAlreadyRunning, connection_sync

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
    rerun_in = getattr(run, "rerun_in", None)
    if rerun_in is not None:
        # Not slept out in this bulk worker slot: the next run resumes from the last page.
        send_task(
            SYNC_CONNECTION,
            args=[connection_id, triggered_by],
            queue=bulk_queue(connection.vendor),
            countdown=rerun_in,
        )
        return {"run": run.pk, "status": run.status, "rerun_in": rerun_in}
    return {"run": run.pk, "status": run.status}


@shared_task(name=APPLY_WEBHOOK_EVENT, acks_late=True, reject_on_worker_lost=True)
def apply_webhook_event(event_id: int) -> dict:
    return webhook_event_apply(event_id)
