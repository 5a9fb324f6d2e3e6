"""Recording notices, reading them, and each user's preferences: every write goes here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.core.models import Source
from portal.core.queues import DEFAULT_QUEUE, send_task

from .kinds import KINDS, kind
from .models import Delivery, MailState, Notice, NotificationPreference
from .recipients import recipients

#: The worker task mailing one notice (``tasks.send_notice``).
SEND_NOTICE = "notifications.send_notice"

_MAIL_STATE: dict[str, str] = {
    Delivery.IMMEDIATE: MailState.PENDING,
    Delivery.DIGEST: MailState.DIGEST,
    Delivery.INBOX: MailState.NONE,
}


def event_key(text: str) -> str:
    """A stable event id for an event a periodic check finds again (a trial's end at 7 days):
    the same text gives the same id, so a second run tells nobody twice."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"portal:{text}"))


@transaction.atomic
def notices_record(*, event_type: str, events: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """Record each event's notices for everyone who hears it; returns how many are new.

    Idempotent per (user, event id): a fan-out run twice adds nothing and mails nothing again.
    """
    spec = kind(event_type)
    if spec is None:
        return 0
    new = 0
    for event_id, payload in events:
        content = spec.describe(payload)
        if content is None:  # the object is gone: nothing left to tell
            continue
        rows = [
            Notice(
                user_id=r.user_id,
                kind=event_type,
                event_id=event_id,
                title=content.title,
                body=content.body,
                url=content.url,
                customer=content.customer,
                mail_state=_MAIL_STATE[r.delivery] if r.email else MailState.NONE,
            )
            for r in recipients(spec, content.customer, content.users)
        ]
        if not rows:
            continue
        seen = set(Notice.objects.filter(event_id=event_id).values_list("user_id", flat=True))
        fresh = [row for row in rows if row.user_id not in seen]
        Notice.objects.bulk_create(fresh, ignore_conflicts=True)
        new += len(fresh)
        if any(row.mail_state == MailState.PENDING for row in fresh):
            pending = list(
                Notice.objects.filter(
                    event_id=event_id, mail_state=MailState.PENDING, mail_attempts=0
                ).values_list("pk", flat=True)
            )
            transaction.on_commit(partial(_enqueue_mails, pending))
    return new


def _enqueue_mails(ids: list[int]) -> None:
    for pk in ids:
        send_task(SEND_NOTICE, args=[pk], queue=DEFAULT_QUEUE)


def notice_read(*, user, notice: Notice) -> None:
    if notice.user_id != user.pk:
        raise PermissionError("A notice is read by its own user only.")
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())


def notices_read_all(*, user) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def preference_of(user, event_type: str) -> str:
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=event_type)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or KINDS[event_type].default


@transaction.atomic
def preferences_save(*, user, choices: dict[str, str]) -> list[str]:
    """Save a user's delivery per kind (unknown kinds are refused by the form before here);
    returns the kinds that changed, and audits them."""
    changed = []
    for event_type, delivery in choices.items():
        if event_type not in KINDS or delivery not in Delivery.values:
            raise ValueError(f"Unknown notice kind or delivery: {event_type!r} → {delivery!r}")
        if preference_of(user, event_type) == delivery:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=event_type, defaults={"delivery": delivery}
        )
        changed.append(event_type)
    if changed:
        audit_record(
            action="notifications.preferences_changed",
            source=Source.PAGE,
            actor=user,
            obj=user,
            detail={k: choices[k] for k in changed},
        )
    return changed
