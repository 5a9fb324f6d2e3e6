"""Default beat schedules per connection (django-celery-beat rows, editable in the admin)."""

from __future__ import annotations

import json

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from portal.catalog.models import VendorConnection
from portal.core.queues import bulk_queue
from vendors.registry import get_adapter_class


def schedules_ensure(connection: VendorConnection) -> list[PeriodicTask]:
    """Create the sync and usage schedules of a connection if they do not exist; never overwrite."""
    every, _ = IntervalSchedule.objects.get_or_create(
        every=settings.SYNC_INTERVAL_MINUTES, period=IntervalSchedule.MINUTES
    )
    history = get_adapter_class(connection.vendor).usage_history
    # A vendor without usage history is read late each day, so a month ends on its last
    # day's figures; the others are asked for last month, which they may still correct.
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="15" if history else "45",
        hour="2" if history else "23",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    queue = bulk_queue(connection.vendor)
    sync_task, _ = PeriodicTask.objects.get_or_create(
        name=f"Sync {connection.name} (#{connection.pk})",
        defaults={
            "task": "portal.sync.sync_connection",
            "interval": every,
            "args": json.dumps([connection.pk, "schedule"]),
            "queue": queue,
            "description": "Pull catalog, tenants and subscriptions from the vendor.",
        },
    )
    usage_task, _ = PeriodicTask.objects.get_or_create(
        name=f"Collect usage {connection.name} (#{connection.pk})",
        defaults={
            "task": "portal.sync.collect_usage",
            "crontab": nightly,
            "args": json.dumps([connection.pk]),
            "queue": queue,
            "description": "Collect last month's usage (vendors correct figures for a while)."
            if history
            else "Collect this month's usage so far (the vendor reports today's figures only).",
        },
    )
    return [sync_task, usage_task]
