"""Shared fixtures. Vendor sandbox fixtures live in ``tests/sandbox_fixtures.py``."""

# Fails any test during which a vendor secret shows up in a response, a log record or an audit event.
from tests.portal.security.leak_guard import secret_leak_check, secret_leak_guard  # noqa: F401
from tests.sandbox_fixtures import sandbox, sandbox_server  # noqa: F401
from tests.worker_fixtures import celery_worker_process  # noqa: F401
