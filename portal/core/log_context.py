"""Request, task, operation and connection ids on every log line.

Support reads one operation's story across a web request, the worker task that ran it and the
vendor calls it made; on several hosts that story is spread over many processes' logs. Each log
record carries the ids of the work it belongs to (``-`` when none), so a log search by
operation or request id finds every line. The web side takes the caller's ``X-Request-ID`` (a
proxy's) or makes one and sends it back; the worker side reads the task id and the
``operation_id``/``connection_id`` arguments of the running task.
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

FIELDS = ("request_id", "task_id", "operation_id", "connection_id")
_context: ContextVar[dict[str, str] | None] = ContextVar("portal_log_context", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def log_context() -> dict[str, str]:
    return dict(_context.get() or {})


def bind(**ids: Any) -> None:
    """Add ids to the current context (a request or a task); None values are skipped."""
    current = _context.get() or {}
    _context.set({**current, **{k: str(v) for k, v in ids.items() if v is not None}})


def clear() -> None:
    _context.set({})


class ContextFilter(logging.Filter):
    """Puts the current ids on each record, for the formatters to print."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _context.get() or {}
        for name in FIELDS:
            setattr(record, name, current.get(name, "-"))
        return True


class RequestIdMiddleware:
    """One id per request: the proxy's ``X-Request-ID`` when it is sane, else a new one.

    The id stays bound until ``request_finished``: Django logs a 4xx/5xx answer after the
    middleware chain has returned, and that line must carry it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        _context.set({"request_id": request_id})
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


@receiver(request_finished, dispatch_uid="portal_log_context_request_finished")
def _request_finished(**kwargs: Any) -> None:
    clear()


def task_ids(task: Any, args: tuple | list | None, kwargs: dict | None) -> dict[str, Any]:
    """The task id and the ``operation_id``/``connection_id`` arguments the task was given."""
    ids: dict[str, Any] = {"task_id": getattr(task.request, "id", None)}
    try:
        bound = inspect.signature(task.run).bind_partial(*(args or ()), **(kwargs or {}))
    except TypeError:
        return ids
    for name in ("operation_id", "connection_id"):
        ids[name] = bound.arguments.get(name)
    return ids
