"""API token services: a token's value is shown once at creation; only its SHA-256 is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.core.models import Source

from .models import ApiToken

TOKEN_PREFIX = "cpt_"
PREFIX_LENGTH = 12
#: ``last_used_at`` is written at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, actor=None, source: str = Source.PAGE) -> tuple[ApiToken, str]:
    """Create a token for ``user``; the raw value is returned here and never again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:PREFIX_LENGTH], key_hash=token_hash(raw)
    )
    actor = actor or user
    audit_record(
        action="api_token.created",
        source=source,
        actor=actor,
        obj=token,
        detail={"user": user.get_username(), "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor=None, source: str = Source.PAGE) -> ApiToken:
    """Revoke at once; revoking twice keeps the first time."""
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    audit_record(
        action="api_token.revoked",
        source=source,
        actor=actor or token.user,
        obj=token,
        detail={"user": token.user.get_username(), "prefix": token.prefix},
    )
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token with this value (its user active), or None; marks it used."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__profile__reseller")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
