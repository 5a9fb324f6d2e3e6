"""Writing audit events. Details are redacted before they are stored."""

from __future__ import annotations

from typing import Any

from django.db import models

from portal.core.models import Source
from portal.core.redaction import redact

from .models import AuditEvent


def audit_record(
    *,
    action: str,
    source: str = Source.SYSTEM,
    actor=None,
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
    return AuditEvent.objects.create(
        action=action,
        source=source,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label or (actor.get_username() if getattr(actor, "pk", None) else source),
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else object_id,
        object_repr=str(obj)[:300] if obj is not None else object_repr[:300],
        customer_id=customer_id,
        detail=redact(detail or {}),
    )
