"""What every page view shares: sign-in and role checks, pagination, messages from services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest

from portal.accounts.scoping import can_manage, can_view, can_write

PAGE_SIZE = 50


def viewer_required(view):
    """Signed in and holding any role (a user without a profile sees nothing)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not can_view(request.user):
            raise PermissionDenied("Your account has no role in the portal yet.")
        return view(request, *args, **kwargs)

    return wrapped


def writer_required(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not can_write(request.user):
            raise PermissionDenied("Your role can view but not change anything.")
        return view(request, *args, **kwargs)

    return wrapped


def manager_required(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not can_manage(request.user):
            raise PermissionDenied("Only distributor admins manage vendor connections.")
        return view(request, *args, **kwargs)

    return wrapped


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def error_text(exc: ValidationError) -> str:
    """A service's refusal as one sentence for a message or a form's non-field error."""
    return " ".join(exc.messages)


def flash_refusal(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, error_text(exc))
