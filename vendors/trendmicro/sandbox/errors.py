"""LMPI-shaped error answers: ``{"error_subject", "error_message"}`` (LMPI "General error codes").

The documented example error is served as ``Content-Type: text/html`` although its body is JSON;
the sandbox does the same so the adapter keeps parsing leniently.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Response

ERROR_CONTENT_TYPE = "text/html; charset=utf-8"


class LmpiError(Exception):
    """Raised by state and routes; becomes one LMPI error body."""

    def __init__(self, status: int, subject: str, message: str) -> None:
        super().__init__(f"{status} {subject}: {message}")
        self.status = status
        self.subject = subject
        self.message = message

    def response(self, headers: dict[str, str] | None = None) -> Response:
        return error_response(self.status, self.subject, self.message, headers)


def error_response(
    status: int, subject: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps({"error_subject": subject, "error_message": message})
    response = Response(body, status=status, headers=headers)
    response.headers["Content-Type"] = ERROR_CONTENT_TYPE
    return response


def invalid(field: str, message: str) -> LmpiError:
    """``InvalidParameters{FieldName}``, the documented 400 subject for a bad parameter."""
    name = "".join(part.capitalize() for part in field.split("_"))
    return LmpiError(400, f"InvalidParameters{name}", message)


def not_found(resource: str, identifier: str) -> LmpiError:
    """Unknown ids: LMPI documents no 404 subject, so the sandbox uses ``NotFound{Resource}``."""
    return LmpiError(404, f"NotFound{resource}", f"{resource} {identifier} was not found.")


def missing_header(subject_suffix: str, header: str) -> LmpiError:
    return LmpiError(400, f"MissingHeader{subject_suffix}", f"{header} missing.")


AUTH_ACCESS_TOKEN = LmpiError(
    401,
    "AuthenticationFailureAccessToken",
    "Failed to verify x-access-token. The access token may not have been configured.",
)
INVALID_ACCESS_TOKEN = LmpiError(401, "InvalidHeaderAccessToken", "Invalid x-access-token.")
AUTH_SIGNATURE = LmpiError(401, "AuthenticationFailureSignature", "Failed to verify x-signature.")
AUTH_POSIX_TIME = LmpiError(401, "AuthenticationFailurePosixTime", "Failed to verify x-posix-time.")
CONTENT_TYPE = LmpiError(
    415,
    "InvalidHeaderContentType",
    "Content-type header should be provided with application/json.",
)
INTERNAL = LmpiError(500, "InternalError", "An internal error occurred. Please try again later.")
# Throttling is not documented by LMPI; the sandbox answers 429 in the usual error shape.
THROTTLED_SUBJECT = "TooManyRequests"
