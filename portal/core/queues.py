"""Two Celery queues per vendor: a slow or throttled vendor never starves the others, and a
staff click never waits behind a bulk pull of the same vendor.

``vendor.<key>.ops`` carries operations and webhook events (someone is waiting for them);
``vendor.<key>.bulk`` carries syncs and usage collection. A worker without ``-Q`` consumes every
queue; production runs separate workers for each lane (Procfile, docker-compose), so a
10,000-tenant sync occupies only bulk workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import current_app
from kombu import Queue

from vendors.registry import ADAPTERS

DEFAULT_QUEUE = "default"


def ops_queue(vendor: str) -> str:
    """Interactive work at ``vendor``: operations, webhook events."""
    return f"vendor.{vendor}.ops"


def bulk_queue(vendor: str) -> str:
    """Background work at ``vendor``: syncs and usage collection."""
    return f"vendor.{vendor}.bulk"


def lane_queues(lane: str) -> list[str]:
    """Every vendor's queue of one lane ("ops" or "bulk")."""
    name = {"ops": ops_queue, "bulk": bulk_queue}[lane]
    return [name(vendor) for vendor in ADAPTERS]


def worker_queues(lane: str) -> list[str]:
    """What a worker of one lane consumes: ops also takes the default queue (reaper, webhook
    deliveries), bulk also drains the earlier releases' per-vendor queues."""
    if lane == "ops":
        return [DEFAULT_QUEUE, *lane_queues("ops")]
    return [*lane_queues("bulk"), *(legacy_queue(vendor) for vendor in ADAPTERS)]


def legacy_queue(vendor: str) -> str:
    """The one queue per vendor of earlier releases: still declared, so an upgrade's waiting
    messages are drained by any worker without ``-Q`` instead of being stranded."""
    return f"vendor.{vendor}"


def all_queues() -> list[Queue]:
    """Every queue; a worker started without ``-Q`` consumes them all."""
    legacy = [legacy_queue(vendor) for vendor in ADAPTERS]
    names = [DEFAULT_QUEUE, *lane_queues("ops"), *lane_queues("bulk"), *legacy]
    return [Queue(name) for name in names]


def current_lane() -> str:
    """The lane of the task this process runs now: from the queue it was delivered on, else the
    worker's WORKER_LANE; outside a bulk task (web requests, operations) it is "ops"."""
    from celery import current_task
    from django.conf import settings

    request = getattr(current_task, "request", None)
    queue = str(((getattr(request, "delivery_info", None) or {}).get("routing_key")) or "")
    if queue.endswith(".bulk") or (not queue and settings.WORKER_LANE == "bulk"):
        return "bulk"
    return "ops"


def send_task(
    name: str, *, args: Sequence[Any], queue: str, countdown: float | None = None
) -> None:
    """Queue a task by its registered name.

    The services and engines that enqueue work sit below the worker's task modules (which
    import them), so they name the task instead of importing it. Eager mode (tests) still runs
    it in-process: the lookup imports the autodiscovered task modules on first use.
    """
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    app.tasks[name].apply_async(
        args=tuple(args),
        queue=queue,
        countdown=countdown,  # type: ignore[arg-type]  # celery-types says float; celery takes None
    )
