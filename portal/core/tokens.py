"""Vendor access tokens shared through Redis by every web and worker process, encrypted.

An OAuth/JWT token fetched by one process is used by all of them until shortly before it
expires, so many hosts make one token call per connection and lifetime instead of one per
process (vendors rate-limit and audit their token endpoints). The value is encrypted with the
credentials' Fernet keys (``portal.core.crypto``): Redis never holds a usable token in clear.
"""

from __future__ import annotations

import threading

from .crypto import decrypt, encrypt


class RedisTokenCache:
    """``vendors.http.TokenCache`` in Redis: SET with a millisecond expiry, read with PTTL."""

    def __init__(self, url: str, prefix: str = "portal:token") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    def get(self, key: str) -> tuple[str, float] | None:
        pipe = self._redis.pipeline()
        pipe.get(self._key(key))
        pipe.pttl(self._key(key))
        value, milliseconds = pipe.execute()
        if value is None or int(milliseconds) <= 0:
            return None
        return decrypt(value.decode()), int(milliseconds) / 1000

    def set(self, key: str, token: str, ttl: float) -> None:
        milliseconds = int(ttl * 1000)
        if milliseconds > 0:
            self._redis.set(self._key(key), encrypt(token), px=milliseconds)

    def discard(self, key: str, token: str) -> None:
        held = self.get(key)
        if held is not None and held[0] == token:
            self._redis.delete(self._key(key))


_shared: dict[str, RedisTokenCache] = {}
_shared_lock = threading.Lock()


def get_token_cache(redis_url: str | None) -> RedisTokenCache | None:
    """One cache per process and Redis URL; None without Redis (tokens stay per adapter)."""
    if not redis_url:
        return None
    with _shared_lock:
        if redis_url not in _shared:
            _shared[redis_url] = RedisTokenCache(redis_url)
        return _shared[redis_url]
