"""Idempotency keys: what a client may send, and how the ledger keeps them apart per user.

An API client's key is stored as ``api-<user id>-<key>``, so two users' identical keys are two
requests; the API shows the client its own key back (``public_key``).
"""

from __future__ import annotations

import re

from portal.core.models import Source

from .models import Operation

#: What an Idempotency-Key header may hold.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def stored_key(user, key: str) -> str:
    """Keys are per user: another user's identical key is a different request."""
    return f"api-{user.pk}-{key}"


def public_key(operation: Operation) -> str:
    """The key as its API client sent it ('' for operations not requested over the API)."""
    prefix = f"api-{operation.requested_by_id}-"
    key = operation.idempotency_key
    return key[len(prefix) :] if operation.source == Source.API and key.startswith(prefix) else ""
