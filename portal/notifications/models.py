"""Notices: what one user is told about one event, in the inbox and by mail.

One row per user and event (``unique(user, event_id)``): a fan-out run twice, or a check that
sees the same trial end again, finds the row and tells nobody twice. The mail state is kept on
the row, so the mail task sends a notice once however often it is retried.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.events.models import EventType


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Inbox and a mail at once"
    DIGEST = "digest", "Inbox and a daily digest mail"
    INBOX = "inbox", "Inbox only"
    OFF = "off", "Off"


class MailState(models.TextChoices):
    PENDING = "pending", "To be mailed"
    DIGEST = "digest", "Waiting for the daily digest"
    SENDING = "sending", "Being mailed"
    SENT = "sent", "Mailed"
    FAILED = "failed", "Mail failed (gave up)"
    NONE = "none", "Not mailed"


class Notice(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=64, choices=EventType.choices, db_index=True)
    event_id = models.UUIDField(help_text="The event told; a user hears of each event once.")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="The object's page.")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    mail_state = models.CharField(max_length=16, choices=MailState.choices)
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mail_error = models.CharField(max_length=500, blank=True)
    #: Set by the run that claimed the mail (one UPDATE): two runs never both send it.
    mail_claim = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event_id"], name="notice_once_per_event")
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notice_unread"),
            models.Index(fields=["mail_state", "user"], name="notice_mail_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"


class NotificationPreference(models.Model):
    """How one user wants one kind of notice; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64, choices=EventType.choices)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} → {self.delivery}"
