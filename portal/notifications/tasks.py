"""Worker tasks: fan an event out to notices, mail them, and the periodic checks.

A mail attempt that the SMTP server refuses is tried again later with backoff (the notice
keeps its count); the claim in ``mail`` keeps a redelivered task from sending twice.
"""

from __future__ import annotations

from celery import shared_task

from . import checks, mail
from .services import SEND_NOTICE, notices_record
from .signals import FAN_OUT


@shared_task(name=FAN_OUT, ignore_result=True)
def fan_out(event_type: str, events: list[list]) -> int:
    return notices_record(event_type=event_type, events=[(e[0], e[1]) for e in events])


@shared_task(name=SEND_NOTICE, ignore_result=True)
def send_notice(notice_id: int) -> str:
    outcome = mail.notice_mail_send(notice_id)
    if outcome.retry_in is not None:
        send_notice.apply_async(args=(notice_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="notifications.send_digest", ignore_result=True)
def send_digest(user_id: int) -> str:
    outcome = mail.digest_send(user_id)
    if outcome.retry_in is not None:
        send_digest.apply_async(args=(user_id,), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="notifications.send_digests", ignore_result=True)
def send_digests() -> int:
    """The daily digest run: one mail per user with notices waiting, sent in this task (one
    user's notices in memory at a time)."""
    users = mail.digest_users()
    for user_id in users:
        send_digest(user_id)
    return len(users)


@shared_task(name="notifications.check_terms", ignore_result=True)
def check_terms() -> int:
    return checks.terms_ending_announce()


@shared_task(name="notifications.check_stuck", ignore_result=True)
def check_stuck() -> int:
    return checks.stuck_operations_announce()


@shared_task(name="notifications.check_close_blocked", ignore_result=True)
def check_close_blocked() -> int:
    return checks.close_blocked_announce()
