"""Vendor connections (the distributor's accounts at vendors) and their product catalogs."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.core.fields import EncryptedJSONField
from portal.core.models import TimeStamped
from vendors.registry import vendor_choices
from vendors.types import ProductKind


class SyncStatus(models.TextChoices):
    NEVER = "never", "Never synced"
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    PARTIAL = "partial", "Partial"
    FAILED = "failed", "Failed"
    AUTH_FAILED = "auth_failed", "Credentials rejected"


class VendorConnection(TimeStamped):
    """One account of the distributor at one vendor; several per vendor are allowed."""

    vendor = models.CharField(max_length=32, choices=vendor_choices, db_index=True)
    name = models.CharField(max_length=120, unique=True)
    base_url = models.URLField(max_length=300)
    #: Encrypted at rest, never rendered: forms and serializers treat it as write-only.
    credentials = EncryptedJSONField(blank=True)
    #: {"header": ..., "value": ...} a vendor must send with webhook deliveries (encrypted).
    webhook_auth = EncryptedJSONField(blank=True)
    enabled = models.BooleanField(default=True)
    sync_status = models.CharField(
        max_length=16, choices=SyncStatus.choices, default=SyncStatus.NEVER
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    #: Set by the conditional UPDATE that claims a sync; stale claims (crashed worker) expire.
    sync_claimed_at = models.DateTimeField(null=True, blank=True)
    sync_claim_token = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["vendor", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_vendor_display()})"


class Product(TimeStamped):
    """One catalog entry a connection may sell, mirrored from the vendor."""

    connection = models.ForeignKey(
        VendorConnection, on_delete=models.CASCADE, related_name="products"
    )
    external_id = models.CharField(max_length=200)
    code = models.CharField(max_length=120, db_index=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=16, choices=[(k.value, k.value.title()) for k in ProductKind], default="base"
    )
    trial_available = models.BooleanField(default=False)
    addons = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(
        default=True, help_text="False when the vendor no longer lists it."
    )

    class Meta:
        ordering = ["connection", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="product_unique_external_id"
            ),
            models.CheckConstraint(condition=~Q(external_id=""), name="product_external_id_set"),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.code}]"
