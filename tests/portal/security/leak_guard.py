"""Watch the whole test run for vendor secrets in responses, log records and audit events.

Every VendorConnection saved during the run registers its secret values (the credential fields
the redaction module calls secret, and the webhook header value). From then on every HTTP
response the Django handler produces (test client and live servers alike), every log record and
every audit event written is searched for them; a hit fails the test that produced it.
Registered for the whole run from ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

import pytest
from django.core.handlers.base import BaseHandler
from django.db.models.signals import post_save

from portal.core.redaction import SECRET_KEY_PATTERN

#: Shorter values could occur in pages by chance (a region code); real keys are far longer.
MIN_SECRET_LENGTH = 10


@dataclass
class LeakGuard:
    secrets: set[str] = field(default_factory=set)
    leaks: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=lambda: {"response": 0, "log": 0, "audit": 0})
    _pattern: re.Pattern | None = None
    log_handler: logging.Handler | None = None

    def add_secret(self, value: str) -> None:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH and value not in self.secrets:
            self.secrets.add(value)
            self._pattern = None

    def _search(self, text: str) -> str | None:
        if not self.secrets:
            return None
        if self._pattern is None:
            self._pattern = re.compile("|".join(map(re.escape, sorted(self.secrets, key=len))))
        found = self._pattern.search(text)
        return found.group(0) if found else None

    def check(self, kind: str, where: str, text: str) -> None:
        self.checked[kind] += 1
        secret = self._search(text)
        if secret is not None:
            self.leaks.append(f"{kind} {where}: contains the secret {secret[:4]}…")

    # -- sources ---------------------------------------------------------------------------

    def connection_saved(self, sender, instance, **kwargs) -> None:
        for key, value in (instance.credentials or {}).items():
            if SECRET_KEY_PATTERN.search(str(key)):
                self.add_secret(value)
        self.add_secret((instance.webhook_auth or {}).get("value", ""))

    def audit_saved(self, sender, instance, created: bool, **kwargs) -> None:
        text = json.dumps(
            [instance.actor_label, instance.action, instance.object_repr, instance.detail],
            default=str,
        )
        self.check("audit", instance.action, text)

    def response(self, request, response) -> None:
        where = f"{request.method} {request.get_full_path()}"
        if getattr(response, "streaming", False):
            response.streaming_content = self._checked_stream(where, response.streaming_content)
        else:
            self.check("response", where, response.content.decode("utf-8", "replace"))
            for name, value in response.items():
                self.check("response", f"{where} header {name}", value)

    def _checked_stream(self, where, chunks):
        for chunk in chunks:
            text = chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else str(chunk)
            self.check("response", where, text)
            yield chunk


class _LogHandler(logging.Handler):
    def __init__(self, guard: LeakGuard) -> None:
        super().__init__(level=logging.DEBUG)
        self.guard = guard

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is not this handler's business
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        self.guard.check("log", record.name, text)


@pytest.fixture(scope="session", autouse=True)
def secret_leak_guard():
    """One guard for the run: signals, a root log handler and a wrap of the request handler."""
    from portal.audit.models import AuditEvent
    from portal.catalog.models import VendorConnection

    guard = LeakGuard()
    post_save.connect(guard.connection_saved, sender=VendorConnection, weak=False)
    post_save.connect(guard.audit_saved, sender=AuditEvent, weak=False)
    handler = guard.log_handler = _LogHandler(guard)
    logging.getLogger().addHandler(handler)
    original = BaseHandler.get_response

    def get_response(self, request):
        response = original(self, request)
        guard.response(request, response)
        return response

    BaseHandler.get_response = get_response
    try:
        yield guard
    finally:
        BaseHandler.get_response = original
        logging.getLogger().removeHandler(handler)
        post_save.disconnect(guard.connection_saved, sender=VendorConnection)
        post_save.disconnect(guard.audit_saved, sender=AuditEvent)


@pytest.fixture(autouse=True)
def secret_leak_check(secret_leak_guard):
    """Fail the test during which a secret showed up anywhere the guard looks."""
    root, handler = logging.getLogger(), secret_leak_guard.log_handler
    if handler is not None and handler not in root.handlers:
        # Something earlier in this process configured logging again (Celery and Django's
        # dictConfig replace the root logger's handlers): watch the log records again.
        root.addHandler(handler)
    before = len(secret_leak_guard.leaks)
    yield
    found = secret_leak_guard.leaks[before:]
    del secret_leak_guard.leaks[before:]
    if found:
        pytest.fail("Vendor secret leaked:\n" + "\n".join(sorted(set(found))[:20]), pytrace=False)
