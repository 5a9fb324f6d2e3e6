"""Usage per tenant, month and metric, mirrored from vendor reports; month-end closes and adjustments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from vendors.types import Metric

METRIC_CHOICES = [(m.value, m.value.replace("_", " ")) for m in Metric]


class UsageSource(models.TextChoices):
    VENDOR = "vendor", "Vendor report"
    COMPUTED = "computed", "Computed"


class UsageRecord(models.Model):
    tenant = models.ForeignKey(
        "customers.Tenant",
        on_delete=models.CASCADE,
        related_name="usage",
        help_text="The vendor tenant measured.",
    )
    subscription = models.ForeignKey(
        "customers.Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="usage",
        help_text="The subscription measured (null: a tenant-level figure).",
    )
    #: The subscription's external id or "" for tenant-level figures; part of the unique key
    #: (a nullable FK cannot be, since NULLs are distinct in SQL unique constraints).
    subscription_key = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="The subscription's external id, or empty for tenant-level figures.",
    )
    period = models.DateField(help_text="First day of the month measured.")
    metric = models.CharField(
        max_length=32,
        choices=METRIC_CHOICES,
        help_text="What is counted (seats, devices, storage, …).",
    )
    quantity = models.DecimalField(
        max_digits=24, decimal_places=4, help_text="The amount, as a decimal string."
    )
    unit = models.CharField(max_length=16, help_text="Unit of the quantity.")
    vendor_field = models.CharField(
        max_length=100, blank=True, help_text="The vendor's own name for the figure."
    )
    source = models.CharField(
        max_length=16,
        choices=UsageSource.choices,
        default=UsageSource.VENDOR,
        help_text="vendor (reported) or computed.",
    )
    raw = models.JSONField(default=dict, blank=True)
    collected_at = models.DateTimeField(auto_now=True, help_text="When it was last collected.")

    class Meta:
        ordering = ["-period", "tenant", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "subscription_key", "period", "metric"],
                name="usage_one_row_per_key",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="usage_quantity_non_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "metric"]),
            # The review pages' cache stamp: the newest figure of a month, found in the index.
            models.Index(fields=["period", "collected_at"], name="usage_period_collected"),
            # Per-tenant month lists (missing usage, history charts) without touching the table.
            models.Index(fields=["tenant", "period"], name="usage_tenant_period"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.period:%Y-%m} {self.metric}={self.quantity} {self.unit}"


class MonthClose(models.Model):
    """One connection's month, closed for billing: its usage figures no longer change."""

    connection = models.ForeignKey(
        "catalog.VendorConnection", on_delete=models.PROTECT, related_name="usage_closes"
    )
    period = models.DateField(help_text="First day of the month.")
    is_closed = models.BooleanField(default=True)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Why it was closed with tenants still missing usage (distributor admins only).
    close_reason = models.CharField(max_length=300, blank=True)
    #: Figures frozen when it was last closed.
    rows_frozen = models.PositiveIntegerField(default=0)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reopen_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-period", "connection"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "period"], name="usage_one_close_per_month"
            )
        ]

    def __str__(self) -> str:
        state = "closed" if self.is_closed else "reopened"
        return f"{self.connection} {self.period:%Y-%m} ({state})"


class UsageAdjustment(models.Model):
    """A vendor figure for a closed month that differs from the frozen one, kept beside it."""

    record = models.ForeignKey(
        UsageRecord,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="adjustments",
        help_text="The frozen figure; empty when the vendor reports a figure the month did not have.",
    )
    tenant = models.ForeignKey(
        "customers.Tenant", on_delete=models.CASCADE, related_name="usage_adjustments"
    )
    subscription_key = models.CharField(max_length=200, blank=True, default="")
    period = models.DateField()
    metric = models.CharField(max_length=32, choices=METRIC_CHOICES)
    unit = models.CharField(max_length=16)
    vendor_field = models.CharField(max_length=100, blank=True)
    frozen_quantity = models.DecimalField(max_digits=24, decimal_places=4, null=True, blank=True)
    vendor_quantity = models.DecimalField(max_digits=24, decimal_places=4)
    raw = models.JSONField(default=dict, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-detected_at"]
        indexes = [
            models.Index(
                fields=["tenant", "subscription_key", "period", "metric", "-detected_at"],
                name="usage_adjustment_key",
            ),
            models.Index(fields=["period"], name="usage_adjustment_period"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.tenant_id} {self.period:%Y-%m} {self.metric}: "
            f"{self.frozen_quantity} -> {self.vendor_quantity}"
        )

    @property
    def delta(self):
        return self.vendor_quantity - (self.frozen_quantity or 0)
