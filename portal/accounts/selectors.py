"""Reading users for the management pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import ApiToken


def user_list(*, q: str = "", role: str = "", active: str = "") -> QuerySet:
    users = get_user_model().objects.select_related("profile", "profile__reseller")
    if q.strip():
        value = q.strip()
        users = users.filter(
            Q(username__icontains=value)
            | Q(email__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )
    if role == "none":
        users = users.filter(profile__isnull=True, is_superuser=False)
    elif role:
        users = users.filter(profile__role=role)
    if active in ("yes", "no"):
        users = users.filter(is_active=active == "yes")
    return users.order_by("username")


def user_tokens(*, user) -> QuerySet:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")
