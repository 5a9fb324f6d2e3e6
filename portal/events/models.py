"""Outbound webhooks for internal tools: who wants which events, and every delivery attempt.

The tables keep the names they had when these models lived in the API app (``api_*``), so a
deployment moved here by migration events 0001 kept its rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from portal.core.fields import EncryptedJSONField
from portal.core.models import TimeStamped


class EventType(models.TextChoices):
    OPERATION_SUCCEEDED = "operation.succeeded", "Operation succeeded"
    OPERATION_FAILED = "operation.failed", "Operation failed"
    OPERATION_STUCK = "operation.stuck", "Operation stuck in verifying"
    CONNECTION_AUTH_FAILED = "connection.auth_failed", "Connection credentials rejected"
    TRIAL_ENDING = "subscription.trial_ending", "Trial ending"
    TERM_ENDING = "subscription.term_ending", "Term ending"
    TENANT_STATUS_CHANGED = "tenant.status_changed", "Tenant status changed"
    DISCREPANCY_OPENED = "discrepancy.opened", "Discrepancy opened"
    SYNC_FAILED = "sync.failed", "Sync failed"
    USAGE_PERIOD_CLOSED = "usage.period_closed", "Usage period closed"
    BILLING_FROZEN = "billing.frozen", "Month's billing frozen"
    USAGE_CLOSE_BLOCKED = "usage.close_blocked", "Month close blocked"
    APPROVAL_REQUESTED = "approval.requested", "Approval requested"
    APPROVAL_DECIDED = "approval.decided", "Approval decided"
    TEST = "test", "Test event"


class WebhookSubscription(TimeStamped):
    """An internal tool's endpoint and the event types it wants."""

    name = models.CharField(max_length=100, help_text="Who receives it, e.g. 'billing'.")
    url = models.URLField(max_length=500, help_text="Where deliveries are POSTed.")
    event_types = models.JSONField(
        default=list, help_text="Event types delivered to this endpoint."
    )
    #: {"secret": ...}: the HMAC key, encrypted at rest; shown once when created.
    secret = EncryptedJSONField(blank=True)
    active = models.BooleanField(default=True, help_text="Inactive subscriptions get nothing.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "api_webhooksubscription"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} -> {self.url}"


def _default_max_attempts() -> int:
    return settings.API_WEBHOOK_MAX_ATTEMPTS


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event for one subscription; retried with backoff until delivered or out of attempts."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        help_text="The subscription it is for.",
    )
    event_id = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="The event's id, sent as X-Portal-Delivery (stable across retries).",
    )
    event_type = models.CharField(
        max_length=64, db_index=True, help_text="The event type, sent as X-Portal-Event."
    )
    payload = models.JSONField(default=dict, help_text="The event's data (the body's data member).")
    status = models.CharField(
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        help_text="pending (will be retried), delivered or failed (gave up).",
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts made.")
    #: Raised by a redelivery, so a delivery that gave up gets a fresh round of retries.
    max_attempts = models.PositiveIntegerField(
        default=_default_max_attempts, help_text="Attempts allowed (a redelivery raises it)."
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next retry is due."
    )
    last_status_code = models.IntegerField(
        null=True, blank=True, help_text="The receiver's latest HTTP status."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="When a 2xx answer came.")

    class Meta:
        db_table = "api_webhookdelivery"
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["subscription", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery and the receiver's answer."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(help_text="1 for the first attempt, and so on.")
    at = models.DateTimeField(auto_now_add=True, help_text="When it was sent.")
    status_code = models.IntegerField(
        null=True,
        blank=True,
        help_text="The receiver's HTTP status (null when it could not be reached).",
    )
    response_body = models.TextField(blank=True, help_text="The start of the receiver's answer.")
    error = models.TextField(blank=True, help_text="Connection error, when there was no answer.")
    duration_ms = models.PositiveIntegerField(
        default=0, help_text="How long the receiver took, in milliseconds."
    )

    class Meta:
        db_table = "api_webhookattempt"
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return (
            f"delivery {self.delivery_id} attempt {self.number}: {self.status_code or self.error}"
        )
