"""Abstract bases shared by the domain apps."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def fingerprint(data: Any) -> str:
    """A stable hash of normalized vendor data: sync rewrites a row only when it changes."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Source(models.TextChoices):
    """Where a request came from (audit, operations)."""

    PAGE = "page", "Staff page"
    API = "api", "REST API"
    ADMIN = "admin", "Admin"
    WORKER = "worker", "Worker"
    CLI = "cli", "Command line"
    WEBHOOK = "webhook", "Webhook"
    SYSTEM = "system", "System"
