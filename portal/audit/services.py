"""Writing audit events. Details are redacted before they are stored."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db import models

from portal.core.models import Source
from portal.core.redaction import redact

from .models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: Who asks for a change: a signed-in user, an anonymous request, or None (the system).
Actor: TypeAlias = "User | AnonymousUser | None"


def acting_user(actor: Actor) -> User | None:
    """The user to record as the one who asked; None for the system or an anonymous request."""
    if actor is None or isinstance(actor, AnonymousUser) or not actor.pk:
        return None
    return actor


def audit_record(
    *,
    action: str,
    source: str = Source.SYSTEM,
    actor: Actor = None,
    obj: models.Model | None = None,
    customer=None,
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Write one audit event; call it inside the transaction of the change it records.

    ``object_type``/``object_id``/``object_repr`` name an object that no longer exists (a
    deletion); otherwise they come from ``obj``.
    """
    customer_id = customer.pk if customer is not None else None
    if customer is None and obj is not None:
        # The id, so an object whose customer is not loaded costs no query.
        customer_id = getattr(obj, "customer_id", None)
    user = acting_user(actor)
    return AuditEvent.objects.create(
        action=action,
        source=source,
        actor=user,
        actor_label=actor_label or (user.get_username() if user is not None else source),
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        object_repr=str(obj)[:300] if obj is not None else object_repr[:300],
        customer_id=customer_id,
        detail=redact(detail or {}),
    )
