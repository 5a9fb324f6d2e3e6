"""Lookout-shaped error answers.

The partner Swagger's one error schema is ``Error {message, traceId}`` (lookout-partner-api.txt,
"Components / Schemas / Error"); every API error uses it. The token endpoint answers like an
OAuth 2.0 server (RFC 6749 section 5.2: ``{error, error_description}``): an assumption, since
the MES token docs show only the success body.
"""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Response

from vendors.sandbox.base import VendorSandbox


def error_body(message: str) -> dict[str, str]:
    return {"message": message, "traceId": str(uuid.uuid4())}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return VendorSandbox.json(error_body(message), status, headers)


def oauth_error(status: int, error: str, description: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer error="invalid_client"'} if status == 401 else None
    return VendorSandbox.json({"error": error, "error_description": description}, status, headers)


class LookoutApiError(Exception):
    """Raised by the state; the routes turn it into the vendor's error answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def response(self) -> Response:
        return error_response(self.status, self.message)


class BadRequest(LookoutApiError):
    status = 400


class Unauthorized(LookoutApiError):
    status = 401

    def response(self) -> Response:
        response = super().response()
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response


class NotFound(LookoutApiError):
    status = 404
