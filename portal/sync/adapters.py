"""Building a connection's adapter (its calls counted in the connection's health stats), and
testing a connection."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from portal.audit.services import audit_record
from portal.catalog.models import VendorConnection
from portal.catalog.services import connection_credentials_rejected
from portal.core.models import Source
from portal.core.queues import current_lane
from portal.core.tokens import get_token_cache
from vendors.base import VendorAdapter
from vendors.errors import VendorAuthError, VendorError, VendorNotFound, VendorTransientError
from vendors.http import HttpVendorAdapter
from vendors.ratelimit import OPS, get_rate_limiter
from vendors.registry import get_adapter_class

from .call_stats import record_call

logger = logging.getLogger(__name__)


def connection_adapter(connection: VendorConnection, **kwargs) -> VendorAdapter:
    """The adapter for a connection, sharing one rate limit across all worker processes."""
    adapter_class = get_adapter_class(connection.vendor)
    assert issubclass(adapter_class, HttpVendorAdapter)  # every registered adapter speaks HTTP
    kwargs.setdefault("limit_key", connection_limit_key(connection))
    kwargs.setdefault("rate_limiter", get_rate_limiter(settings.REDIS_URL or None))
    kwargs.setdefault("on_call", lambda record: record_call(connection.pk, record))
    # Every host shares the vendor's one limit: bulk leaves operations their share, and an
    # operation never sleeps long in its worker slot (it re-enqueues with a countdown).
    lane = kwargs.setdefault("lane", current_lane())
    kwargs.setdefault("ops_reserve", settings.VENDOR_OPS_RESERVE)
    if lane == OPS:
        kwargs.setdefault("max_wait", settings.VENDOR_MAX_INLINE_WAIT_SECONDS)
    kwargs.setdefault("max_in_flight", settings.VENDOR_MAX_IN_FLIGHT or None)
    kwargs.setdefault("token_cache", get_token_cache(settings.REDIS_URL or None))
    return adapter_class(connection.base_url, connection.credentials, **kwargs)


def connection_limit_key(connection: VendorConnection) -> str:
    """The key of the connection's rate limit, cool-down and calls in flight (shared by all).

    The creation time (to the microsecond) keeps the key unique when a database is recreated
    and ids are reused: a cool-down left in Redis must never hold back a new connection.
    """
    created = int(connection.created_at.timestamp() * 1_000_000) if connection.created_at else 0
    return f"connection:{connection.pk}:{created}"


@dataclass(frozen=True)
class ConnectionThrottle:
    """What the shared rate limiter holds for a connection now."""

    calls_left_today: int | None  # None: the vendor has no daily quota
    cooldown_seconds: float


def connection_throttle(connection: VendorConnection) -> ConnectionThrottle:
    """Daily calls left and the cool-down under way, read from the shared limiter (no call)."""
    adapter_class = get_adapter_class(connection.vendor)
    assert issubclass(adapter_class, HttpVendorAdapter)
    limiter = get_rate_limiter(settings.REDIS_URL or None)
    key = connection_limit_key(connection)
    return ConnectionThrottle(
        limiter.remaining_today(key, adapter_class.rate_limit), limiter.cooldown_remaining(key)
    )


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str


def connection_test(
    connection: VendorConnection, *, actor=None, source: str = Source.SYSTEM
) -> ConnectionTestResult:
    """Make one authenticated call and say exactly why it failed, for staff (audited)."""
    try:
        connection_adapter(connection, max_retries=0).test_connection()
    except VendorAuthError as exc:
        result = ConnectionTestResult(False, f"Credentials rejected by the vendor: {exc.message}")
    except VendorNotFound as exc:
        result = ConnectionTestResult(
            False, f"Wrong base URL: the vendor API was not found there ({exc.message})."
        )
    except VendorTransientError as exc:
        result = ConnectionTestResult(False, f"Vendor unreachable or unavailable: {exc.message}")
    except VendorError as exc:
        result = ConnectionTestResult(False, f"The vendor refused the test call: {exc.message}")
    else:
        result = ConnectionTestResult(
            True, "Connection works: the vendor accepted the credentials."
        )
    if not result.ok and "Credentials rejected" in result.message:
        connection_credentials_rejected(connection_id=connection.pk, message=result.message)
    audit_record(
        action="connection.tested",
        source=source,
        actor=actor,
        obj=connection,
        detail={"ok": result.ok, "message": result.message},
    )
    return result
