"""One error shape for every API answer: ``{"code", "message", "details"}``.

``code`` is stable and machine-readable (``invalid``, ``not_found``, ``idempotency_key_reused``…),
``message`` is for people, ``details`` maps field names to lists of messages (``non_field_errors``
for the request as a whole) or carries extra facts such as ``retry_after``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.views import exception_handler

from portal.operations.services import OperationKeyReused

MESSAGES = {
    "invalid": "The request is not valid; see details.",
}


class Conflict(exceptions.APIException):
    """The request is valid but clashes with the object's current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the object."
    default_code = "conflict"


def django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as field -> messages (a service's refusal is non-field)."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if name == "__all__" else name): [str(m) for m in errs]
            for name, errs in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, OperationKeyReused):
        return Conflict(" ".join(exc.messages), code="idempotency_key_reused")
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(django_errors(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict(
            "Other records still refer to this object; it cannot be deleted.", code="in_use"
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def api_exception_handler(exc, context):
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handling (and logging) takes over
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {"code": "invalid", "message": MESSAGES["invalid"], "details": detail}
        first = detail.get("non_field_errors") if isinstance(detail, dict) else None
        if first and len(detail) == 1:
            body["message"] = str(first[0])
    else:
        body = {"code": _code(exc), "message": str(exc.detail), "details": {}}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["details"] = {"retry_after": int(exc.wait + 0.999)}
    response.data = body
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    code = serializers.CharField(
        help_text="Stable machine-readable code, e.g. invalid, not_found, not_authenticated, "
        "permission_denied, conflict, idempotency_key_reused, throttled."
    )
    message = serializers.CharField(help_text="A sentence for people.")
    details = serializers.DictField(
        help_text="Per-field lists of messages (non_field_errors for the whole request), or "
        "extra facts such as retry_after (seconds).",
    )
