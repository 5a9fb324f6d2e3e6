"""Roles and reseller scope of staff users, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    ADMIN = "admin", "Distributor admin"
    OPERATOR = "operator", "Operator"
    VIEWER = "viewer", "Viewer / support"


class Profile(models.Model):
    """A user's role; ``reseller`` set means the user sees only that reseller's subtree."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    reseller = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scoped_users",
        limit_choices_to={"kind": "reseller"},
    )

    def __str__(self) -> str:
        scope = f" of {self.reseller}" if self.reseller_id else ""
        return f"{self.user} ({self.get_role_display()}{scope})"


class ApiToken(models.Model):
    """A per-user API token; only its SHA-256 is stored, the value is shown once at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(key_hash=""), name="apitoken_hash_set")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
