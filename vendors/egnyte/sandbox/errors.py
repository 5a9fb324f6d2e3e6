"""Egnyte-shaped error answers.

The MSP API (a DRF service behind Egnyte's Mashery gateway) answers errors as
``{"message": ..., "code": ...}`` (CONTRACTS.md section 3, Go client test fixture); validation
errors add ``errors: {field: [messages]}`` (assumption). Throttling is answered by the gateway,
not the API: HTTP 403 with ``X-Mashery-Error-Code`` and ``Retry-After`` and a small HTML body.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

OVER_QPS = "ERR_403_DEVELOPER_OVER_QPS"
OVER_RATE = "ERR_403_DEVELOPER_OVER_RATE"
#: The server passes 1 s for the per-second window and 3600 s for the daily quota; anything at
#: or above this is reported as the daily quota (the base hook does not say which limit tripped).
DAILY_RETRY_AFTER = 60


class EgnyteError(Exception):
    """Raised by the state layer; routes turn it into the vendor's error answer."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str = "", **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.extra = extra

    def response(self) -> Response:
        return error_response(self.status, self.message, self.code, **self.extra)


class ValidationError(EgnyteError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.items()))
        super().__init__(f"{first[0]}: {first[1][0]}", errors=errors)


class NotFound(EgnyteError):
    status = 404
    code = "not_found"


class Conflict(EgnyteError):
    status = 409


def error_response(status: int, message: str, code: str, **extra: Any) -> Response:
    body = {"message": message, "code": code, **extra}
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


def not_authenticated(missing: bool) -> Response:
    if missing:
        return error_response(
            401, "Authentication credentials were not provided.", "not_authenticated"
        )
    return error_response(401, "Invalid access token.", "authentication_failed")


def permission_denied() -> Response:
    return error_response(403, "MSP API access is not enabled for this key.", "permission_denied")


def throttled(retry_after: int) -> Response:
    daily = retry_after >= DAILY_RETRY_AFTER
    code, text = (OVER_RATE, "Developer Over Rate") if daily else (OVER_QPS, "Developer Over Qps")
    return Response(
        f"<h1>{text}</h1>",
        status=403,
        headers={"X-Mashery-Error-Code": code, "Retry-After": str(retry_after)},
        mimetype="text/html",
    )
