"""Who may open a page: sign-in and the role checks every page view starts with."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .scoping import can_manage, can_view, can_write


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
