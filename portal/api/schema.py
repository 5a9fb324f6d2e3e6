"""OpenAPI generation: every operation documents the shared error answers."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

from .exceptions import ErrorSerializer

ERROR_CODES = {
    "400": "The request is not valid (details per field).",
    "401": "No credentials, or an invalid or revoked API token.",
    "403": "The user's role does not allow this.",
    "404": "Not found, or outside the user's scope.",
    "406": "The Accept header asks for a format this endpoint does not produce.",
    "409": "The request conflicts with the current state (or reuses an idempotency key).",
    "415": "The request body's content type is not supported.",
    "429": "Too many requests for this token; retry after details.retry_after seconds.",
}


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        for code, description in ERROR_CODES.items():
            if code not in responses:
                response = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"]
                )
                response["description"] = description
                responses[code] = response
        return responses
