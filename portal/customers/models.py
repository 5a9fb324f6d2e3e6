"""Customers (resellers and end customers, any depth), their vendor tenants and subscriptions."""

from __future__ import annotations

import re
import unicodedata
import uuid

from django.db import connections, models, router, transaction
from django.db.models import F, Q
from django.db.models.functions import Concat, Substr

from portal.core.models import TimeStamped
from vendors.types import SubscriptionStatus, TenantStatus


class CustomerKind(models.TextChoices):
    RESELLER = "reseller", "Reseller / MSP"
    END_CUSTOMER = "end_customer", "End customer"


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    INACTIVE = "inactive", "Inactive"


_LEGAL_FORMS = re.compile(r"\b(ltd|llc|gmbh|inc|bv|srl|plc|ag|limited|corp|co|sa|sas)\b\.?")


def normalized_name(name: str) -> str:
    """Lower case, no accents, punctuation or legal-form suffix: 'Acme, Ltd.' == 'ACME'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = _LEGAL_FORMS.sub(" ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def new_reference() -> str:
    return f"CP-{uuid.uuid4().hex[:10].upper()}"


class Customer(TimeStamped):
    """A company the distributor serves; ``path`` makes subtree queries one indexed prefix match."""

    name = models.CharField(max_length=200, db_index=True, help_text="Company name.")
    kind = models.CharField(
        max_length=16,
        choices=CustomerKind.choices,
        default=CustomerKind.END_CUSTOMER,
        help_text="reseller (may have customers below it) or end_customer.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"kind": CustomerKind.RESELLER},
    )
    status = models.CharField(
        max_length=16,
        choices=CustomerStatus.choices,
        default=CustomerStatus.ACTIVE,
        help_text="active, suspended or inactive.",
    )
    #: Our stable reference, sent to vendors where they keep one (makes creation idempotent).
    reference = models.CharField(
        max_length=40,
        unique=True,
        default=new_reference,
        editable=False,
        help_text="The portal's stable reference, sent to vendors that keep one.",
    )
    #: The CRM/PSA's identifier, for billing exports.
    external_ref = models.CharField(
        "CRM/PSA reference",
        max_length=100,
        blank=True,
        db_index=True,
        help_text="The CRM/PSA's identifier (unique when set).",
    )
    contact_name = models.CharField(
        max_length=200, blank=True, help_text="Contact person (first and last name)."
    )
    contact_email = models.EmailField(
        blank=True, help_text="Contact email; required before a vendor account is opened."
    )
    contact_phone = models.CharField(max_length=40, blank=True, help_text="Contact phone.")
    address = models.CharField(max_length=300, blank=True, help_text="Postal address.")
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 country code."
    )
    notes = models.TextField(blank=True, help_text="Free text for staff.")
    #: Materialized path of ids, "/1/5/9/": ancestors are prefixes, the subtree is subtree_q(path).
    path = models.CharField(
        max_length=1000,
        editable=False,
        db_index=True,
        default="",
        help_text="Materialized path of ids from the top, e.g. /1/5/9/.",
    )
    #: normalized_name(name), kept by save(): adoption suggestions are one indexed lookup.
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]  # the reseller pickers
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~Q(external_ref=""),
                name="customer_unique_external_ref",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="customer_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = normalized_name(self.name)[:200]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        with transaction.atomic():
            old_path = self.path
            if self.pk is None:
                super().save(*args, **kwargs)
                kwargs = {}
            self.path = (self.parent.path if self.parent is not None else "/") + f"{self.pk}/"
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Moved: rewrite every descendant's path prefix in one UPDATE.
                Customer.objects.filter(subtree_q(old_path)).exclude(pk=self.pk).update(
                    path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1))
                )

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestors(self):
        ids = [int(p) for p in self.path.strip("/").split("/")[:-1] if p]
        return Customer.objects.filter(pk__in=ids).order_by("path")

    def subtree(self):
        return Customer.objects.filter(subtree_q(self.path))


def subtree_q(path: str, lookup: str = "path") -> Q:
    """Everyone whose materialized path starts with ``path`` (the customer and its subtree).

    SQLite's LIKE is case-insensitive, so ``startswith`` there cannot use the path index and a
    reseller filter read all 50,000 customers; paths are ASCII ids and slashes, ordered by code
    point in SQLite, so the prefix is the range [path, path with its last "/" as "0"). Other
    databases keep ``startswith`` (a linguistic collation may not order "/" before digits).
    """
    if connections[router.db_for_read(Customer)].vendor == "sqlite":
        return Q(**{f"{lookup}__gte": path, f"{lookup}__lt": path[:-1] + "0"})
    return Q(**{f"{lookup}__startswith": path})


class Tenant(TimeStamped):
    """A customer's account at one vendor connection, mirrored from the vendor."""

    connection = models.ForeignKey(
        "catalog.VendorConnection",
        on_delete=models.PROTECT,
        related_name="tenants",
        help_text="The vendor connection holding the tenant.",
    )
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tenants",
        help_text="The customer it belongs to; null while unmatched (not adopted).",
    )
    external_id = models.CharField(max_length=200, help_text="The vendor's id for the tenant.")
    #: Other identifiers the vendor uses for the same tenant (e.g. a GUID beside a partner id).
    external_ids = models.JSONField(default=dict, blank=True)
    name = models.CharField(max_length=200, db_index=True, help_text="Name at the vendor.")
    status = models.CharField(
        max_length=16,
        choices=[(s.value, s.value.replace("_", " ").title()) for s in TenantStatus],
        default=TenantStatus.UNKNOWN,
        help_text="Status at the vendor (active, suspended, cancelled, missing, …).",
    )
    #: The reference the vendor record carries (ours, when the portal created it).
    vendor_reference = models.CharField(
        max_length=100,
        blank=True,
        db_index=True,
        help_text="The reference the vendor record carries (ours when we created it).",
    )
    parent_external_id = models.CharField(
        max_length=200, blank=True, help_text="The vendor's id of its parent account, if any."
    )
    #: Values the portal set through operations; sync compares them with the vendor's (drift).
    intended = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True, help_text="When sync first saw it.")
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="When sync last saw it.")
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when the vendor stopped listing it."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="tenant_unique_external_id"
            ),
            models.CheckConstraint(condition=~Q(external_id=""), name="tenant_external_id_set"),
        ]
        indexes = [
            models.Index(fields=["connection", "status"]),
            # A customer's tenants by connection; with name and id it also gives SQLite the
            # unmatched tenants (customer IS NULL) in page order, as it never picks the partial
            # index below (PostgreSQL cannot order by this one under IS NULL, so both stay).
            models.Index(fields=["customer", "connection", "name", "id"]),
            # Unmatched tenants: counted from the index alone, and listed in the order of a
            # partial index over them only (a plain (customer, connection, name) index left
            # PostgreSQL sorting every unmatched row for a page of 50).
            models.Index(fields=["customer", "status"]),
            models.Index(
                fields=["connection", "name", "id"],
                condition=Q(customer__isnull=True),
                name="tenant_unmatched_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.connection.name}" if self.connection_id else self.name


class Subscription(TimeStamped):
    """One product of a tenant, with seats purchased (reserved) and used."""

    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text="The vendor tenant it belongs to.",
    )
    external_id = models.CharField(
        max_length=200, help_text="The vendor's id for the subscription."
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriptions",
        help_text="The mirrored catalog product, when known.",
    )
    product_code = models.CharField(
        max_length=120, blank=True, help_text="The vendor's product code."
    )
    product_name = models.CharField(
        max_length=200, blank=True, help_text="The vendor's product name."
    )
    status = models.CharField(
        max_length=16,
        choices=[(s.value, s.value.replace("_", " ").title()) for s in SubscriptionStatus],
        default=SubscriptionStatus.UNKNOWN,
        help_text="Status at the vendor (active, trial, suspended, cancelled, …).",
    )
    seats = models.IntegerField(
        "seats purchased", null=True, blank=True, help_text="Seats purchased (reserved)."
    )
    seats_used = models.IntegerField(
        null=True, blank=True, help_text="Seats in use, as last reported."
    )
    term = models.CharField(
        max_length=40, blank=True, help_text="Billing term, as the vendor states it."
    )
    auto_renew = models.BooleanField(
        null=True, blank=True, help_text="Whether it renews automatically (null: unknown)."
    )
    is_trial = models.BooleanField(default=False, help_text="True for a trial.")
    trial_ends = models.DateField(null=True, blank=True, help_text="When the trial ends.")
    starts = models.DateField(null=True, blank=True, help_text="Start date.")
    ends = models.DateField(null=True, blank=True, help_text="End date.")
    addons = models.JSONField(default=list, blank=True, help_text="Add-on codes enabled.")
    intended = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    last_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="When sync last saw it at the vendor."
    )
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set when the vendor stopped listing it."
    )

    class Meta:
        ordering = ["tenant", "product_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"], name="subscription_unique_external_id"
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=0) | Q(seats__isnull=True),
                name="subscription_seats_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(seats_used__gte=0) | Q(seats_used__isnull=True),
                name="subscription_used_non_negative",
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="subscription_external_id_set"
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["product_code"])]

    def __str__(self) -> str:
        return f"{self.product_name or self.product_code} ({self.seats or 0} seats)"


class SeatChange(models.Model):
    """What a subscription's seats and status became, and when the portal learnt it.

    Written by the mirror (sync pages, operation results and webhook refreshes all pass through
    it) whenever a subscription is created or its seats or status change: billing prorates a
    month by day from these rows, never from today's value.
    """

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="seat_changes"
    )
    seats = models.IntegerField(null=True, blank=True, help_text="Seats from this moment on.")
    status = models.CharField(
        max_length=20, choices=[(s.value, s.value) for s in SubscriptionStatus]
    )
    addons = models.JSONField(default=list, blank=True, help_text="Add-on codes from then on.")
    observed_at = models.DateTimeField(help_text="When the mirror saw the change.")

    class Meta:
        ordering = ["subscription", "observed_at", "pk"]
        indexes = [models.Index(fields=["subscription", "observed_at"])]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.seats} seats, {self.status} at {self.observed_at}"


class ConnectionTotals(models.Model):
    """Tenants and seats per connection, refreshed by each sync and shifted by each operation.

    The dashboard reads these five rows instead of aggregating every tenant on each request;
    ``portal.customers.totals`` keeps them current.
    """

    connection = models.OneToOneField(
        "catalog.VendorConnection", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    tenants = models.IntegerField(default=0)
    seats = models.BigIntegerField(default=0)
    seats_used = models.BigIntegerField(default=0)
    seats_unreported = models.BigIntegerField(
        default=0, help_text="Purchased seats whose used figure the vendor does not report."
    )
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "connection totals"
        verbose_name_plural = "connection totals"

    def __str__(self) -> str:
        return f"{self.tenants} tenants, {self.seats_used}/{self.seats} seats"
