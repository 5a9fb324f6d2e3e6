"""Vendor access tokens are shared through Redis by every process, encrypted: many hosts make
one token call per connection and token lifetime, not one per process."""

from __future__ import annotations

import os

import pytest
import redis

from portal.sync.adapters import connection_adapter
from tests.vendors.test_shared_throttling import redis_available

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"

pytestmark = pytest.mark.skipif(
    not redis_available() and not os.environ.get("CI"), reason="needs Redis"
)

#: Vendors whose adapters exchange credentials for an OAuth/JWT access token.
TOKEN_VENDORS = ["redstor", "lookout"]


def _token_calls(sandbox, vendor: str, since: int) -> int:
    return sum(1 for e in sandbox.journal.entries(vendor, since=since) if e.path.endswith("/token"))


@pytest.mark.parametrize("vendor", TOKEN_VENDORS)
def test_a_second_adapter_reuses_the_token_another_one_fetched(vendor, sandbox, connect, settings):
    settings.REDIS_URL = REDIS_URL
    connection = connect(vendor)
    since = sandbox.journal.last_seq

    connection_adapter(connection).test_connection()
    assert _token_calls(sandbox, vendor, since) == 1

    # Another process: a new adapter with nothing cached in memory, sharing only Redis.
    again = sandbox.journal.last_seq
    connection_adapter(connection).test_connection()
    assert _token_calls(sandbox, vendor, again) == 0
    assert [e.outcome for e in sandbox.journal.entries(vendor, since=again)] == ["ok"]


@pytest.mark.parametrize("vendor", TOKEN_VENDORS)
def test_the_shared_token_is_encrypted_in_redis(vendor, sandbox, connect, settings):
    settings.REDIS_URL = REDIS_URL
    connection = connect(vendor)
    adapter = connection_adapter(connection)
    adapter.test_connection()
    token = adapter.shared_token("access")
    assert token is not None and token[1] > 0

    stored = redis.Redis.from_url(REDIS_URL).get(f"portal:token:{adapter._token_key('access')}")
    assert stored is not None and token[0].encode() not in stored


def test_a_token_the_vendor_refuses_is_dropped_for_every_process(sandbox, connect, settings):
    settings.REDIS_URL = REDIS_URL
    connection = connect("redstor")
    adapter = connection_adapter(connection)
    adapter.test_connection()
    token = adapter.shared_token("access")
    assert token is not None

    assert adapter.refresh_auth()  # what the base does after a 401
    assert connection_adapter(connection).shared_token("access") is None


def test_new_credentials_never_get_the_old_token(sandbox, connect, settings):
    settings.REDIS_URL = REDIS_URL
    connection = connect("redstor")
    connection_adapter(connection).test_connection()

    connection.credentials = {**connection.credentials, "client_id": "another-client"}
    assert connection_adapter(connection).shared_token("access") is None
