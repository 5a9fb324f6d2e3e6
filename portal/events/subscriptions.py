"""Writes to webhook subscriptions (internal tools' endpoints), each audited the same way.

The signing secret is generated here, shown once by the API, and never written to the trail.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.audit.services import audit_record
from portal.core.models import Source

from .deliveries import new_secret
from .models import WebhookSubscription

EDITABLE = ("name", "url", "event_types", "active")


def _audit(subscription: WebhookSubscription, action: str, fields, actor, source) -> None:
    audit_record(
        action=action,
        source=source,
        actor=actor,
        obj=subscription,
        detail={"fields": sorted(fields), "url": subscription.url},
    )


@transaction.atomic
def webhook_subscription_create(
    *, actor=None, source: str = Source.API, **fields: Any
) -> WebhookSubscription:
    """A new endpoint; its secret is in ``secret["secret"]`` for the caller to show once."""
    subscription = WebhookSubscription(
        **fields,
        secret={"secret": new_secret()},
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    subscription.full_clean(exclude=["secret", "created_by"])
    subscription.save()
    _audit(subscription, "webhook_subscription.created", fields, actor, source)
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor=None, source: str = Source.API, **fields: Any
) -> WebhookSubscription:
    changed = [name for name, value in fields.items() if getattr(subscription, name) != value]
    if not changed:
        return subscription
    for name in changed:
        setattr(subscription, name, fields[name])
    subscription.full_clean(exclude=["secret", "created_by"])
    subscription.save()
    _audit(subscription, "webhook_subscription.updated", changed, actor, source)
    return subscription


@transaction.atomic
def webhook_subscription_delete(
    *, subscription: WebhookSubscription, actor=None, source: str = Source.API
) -> None:
    _audit(subscription, "webhook_subscription.deleted", [], actor, source)
    subscription.delete()
