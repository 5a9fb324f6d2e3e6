"""One Celery queue per vendor, so a slow or throttled vendor never starves the others."""

from __future__ import annotations

from kombu import Queue

from vendors.registry import ADAPTERS

DEFAULT_QUEUE = "default"


def vendor_queue(vendor: str) -> str:
    return f"vendor.{vendor}"


def all_queues() -> list[Queue]:
    """Every queue; a worker started without ``-Q`` consumes them all."""
    return [Queue(DEFAULT_QUEUE)] + [Queue(vendor_queue(v)) for v in ADAPTERS]
