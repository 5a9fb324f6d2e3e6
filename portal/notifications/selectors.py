"""Reads of a user's own notices (a user never sees anyone else's)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Notice


def inbox(user) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).count()
