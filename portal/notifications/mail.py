"""Mailing notices: one mail per immediate notice, one digest a day for the rest.

A run claims the notices it mails with one UPDATE (``mail_claim``) before it sends, so two
runs of the same task (Celery delivers at least once) never both send; an SMTP error puts the
notice back to be tried again later, up to ``NOTIFY_MAIL_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import MailState, Notice

logger = logging.getLogger(__name__)

#: What counts as the mail server failing (retried), not as our bug (raised).
MAIL_ERRORS = (smtplib.SMTPException, OSError)


@dataclass(frozen=True)
class MailOutcome:
    status: str
    retry_in: int | None = None


def _claim(notices, state: str) -> tuple[str, list[Notice]]:
    token = uuid.uuid4()
    notices.filter(mail_state=state).update(mail_state=MailState.SENDING, mail_claim=token)
    claimed = list(
        Notice.objects.filter(mail_claim=token, mail_state=MailState.SENDING)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    return str(token), claimed


def notice_mail_send(notice_id: int) -> MailOutcome:
    """Mail one immediate notice, once."""
    _, claimed = _claim(Notice.objects.filter(pk=notice_id), MailState.PENDING)
    if not claimed:
        return MailOutcome("skipped")  # mailed already, or not to be mailed
    (notice,) = claimed
    context = {"notice": notice, "link": _link(notice), "base_url": settings.PORTAL_BASE_URL}
    return _send(
        [notice],
        subject=f"[Channel Portal] {notice.title}",
        to=notice.user.email,
        text=render_to_string("notifications/mail/notice.txt", context),
        html=render_to_string("notifications/mail/notice.html", context),
        back=MailState.PENDING,
    )


def digest_send(user_id: int) -> MailOutcome:
    """Mail one user's waiting digest notices in one mail, once."""
    _, claimed = _claim(Notice.objects.filter(user_id=user_id), MailState.DIGEST)
    if not claimed:
        return MailOutcome("skipped")
    user = claimed[0].user
    context = {
        "notices": [(n, _link(n)) for n in claimed],
        "inbox": absolute("/inbox/"),
        "user": user,
    }
    return _send(
        claimed,
        subject=f"[Channel Portal] {len(claimed)} notice(s) today",
        to=user.email,
        text=render_to_string("notifications/mail/digest.txt", context),
        html=render_to_string("notifications/mail/digest.html", context),
        back=MailState.DIGEST,
    )


def _send(
    notices: list[Notice], *, subject: str, to: str, text: str, html: str, back: str
) -> MailOutcome:
    ids = [n.pk for n in notices]
    message = EmailMultiAlternatives(subject[:200], text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except MAIL_ERRORS as exc:
        attempts = max(n.mail_attempts for n in notices) + 1
        gave_up = attempts >= settings.NOTIFY_MAIL_MAX_ATTEMPTS
        Notice.objects.filter(pk__in=ids).update(
            mail_state=MailState.FAILED if gave_up else back,
            mail_attempts=F("mail_attempts") + 1,
            mail_error=f"{type(exc).__name__}: {exc}"[:500],
            mail_claim=None,
        )
        logger.warning("notice mail to %s failed (attempt %d): %s", to, attempts, exc)
        if gave_up:
            return MailOutcome("failed")
        return MailOutcome(
            "retry", retry_in=settings.NOTIFY_MAIL_RETRY_SECONDS * 2 ** (attempts - 1)
        )
    Notice.objects.filter(pk__in=ids).update(
        mail_state=MailState.SENT, mailed_at=timezone.now(), mail_error="", mail_claim=None
    )
    return MailOutcome("sent")


def digest_users() -> list[int]:
    """Users with notices waiting for their digest (one indexed query)."""
    return list(
        Notice.objects.filter(mail_state=MailState.DIGEST)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )


def _link(notice: Notice) -> str:
    """Through the inbox, so following a mail's link marks the notice read."""
    return absolute(reverse("notifications:open", args=[notice.pk]))


def absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}" if path.startswith("/") else path
