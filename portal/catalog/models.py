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

    vendor = models.CharField(
        max_length=32,
        choices=vendor_choices,
        db_index=True,
        help_text="The vendor (one of the registered vendors).",
    )
    name = models.CharField(max_length=120, unique=True, help_text="Unique name of the connection.")
    base_url = models.URLField(
        max_length=300, help_text="The vendor API's base URL (production or sandbox)."
    )
    #: Encrypted at rest, never rendered: forms and serializers treat it as write-only.
    credentials = EncryptedJSONField(blank=True)
    #: {"header": ..., "value": ...} a vendor must send with webhook deliveries (encrypted).
    webhook_auth = EncryptedJSONField(blank=True)
    enabled = models.BooleanField(
        default=True, help_text="Disabled connections are neither synced nor used for operations."
    )
    sync_status = models.CharField(
        max_length=16,
        choices=SyncStatus.choices,
        default=SyncStatus.NEVER,
        help_text="Outcome of the latest sync.",
    )
    last_synced_at = models.DateTimeField(
        null=True, blank=True, help_text="When the latest sync finished."
    )
    last_success_at = models.DateTimeField(
        null=True, blank=True, help_text="When a sync last succeeded."
    )
    last_error = models.TextField(
        blank=True, help_text="The latest sync or credential error, for staff."
    )
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
        VendorConnection,
        on_delete=models.CASCADE,
        related_name="products",
        help_text="The connection whose catalog lists it.",
    )
    external_id = models.CharField(max_length=200, help_text="The vendor's id.")
    code = models.CharField(
        max_length=120, db_index=True, help_text="Product code used in operations (product_code)."
    )
    name = models.CharField(max_length=200, help_text="Product name.")
    kind = models.CharField(
        max_length=16,
        choices=[(k.value, k.value.title()) for k in ProductKind],
        default="base",
        help_text="base or addon.",
    )
    trial_available = models.BooleanField(
        default=False, help_text="Whether a trial can be started."
    )
    addons = models.JSONField(
        default=list, blank=True, help_text="Add-on codes that can be enabled on it."
    )
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
