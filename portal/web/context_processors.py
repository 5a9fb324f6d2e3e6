"""What the layout needs about the signed-in user (navigation shows only what they may use)."""

from __future__ import annotations

from django.http import HttpRequest

from portal.accounts.models import Role
from portal.accounts.scoping import can_manage, can_write, user_role
from portal.approvals.selectors import has_requests, to_decide_count
from portal.notifications.selectors import unread_count


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = user_role(user)
    return {
        "nav_can_write": can_write(user),
        "nav_can_manage": can_manage(user),
        "nav_role_label": Role(role).label if role else "no role",
    }


def inbox(request: HttpRequest) -> dict[str, object]:
    """The header's unread count: one indexed count, only on full pages of signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.headers.get("HX-Request"):
        return {}
    return {"inbox_unread": unread_count(user)}


def approvals(request: HttpRequest) -> dict[str, object]:
    """The header's Approvals link, for admins (with how many wait for them) and for anyone who
    has asked for one; one query, only on full pages of signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.headers.get("HX-Request"):
        return {}
    if user_role(user) == Role.ADMIN:
        return {"nav_approvals": True, "approvals_to_decide": to_decide_count(user)}
    return {"nav_approvals": has_requests(user), "approvals_to_decide": 0}
