"""One Celery queue per vendor, so a slow or throttled vendor never starves the others."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import current_app
from kombu import Queue

from vendors.registry import ADAPTERS

DEFAULT_QUEUE = "default"


def vendor_queue(vendor: str) -> str:
    return f"vendor.{vendor}"


def all_queues() -> list[Queue]:
    """Every queue; a worker started without ``-Q`` consumes them all."""
    return [Queue(DEFAULT_QUEUE)] + [Queue(vendor_queue(v)) for v in ADAPTERS]


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
