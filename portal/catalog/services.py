"""Writes to vendor connections: one validation and one audit shape for the page, the API and
the admin. Credentials are stored encrypted and never written to the audit trail (only that
they changed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.audit.services import Actor, audit_record
from portal.core.models import Source
from portal.events.models import EventType
from portal.events.outbound import emit
from vendors.registry import get_adapter_class

from .models import SyncStatus, VendorConnection

#: What staff may set on a connection besides its credentials.
EDITABLE = ("vendor", "name", "base_url", "enabled")


def _check(fields: Mapping[str, Any], credentials: Mapping[str, str] | None, vendor: str) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown connection fields: {', '.join(sorted(unknown))}.")
    if credentials is not None:
        missing = sorted(set(get_adapter_class(vendor).credential_fields) - set(credentials))
        if missing:
            raise ValidationError(
                {"credentials": f"Missing credential fields: {', '.join(missing)}."}
            )


def _audit(
    connection: VendorConnection,
    action: str,
    fields: Iterable[str],
    credentials: Mapping[str, str] | None,
    actor: Actor,
    source: str,
) -> None:
    audit_record(
        action=action,
        source=source,
        actor=actor,
        obj=connection,
        # "access", not "credentials": the trail redacts every key naming a credential.
        detail={"fields": sorted(fields), "access_changed": credentials is not None},
    )


@transaction.atomic
def connection_create(
    *,
    credentials: Mapping[str, str],
    actor: Actor = None,
    source: str = Source.PAGE,
    **fields: Any,
) -> VendorConnection:
    """A new connection to a vendor account (test it afterwards: nothing is called here)."""
    _check(fields, credentials, fields.get("vendor", ""))
    connection = VendorConnection(**fields, credentials=dict(credentials))
    connection.full_clean(exclude=["credentials"])
    connection.save()
    _audit(connection, "connection.created", fields, credentials, actor, source)
    return connection


@transaction.atomic
def connection_update(
    *,
    connection: VendorConnection,
    credentials: Mapping[str, str] | None = None,
    actor: Actor = None,
    source: str = Source.PAGE,
    **fields: Any,
) -> VendorConnection:
    """Change a connection; ``credentials`` None keeps the stored ones."""
    _check(fields, credentials, fields.get("vendor", connection.vendor))
    changed = [name for name, value in fields.items() if getattr(connection, name) != value]
    for name in changed:
        setattr(connection, name, fields[name])
    if credentials is not None:
        connection.credentials = dict(credentials)
    if not changed and credentials is None:
        return connection
    connection.full_clean(exclude=["credentials"])
    connection.save()
    _audit(connection, "connection.updated", changed, credentials, actor, source)
    return connection


def connection_credentials_rejected(*, connection_id: int, message: str) -> bool:
    """Flag a connection whose credentials the vendor rejected, so every page shows it; a
    rejection of a connection not flagged yet announces ``connection.auth_failed`` (its
    ``event_key`` makes it one notice per connection a day, however many syncs fail).
    Returns whether this call flagged it."""
    now = timezone.now()
    flagged = (
        VendorConnection.objects.filter(pk=connection_id)
        .exclude(sync_status=SyncStatus.AUTH_FAILED)
        .update(sync_status=SyncStatus.AUTH_FAILED, last_error=message, updated_at=now)
    )
    if flagged:
        key = f"connection.auth_failed:{connection_id}:{timezone.localdate()}"
        emit(
            EventType.CONNECTION_AUTH_FAILED,
            {"connection": connection_id, "error": message, "event_key": key},
        )
    else:
        VendorConnection.objects.filter(pk=connection_id).update(last_error=message, updated_at=now)
    return bool(flagged)
