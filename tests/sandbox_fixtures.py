"""Pytest fixtures that run the vendor sandboxes in-process on a free port.

``sandbox_server`` starts one server for the whole test session (with a few seeded tenants
per vendor); ``sandbox`` hands each test the same server reset to fresh state, an empty journal
and no faults, so tests never see each other's data.
"""

from __future__ import annotations

import os

import pytest

from vendors.ratelimit import InProcessRateLimiter
from vendors.registry import get_adapter_class
from vendors.sandbox import SandboxServer

SEED_TENANTS = 5


@pytest.fixture(scope="session")
def sandbox_server():
    # SANDBOX_VENDORS=lookout,redstor limits the server to some vendors while developing one.
    only = [v for v in os.environ.get("SANDBOX_VENDORS", "").split(",") if v] or None
    server = SandboxServer(only, seed_tenants=SEED_TENANTS, seed=7).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    sandbox_server.variants.clear()  # every vendor at its documents' default reading
    sandbox_server.reset()
    yield sandbox_server
    sandbox_server.variants.clear()
    sandbox_server.reset()


def make_adapter(server: SandboxServer, vendor: str, **kwargs):
    """An adapter for ``vendor`` pointed at the sandbox, with the sandbox's credentials."""
    sandbox = server.sandboxes[vendor]
    adapter_class = get_adapter_class(vendor)
    kwargs.setdefault("sleep", _fast_sleep)
    # A limiter per adapter: a vendor's daily quota must not leak from one test into the next.
    kwargs.setdefault("rate_limiter", InProcessRateLimiter())
    return adapter_class(server.vendor_url(vendor), sandbox.credentials(), **kwargs)


def _fast_sleep(seconds: float) -> None:
    """Backoff waits in tests are real but capped, so retries still cross real time."""
    import time

    time.sleep(min(seconds, 1.5))
