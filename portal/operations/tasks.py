"""Worker tasks for operations: thin wrappers around the engine.

``run_operation`` is idempotent by construction (the engine claims the row with a conditional
UPDATE and reads the vendor back before any resend), so it may be delivered twice: it is
``acks_late`` (the message is acknowledged only after the run) and ``reject_on_worker_lost``
(a child killed mid-run puts the message back). A whole worker killed takes its messages with
it until the Redis visibility timeout; recovery does not wait for that: the attempt's lease
(OPERATIONS_LEASE_SECONDS, renewed by a heartbeat while the run lives) lapses and the reaper,
every few seconds, verifies the operation and enqueues it again. A late redelivery finds the row
claimed or settled and does nothing.
https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.reject_on_worker_lost
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .engine import RUN_OPERATION, operation_run, operations_reap

logger = logging.getLogger(__name__)


@shared_task(
    name=RUN_OPERATION,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=settings.OPERATIONS_RUN_TIME_LIMIT,
    soft_time_limit=settings.OPERATIONS_RUN_SOFT_TIME_LIMIT,
)
def run_operation(operation_id: int) -> str | None:
    return operation_run(operation_id).state


@shared_task(name="operations.reap_stuck_operations", acks_late=True)
def reap_stuck_operations() -> list[int]:
    """Run by celery beat every 5 s (PeriodicTask, migrations 0002 and 0006): recover dead runs."""
    return operations_reap()
