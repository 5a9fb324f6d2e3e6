"""API permissions: the same rules as the pages, asked of portal.accounts.scoping."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from portal.accounts.scoping import can_manage, can_view, can_write

VIEW, WRITE, MANAGE = "view", "write", "manage"
_CHECKS = {VIEW: can_view, WRITE: can_write, MANAGE: can_manage}


class PortalPermission(BasePermission):
    """Reads need a role; writes need ``view.write_level`` (per action via ``action_levels``).

    Objects outside the user's scope never reach this check: the views' querysets are scoped,
    so they are 404.
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        levels = getattr(view, "action_levels", {})
        action = getattr(view, "action", None)
        if action in levels:
            level = levels[action]
        elif request.method in SAFE_METHODS:
            level = getattr(view, "read_level", VIEW)
        else:
            level = getattr(view, "write_level", WRITE)
        return _CHECKS[level](request.user)
