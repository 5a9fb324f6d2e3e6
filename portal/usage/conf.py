"""Usage review thresholds, with defaults; override in Django settings or the environment."""

from __future__ import annotations

import os
from decimal import Decimal

from django.conf import settings


def _setting(name: str, default: str) -> Decimal:
    return Decimal(str(getattr(settings, name, os.environ.get(name, default))))


def overuse_ratio() -> Decimal:
    """Over-use: used above purchased times this (1 = any seat beyond what was bought)."""
    return _setting("USAGE_OVERUSE_RATIO", "1")


def idle_ratio() -> Decimal:
    """Idle licences: used below purchased times this."""
    return _setting("USAGE_IDLE_RATIO", "0.5")


def jump_ratio() -> Decimal:
    """A large change: used differs from the previous month by more than this share of it."""
    return _setting("USAGE_JUMP_RATIO", "0.5")


def jump_min_delta() -> Decimal:
    """...and by at least this many units, so 1 -> 2 seats is not flagged."""
    return _setting("USAGE_JUMP_MIN_DELTA", "5")


def review_cache_seconds() -> int:
    """How long the review pages keep month totals before recomputing them."""
    return int(_setting("USAGE_REVIEW_CACHE_SECONDS", "300"))
