"""Usage per tenant, month and metric, mirrored from vendor reports."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from vendors.types import Metric


class UsageSource(models.TextChoices):
    VENDOR = "vendor", "Vendor report"
    COMPUTED = "computed", "Computed"


class UsageRecord(models.Model):
    tenant = models.ForeignKey("customers.Tenant", on_delete=models.CASCADE, related_name="usage")
    subscription = models.ForeignKey(
        "customers.Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="usage",
    )
    #: The subscription's external id or "" for tenant-level figures; part of the unique key
    #: (a nullable FK cannot be, since NULLs are distinct in SQL unique constraints).
    subscription_key = models.CharField(max_length=200, blank=True, default="")
    period = models.DateField(help_text="First day of the month.")
    metric = models.CharField(
        max_length=32, choices=[(m.value, m.value.replace("_", " ")) for m in Metric]
    )
    quantity = models.DecimalField(max_digits=24, decimal_places=4)
    unit = models.CharField(max_length=16)
    vendor_field = models.CharField(max_length=100, blank=True)
    source = models.CharField(
        max_length=16, choices=UsageSource.choices, default=UsageSource.VENDOR
    )
    raw = models.JSONField(default=dict, blank=True)
    collected_at = models.DateTimeField(auto_now=True)

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
        indexes = [models.Index(fields=["period", "metric"])]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.period:%Y-%m} {self.metric}={self.quantity} {self.unit}"
