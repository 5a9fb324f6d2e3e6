"""Every emitted event that is a kind of notice is fanned out by a worker once the change that
emitted it has committed: the request (or the sync page) never waits for it, and a rolled-back
change tells nobody."""

from __future__ import annotations

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import receiver

from portal.core.queues import DEFAULT_QUEUE, send_task
from portal.events.outbound import event_emitted

from .kinds import KINDS
from .services import event_key

FAN_OUT = "notifications.fan_out"


@receiver(event_emitted, dispatch_uid="notifications_from_events")
def _event_to_notices(sender, event_type: str, payloads, **kwargs) -> None:
    if event_type not in KINDS:
        return
    events = [
        [event_key(p["event_key"]) if p.get("event_key") else str(uuid.uuid4()), _jsonable(p)]
        for p in payloads()
    ]
    transaction.on_commit(
        lambda: send_task(FAN_OUT, args=[event_type, events], queue=DEFAULT_QUEUE)
    )


def _jsonable(payload: dict) -> dict:
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
