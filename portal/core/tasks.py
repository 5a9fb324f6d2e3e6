"""Infrastructure tasks."""

from __future__ import annotations

import os
import socket

from celery import shared_task


@shared_task(name="portal.ping")
def ping(value: str) -> dict[str, str | int]:
    """Echo back with the worker's identity: proves a real worker consumed the broker's message."""
    return {"echo": value, "pid": os.getpid(), "host": socket.gethostname()}
