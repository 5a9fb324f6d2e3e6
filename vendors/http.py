"""The shared HTTP base every adapter stands on.

It owns the boring parts once: one ``requests.Session`` per adapter, connect/read timeouts,
JSON encoding signed and sent as the same bytes, the client-side rate limit, retries with capped
exponential backoff and full jitter for *safe* calls (honouring ``Retry-After``), one
per-vendor hook mapping responses to errors, secrets redacted from logs, and a per-call record
for the vendor health view. A write is resent only when the vendor throttled it unprocessed
(``VendorThrottled``); any other failed write is not retried here: one whose answer is lost raises
``VendorOutcomeUnknown`` and the operation engine reads the vendor back before trying again.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json as jsonlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import requests

from .base import VendorAdapter
from .errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorOutcomeUnknown,
    VendorRateWait,
    VendorThrottled,
    VendorTransientError,
)
from .ratelimit import (
    OPS,
    DailyQuotaExhausted,
    RateLimit,
    RateLimiter,
    WaitTooLong,
    get_rate_limiter,
)

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, for the vendor health view (latency, errors per vendor)."""

    vendor: str
    limit_key: str
    method: str
    endpoint: str
    status: int | None
    latency_ms: float
    outcome: str  # "ok" or the error class name
    attempt: int


class TokenCache(Protocol):
    """Access tokens shared by every process that calls with the same credentials."""

    def get(self, key: str) -> tuple[str, float] | None:
        """The token under ``key`` and the seconds it may still be used, or None."""

    def set(self, key: str, token: str, ttl: float) -> None:
        """Keep ``token`` for ``ttl`` seconds."""

    def discard(self, key: str, token: str) -> None:
        """Forget ``key`` if it still holds ``token`` (the vendor refused it)."""


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HttpVendorAdapter(VendorAdapter):
    #: The vendor's documented rate per credential; the client stays under it.
    rate_limit: ClassVar[RateLimit] = RateLimit()
    user_agent: ClassVar[str] = "ChannelPortal/1.0 (+https://github.com/channel-portal)"
    connect_timeout: ClassVar[float] = 5.0
    read_timeout: ClassVar[float] = 30.0
    #: Safe calls are retried this many times on transient errors before giving up.
    max_retries: int = 5  # per instance too: the constructor may lower it
    backoff_base: ClassVar[float] = 0.25
    backoff_cap: ClassVar[float] = 8.0
    #: Statuses after which cached auth is refreshed and the request sent once more.
    refresh_on_status: ClassVar[frozenset[int]] = frozenset({401})
    #: A Retry-After longer than this is not waited out in-process; the caller reschedules.
    max_retry_after: ClassVar[float] = 30.0
    #: The shared cool-down after a throttle answer that names no Retry-After.
    throttle_cooldown: ClassVar[float] = 1.0

    def __init__(
        self,
        base_url: str,
        credentials: Mapping[str, str],
        *,
        limit_key: str | None = None,
        rate_limiter: RateLimiter | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
        timeout: tuple[float, float] | None = None,
        max_retries: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        lane: str = OPS,
        ops_reserve: float = 0.0,
        max_wait: float | None = None,
        max_in_flight: int | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        """``lane`` "bulk" leaves ``ops_reserve`` of the vendor's limit to operations; any wait
        (rate limit, cool-down, backoff, slot in flight) past ``max_wait`` raises
        ``VendorRateWait`` so a task re-enqueues instead of sleeping; ``max_in_flight`` caps
        the calls in flight under ``limit_key`` across every process sharing the limiter;
        ``token_cache`` shares access tokens with every process using the same credentials."""
        self.base_url = base_url.rstrip("/")
        self.credentials = dict(credentials)
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": self.user_agent, "Accept": "application/json"})
        # Proxies (HTTPS_PROXY, NO_PROXY...) are resolved once for the vendor's host instead of
        # re-reading the environment on every call; an adapter lives for one task or sync.
        self.session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        self.session.trust_env = False
        fingerprint = hashlib.sha256(
            (self.base_url + jsonlib.dumps(self.credentials, sort_keys=True)).encode()
        ).hexdigest()[:16]
        self.limit_key = limit_key or f"{self.vendor}:{fingerprint}"
        self.rate_limiter = rate_limiter or get_rate_limiter(None)
        self.on_call = on_call
        self.timeout = timeout or (self.connect_timeout, self.read_timeout)
        if max_retries is not None:
            self.max_retries = max_retries
        self.lane = lane
        self.ops_reserve = ops_reserve
        self.max_wait = max_wait
        self.max_in_flight = max_in_flight
        self.token_cache = token_cache
        self._credentials_fingerprint = fingerprint
        self._sleep = sleep
        self._rng = random.Random()
        self.last_call: str = ""
        self.last_status: int | None = None
        self.last_body: Any = None
        self.log = logging.LoggerAdapter(
            logger, {"vendor": self.vendor, "limit_key": self.limit_key}
        )

    # -- hooks for vendor adapters ------------------------------------------------------------

    def authenticate(self, request: requests.PreparedRequest) -> None:
        """Add auth to a prepared request; it sees the exact body bytes that will be sent."""

    def refresh_auth(self) -> bool:
        """Drop cached tokens after a 401; return True to resend the request once."""
        return False

    def _token_key(self, name: str) -> str:
        # The credentials' fingerprint is in the key: new credentials never get an old token.
        return f"{self.limit_key}:{self._credentials_fingerprint}:{name}"

    def shared_token(self, name: str) -> tuple[str, float] | None:
        """A token another process (or an earlier adapter) fetched, with its seconds left."""
        if self.token_cache is None:
            return None
        return self.token_cache.get(self._token_key(name))

    def share_token(self, name: str, token: str, ttl: float) -> None:
        """Offer a fresh token to every process for ``ttl`` seconds (its lifetime less margin)."""
        if self.token_cache is not None and ttl > 0:
            self.token_cache.set(self._token_key(name), token, ttl)

    def discard_shared_token(self, name: str, token: str | None) -> None:
        if self.token_cache is not None and token:
            self.token_cache.discard(self._token_key(name), token)

    def error_for_response(self, response: requests.Response, body: Any) -> VendorError | None:
        """Map a response to an error, or None when it is a success. Override per vendor."""
        status = response.status_code
        if 200 <= status < 300:
            return None
        message = self.error_message(body) or response.reason or f"HTTP {status}"
        kwargs = {"vendor": self.vendor, "status": status, "body": body}
        if status == 429 or status >= 500:
            return self.transient_error(response, message, **kwargs)
        if status in (401, 403):
            return VendorAuthError(message, **kwargs)
        if status == 404:
            return VendorNotFound(message, **kwargs)
        if status == 409:
            return VendorConflict(message, **kwargs)
        return VendorBadRequest(message, field_errors=self.field_errors(body), **kwargs)

    def transient_error(
        self, response: requests.Response, message: str, **kwargs: Any
    ) -> VendorTransientError:
        """5xx: retry later; 429: throttled, so the call was never processed (RFC 6585)."""
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        cls = VendorThrottled if response.status_code == 429 else VendorTransientError
        return cls(message, retry_after=retry_after, **kwargs)

    def error_message(self, body: Any) -> str:
        """The human message inside a vendor error body."""
        if isinstance(body, dict):
            for key in ("message", "detail", "title", "error_message", "error", "errorMessage"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    return value
        if isinstance(body, str):
            return body[:500]
        return ""

    def field_errors(self, body: Any) -> dict[str, list[str]]:
        return {}

    # -- the request machinery ----------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
    ) -> Any:
        """Send a request and return the decoded JSON body (None when empty)."""
        return self.request(
            method, path, params=params, json=json, data=data, headers=headers, safe=safe
        )[1]

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
    ) -> tuple[requests.Response, Any]:
        """Send with retries for safe calls; return the response and its decoded body."""
        method = method.upper()
        safe = method in SAFE_METHODS if safe is None else safe
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(method, path, params, json, data, headers, safe, attempt)
            except VendorTransientError as exc:
                # A write is resent only when the vendor refused it unprocessed (throttling).
                resendable = safe or isinstance(exc, VendorThrottled)
                if not resendable or attempt > self.max_retries or isinstance(exc, VendorRateWait):
                    raise
                wait = self._backoff(attempt, exc.retry_after)
                if wait is None:
                    raise
                if self.max_wait is not None and wait > self.max_wait:
                    # Not in this worker slot: the task re-enqueues with the wait as countdown.
                    exc.retry_after = max(exc.retry_after or 0.0, wait)
                    raise
                self.log.info("retrying %s %s in %.2fs after: %s", method, path, wait, exc)
                self._sleep(wait)

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        if retry_after is not None:
            return None if retry_after > self.max_retry_after else retry_after
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)  # full jitter

    def _acquire(self) -> None:
        try:
            self.rate_limiter.acquire(
                self.limit_key,
                self.rate_limit,
                lane=self.lane,
                reserve=self.ops_reserve,
                max_wait=self.max_wait,
            )
        except DailyQuotaExhausted as exc:
            raise VendorTransientError(str(exc), vendor=self.vendor, retry_after=exc.retry_after)
        except WaitTooLong as exc:
            raise self._held_back(exc) from exc

    def _held_back(self, exc: WaitTooLong) -> VendorRateWait:
        self.log.info("held back %.1fs (%s): rescheduling", exc.retry_after, exc.reason)
        return VendorRateWait(str(exc), vendor=self.vendor, retry_after=exc.retry_after)

    def _cool_down(self, error: VendorError | None) -> None:
        """A vendor's Retry-After (or its throttle answer) holds back every process on the key."""
        if not isinstance(error, VendorTransientError) or isinstance(error, VendorOutcomeUnknown):
            return
        seconds = error.retry_after
        if seconds is None and isinstance(error, VendorThrottled):
            seconds = self.throttle_cooldown
        if seconds:
            self.rate_limiter.set_cooldown(self.limit_key, seconds)

    def remaining_daily_calls(self) -> int | None:
        return self.rate_limiter.remaining_today(self.limit_key, self.rate_limit)

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None,
        json: Any,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        safe: bool,
        attempt: int,
    ) -> tuple[requests.Response, Any]:
        body_bytes = None
        merged_headers = dict(headers or {})
        if json is not None:
            body_bytes = jsonlib.dumps(json, separators=(",", ":")).encode()
            merged_headers.setdefault("Content-Type", "application/json")
        prepared = self.session.prepare_request(
            requests.Request(
                method,
                self.url(path),
                params=params,
                data=body_bytes if body_bytes is not None else data,
                headers=merged_headers,
            )
        )
        refreshed = False
        while True:
            self._acquire()
            self.authenticate(prepared)
            response, body, error = self._exchange(prepared, method, path, safe, attempt)
            if (
                isinstance(error, VendorAuthError)
                and response is not None
                and response.status_code in self.refresh_on_status
                and not refreshed
                and self.refresh_auth()
            ):
                refreshed = True
                continue
            if error is not None:
                raise error
            assert response is not None  # every path without a response sets an error
            return response, body

    def _exchange(
        self, prepared: requests.PreparedRequest, method: str, path: str, safe: bool, attempt: int
    ) -> tuple[requests.Response | None, Any, VendorError | None]:
        started = time.monotonic()
        response: requests.Response | None = None
        error: VendorError | None = None
        body: Any = None
        try:
            with self._slot():
                response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.ConnectTimeout as exc:
            error = VendorTransientError(f"could not connect: {exc}", vendor=self.vendor)
        except requests.ConnectionError as exc:
            error = self._lost(exc, safe, "connection failed")
        except requests.Timeout as exc:
            error = self._lost(exc, safe, "no answer within the read timeout")
        else:
            body, error = self._decode(response, safe)
            if error is None:
                error = self.error_for_response(response, body)
        latency_ms = (time.monotonic() - started) * 1000
        self._cool_down(error)
        self._record(method, path, response, latency_ms, error, attempt)
        # The answer an unexpected-shape error keeps (vendors.base.unexpected_answers).
        self.last_call = f"{method} {self.redact(path.split('?')[0])}"
        self.last_status = response.status_code if response is not None else None
        self.last_body = body
        return response, body, error

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        """Hold a slot in flight when the connection caps them: a lease that expires after the
        longest call, so a process that dies mid-call frees its slot."""
        if self.max_in_flight is None:
            yield
            return
        try:
            with self.rate_limiter.in_flight(
                self.limit_key,
                self.max_in_flight,
                lease_seconds=sum(self.timeout) + 5.0,
                max_wait=self.max_wait,
            ):
                yield
        except WaitTooLong as exc:
            raise self._held_back(exc) from exc

    def _lost(self, exc: Exception, safe: bool, what: str) -> VendorError:
        refused = "NewConnectionError" in repr(exc) or "NameResolutionError" in repr(exc)
        if refused:
            return VendorTransientError(f"vendor unreachable: {what}", vendor=self.vendor)
        cls = VendorTransientError if safe else VendorOutcomeUnknown
        return cls(f"{what}; the vendor may or may not have applied it", vendor=self.vendor)

    def _decode(self, response: requests.Response, safe: bool) -> tuple[Any, VendorError | None]:
        if not response.content:
            return None, None
        try:
            return response.json(), None
        except ValueError:
            text = response.text[:500]
            if response.status_code >= 400 and response.status_code != 429:
                return text, None  # an error page in HTML/text: still map by status
            cls = (
                VendorTransientError
                if safe or response.status_code >= 300
                else VendorOutcomeUnknown
            )
            return text, cls(
                "vendor answered with a malformed body",
                vendor=self.vendor,
                status=response.status_code,
                body=text,
            )

    def _record(
        self,
        method: str,
        path: str,
        response: requests.Response | None,
        latency_ms: float,
        error: VendorError | None,
        attempt: int,
    ) -> None:
        status = response.status_code if response is not None else None
        outcome = "ok" if error is None else type(error).__name__
        self.log.info(
            "%s %s -> %s in %.0fms (%s)",
            method,
            self.redact(path.split("?")[0]),
            status,
            latency_ms,
            outcome,
        )
        if self.on_call is not None:
            self.on_call(
                CallRecord(
                    self.vendor,
                    self.limit_key,
                    method,
                    path.split("?")[0],
                    status,
                    latency_ms,
                    outcome,
                    attempt,
                )
            )

    def redact(self, text: str) -> str:
        """Replace any credential value that slipped into a log line."""
        for value in self.credentials.values():
            if isinstance(value, str) and len(value) >= 6:
                text = text.replace(value, "***")
        return text
