"""Emitting events to internal tools' webhooks: ``emit("operation.succeeded", {...})``.

Call it inside the transaction of the change it reports: the delivery rows commit with the
change, and delivery tasks are queued only once it has committed (a rolled-back change never
announces itself).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import Signal

from portal.core.queues import DEFAULT_QUEUE, send_task

from .models import WebhookDelivery, WebhookSubscription

#: The worker task delivering one webhook (``tasks.deliver_webhook``, its API-app name kept).
DELIVER_WEBHOOK = "api.deliver_webhook"

logger = logging.getLogger(__name__)

#: Sent by ``emit``/``emit_each`` inside the change's transaction with ``event_type`` and
#: ``payloads`` (a function returning the event's payloads, built once whoever asks first):
#: how higher layers (notifications) hear every event without this layer knowing them.
event_emitted = Signal()


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def emit(event_type: str, payload: dict[str, Any] | Callable[[], dict[str, Any]]) -> list[int]:
    """Record one delivery per active subscription to ``event_type``; returns their ids.

    ``payload`` may be a callable: it is built only when some subscription wants the event
    (an operation's payload costs a query, and most installations subscribe to few events).
    """
    built: list[dict[str, Any]] = []

    def payloads() -> list[dict[str, Any]]:
        if not built:
            built.append(payload() if callable(payload) else payload)
        return built

    wanted = _subscribers(event_type)
    ids = _deliver(event_type, payloads(), wanted) if wanted else []
    event_emitted.send(sender=emit, event_type=event_type, payloads=payloads)
    return ids


def emit_each(event_type: str, payloads: list[dict[str, Any]]) -> list[int]:
    """One event per payload, with one subscription query for them all (sync pages)."""
    if not payloads:
        return []
    ids = _deliver(event_type, payloads, _subscribers(event_type))
    event_emitted.send(sender=emit_each, event_type=event_type, payloads=lambda: payloads)
    return ids


def _subscribers(event_type: str) -> list[int]:
    # One query; event_types is a short JSON list (filtered here: SQLite has no JSON contains).
    return [
        pk
        for pk, types in WebhookSubscription.objects.filter(active=True).values_list(
            "pk", "event_types"
        )
        if event_type in (types or [])
    ]


def _deliver(event_type: str, payloads: list[dict[str, Any]], wanted: list[int]) -> list[int]:
    if not wanted:
        return []
    ids = [
        WebhookDelivery.objects.create(
            subscription_id=pk, event_type=event_type, payload=_jsonable(payload)
        ).pk
        for payload in payloads
        for pk in wanted
    ]
    transaction.on_commit(lambda: deliveries_enqueue(ids))
    logger.info("event %s: %d deliveries", event_type, len(ids))
    return ids


def deliveries_enqueue(ids: list[int]) -> None:
    """Queue one delivery task per id; call it once the rows have committed (``on_commit``)."""
    for pk in ids:
        send_task(DELIVER_WEBHOOK, args=[pk], queue=DEFAULT_QUEUE)
