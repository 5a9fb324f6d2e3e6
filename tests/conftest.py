"""Shared fixtures. Vendor sandbox fixtures live in ``tests/sandbox_fixtures.py``."""

from tests.sandbox_fixtures import sandbox, sandbox_server  # noqa: F401
from tests.worker_fixtures import celery_worker_process  # noqa: F401
