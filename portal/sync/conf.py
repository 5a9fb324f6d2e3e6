"""Sync engine settings, with defaults; override in Django settings or the environment."""

from __future__ import annotations

import os

from django.conf import settings


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, os.environ.get(name, default)))


def claim_stale_seconds() -> int:
    """A sync claim older than this (no heartbeat) belongs to a dead worker and may be taken over."""
    return _setting("SYNC_CLAIM_STALE_SECONDS", 600)


def sync_interval_minutes() -> int:
    return _setting("SYNC_INTERVAL_MINUTES", 30)
