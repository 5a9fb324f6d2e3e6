"""Redstor-shaped error answers: RFC 7807 ProblemDetails on the API, RFC 6749 at the token endpoint.

The RedAPI V1 spec types every 4xx/5xx body as ``ProblemDetails`` (ASP.NET Core's RFC 7807 class),
so bodies carry ``type``/``title``/``status``/``detail``/``instance`` plus the ``traceId``
extension ASP.NET adds, and ``errors`` (field -> messages) for validation failures. The identity
server (id.redstor.com, IdentityServer) answers token requests with the OAuth error body instead.
State code raises the exceptions below; the routes render them.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from werkzeug.wrappers import Response

PROBLEM_JSON = "application/problem+json"

# The ``type`` URIs and titles ASP.NET Core's ProblemDetailsFactory uses per status.
_TYPES = {
    400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    401: "https://tools.ietf.org/html/rfc7235#section-3.1",
    403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
    404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
    405: "https://tools.ietf.org/html/rfc7231#section-6.5.5",
    422: "https://tools.ietf.org/html/rfc4918#section-11.2",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://tools.ietf.org/html/rfc7231#section-6.6.1",
}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "An error occurred while processing your request.",
}
VALIDATION_TITLE = "One or more validation errors occurred."


class RedstorProblem(Exception):
    """A failure the state layer reports; routes turn it into a ProblemDetails answer."""

    status = 400

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(RedstorProblem):
    status = 404


class Unprocessable(RedstorProblem):
    """A business rule refused the change (the spec's ``422 Client Error``)."""

    status = 422


class ValidationFailed(RedstorProblem):
    """ASP.NET model validation: 400 with ``errors`` keyed by field."""

    status = 400

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(VALIDATION_TITLE, errors)


def trace_id() -> str:
    """W3C traceparent-shaped id, as ASP.NET Core puts in ``traceId``."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


def problem(
    status: int,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": _TYPES.get(status, "about:blank"),
        "title": VALIDATION_TITLE if errors else _TITLES.get(status, "Error"),
        "status": status,
    }
    if detail and detail != VALIDATION_TITLE:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    body["traceId"] = trace_id()
    return Response(json.dumps(body), status=status, headers=headers, mimetype=PROBLEM_JSON)


def from_exception(exc: RedstorProblem, instance: str) -> Response:
    return problem(exc.status, exc.detail, instance=instance, errors=exc.errors)


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    """RFC 6749 section 5.2 error body, as IdentityServer sends it (400 even for invalid_client)."""
    body = {"error": error, "error_description": description}
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")
