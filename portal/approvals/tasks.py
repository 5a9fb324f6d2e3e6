"""Worker task: reject the approvals nobody decided in time (celery beat, every 5 minutes)."""

from __future__ import annotations

from celery import shared_task

from .services import approvals_expire


@shared_task(name="approvals.expire", ignore_result=True)
def expire() -> int:
    return approvals_expire()
