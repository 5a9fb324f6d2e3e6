"""The audit trail: who did what to which object, when and from where. Never edited."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.core.models import Source


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True, help_text="When it happened.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The user who did it (null: the system).",
    )
    actor_label = models.CharField(
        max_length=150, blank=True, help_text="Username, or the system part that acted."
    )
    source = models.CharField(
        max_length=16, choices=Source.choices, help_text="Where: page, api, admin, worker, …"
    )
    action = models.CharField(
        max_length=64, db_index=True, help_text="What was done, e.g. operation.requested."
    )
    object_type = models.CharField(
        max_length=64, blank=True, help_text="The kind of object (app_label.model)."
    )
    object_id = models.CharField(max_length=64, blank=True, help_text="The object's id.")
    object_repr = models.CharField(max_length=300, blank=True, help_text="The object as text.")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        help_text="The customer concerned, for per-customer history and scoped views.",
    )
    #: Already redacted when written: never a credential or token.
    detail = models.JSONField(default=dict, blank=True, help_text="Redacted details of the change.")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        """Written once: an existing event is never changed."""
        if not self._state.adding:
            raise PermissionError("Audit events are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are never deleted.")
