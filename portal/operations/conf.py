"""Operation engine settings: Django settings first, then the environment, then a default.

Read at call time (not import time) so tests and a worker started with a different
environment see the value they set. Settings we would like in ``portal/settings/base.py``:
``OPERATIONS_RUNNING_DEADLINE_SECONDS``, ``OPERATIONS_MAX_ATTEMPTS``,
``OPERATIONS_RETRY_BASE_SECONDS``, ``OPERATIONS_RETRY_CAP_SECONDS``, ``OPERATIONS_MAX_SEATS``.
"""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, float] = {
    # Longer than run_operation's hard time limit (RUN_TIME_LIMIT): a live worker is always
    # stopped by Celery before the reaper calls its operation stuck, so the two never race.
    "OPERATIONS_RUNNING_DEADLINE_SECONDS": 600,
    # Attempts at the vendor (transient errors, unknown outcomes) before the operation fails.
    "OPERATIONS_MAX_ATTEMPTS": 5,
    # Capped exponential backoff with full jitter between attempts; Retry-After wins when given.
    "OPERATIONS_RETRY_BASE_SECONDS": 2,
    "OPERATIONS_RETRY_CAP_SECONDS": 300,
    # Upper seat bound when the adapter declares none (``max_seats`` on the adapter class).
    "OPERATIONS_MAX_SEATS": 100_000,
    # How often celery beat runs the reaper (written into the PeriodicTask by migration 0002).
    "OPERATIONS_REAPER_INTERVAL_SECONDS": 60,
}

#: Hard and soft time limits of one run_operation task (seconds).
RUN_TIME_LIMIT = 300
RUN_SOFT_TIME_LIMIT = 270


def value(name: str) -> float:
    configured = getattr(settings, name, None)
    if configured is not None:
        return float(configured)
    from_env = os.environ.get(name)
    if from_env:
        return float(from_env)
    return float(DEFAULTS[name])


def running_deadline_seconds() -> float:
    return value("OPERATIONS_RUNNING_DEADLINE_SECONDS")


def max_attempts() -> int:
    return int(value("OPERATIONS_MAX_ATTEMPTS"))


def retry_base_seconds() -> float:
    return value("OPERATIONS_RETRY_BASE_SECONDS")


def retry_cap_seconds() -> float:
    return value("OPERATIONS_RETRY_CAP_SECONDS")


def max_seats() -> int:
    return int(value("OPERATIONS_MAX_SEATS"))
