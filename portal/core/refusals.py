"""A service's refusal (a ValidationError) told to staff on a page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def error_text(exc: ValidationError) -> str:
    """A service's refusal as one sentence for a message or a form's non-field error."""
    return " ".join(exc.messages)


def flash_refusal(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, error_text(exc))
