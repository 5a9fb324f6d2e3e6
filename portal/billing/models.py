"""Price books (what a vendor charges us, what we charge resellers) and the frozen billing lines
a month close produces. Money is Decimal everywhere (``money.amount_field``/``money.price_field``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from portal.core.models import TimeStamped
from portal.usage.models import METRIC_CHOICES

from .money import amount_field, price_field, validate_currency


class Basis(models.TextChoices):
    PER_SEAT_MONTH = "per_seat_month", "Per seat per month (prorated by day)"
    PER_UNIT = "per_unit", "Per unit of a usage metric"
    FLAT_PER_TENANT = "flat_per_tenant", "Flat per tenant per month"


class PriceEntry(TimeStamped):
    """One product (or one of its add-ons) at one connection, for a span of dates."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="prices")
    addon = models.CharField(
        max_length=100, blank=True, default="", help_text="Add-on code; empty for the product."
    )
    basis = models.CharField(max_length=20, choices=Basis.choices)
    metric = models.CharField(
        max_length=32,
        choices=METRIC_CHOICES,
        blank=True,
        default="",
        help_text="The usage metric billed, for a per-unit price only.",
    )
    unit_cost = price_field(help_text="What the vendor charges us per unit.")
    list_price = price_field(help_text="Our list price per unit.")
    currency = models.CharField(max_length=3, validators=[validate_currency])
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Last day; empty: open.")

    class Meta:
        ordering = ["product", "addon", "effective_from"]
        verbose_name_plural = "price entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(list_price__gte=0), name="price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="price_span_in_order",
            ),
            models.CheckConstraint(
                condition=Q(basis=Basis.PER_UNIT, metric__gt="")
                | (~Q(basis=Basis.PER_UNIT) & Q(metric="")),
                name="price_metric_iff_per_unit",
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.product} + {self.addon}" if self.addon else str(self.product)
        return f"{what}: {self.list_price} {self.currency} from {self.effective_from}"


class ResellerMarkup(TimeStamped):
    """A customer's sell price as list price plus ``percent`` (negative: a discount), inherited
    by its whole subtree unless a closer level sets its own."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="markup"
    )
    percent = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(percent__gt=-100), name="markup_above_minus_100")
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.percent:+}%"


class PriceOverride(TimeStamped):
    """An explicit sell price for one product (or add-on) at one level of the hierarchy."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="price_overrides"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    addon = models.CharField(max_length=100, blank=True, default="")
    unit_price = price_field(help_text="In the price entry's currency.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "product", "addon"], name="override_unique_per_level"
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="override_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.product} {self.addon} at {self.unit_price}"


class RunState(models.TextChoices):
    FROZEN = "frozen", "Frozen"
    VOID = "void", "Void (month reopened)"


class BillingRun(models.Model):
    """The billing of one connection's month, frozen when the month closes."""

    connection = models.ForeignKey(
        "catalog.VendorConnection", on_delete=models.PROTECT, related_name="billing_runs"
    )
    period = models.DateField(help_text="First day of the month billed.")
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.FROZEN)
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "connection"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "period"],
                condition=Q(state="frozen"),
                name="one_frozen_run_per_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.period:%Y-%m} ({self.state})"


class LineKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    CORRECTION = "correction", "Correction of a closed month"


class BillingLine(models.Model):
    """One reseller's charge for one tenant's product in the month; frozen with its run."""

    run = models.ForeignKey(BillingRun, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(
        max_length=12,
        choices=LineKind.choices,
        default=LineKind.CHARGE,
        help_text="A charge of the month, or a correction of an earlier closed month.",
    )
    reseller = models.ForeignKey(
        "customers.Customer",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The reseller invoiced: the customer's nearest reseller (null: direct).",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The customer whose tenant is billed.",
    )
    tenant = models.ForeignKey(
        "customers.Tenant",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The vendor tenant billed.",
    )
    subscription = models.ForeignKey(
        "customers.Subscription",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The subscription billed.",
    )
    price = models.ForeignKey(
        PriceEntry,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The price entry applied.",
    )
    addon = models.CharField(
        max_length=100, blank=True, default="", help_text="Add-on code; empty for the product."
    )
    basis = models.CharField(max_length=20, choices=Basis.choices, help_text="How it bills.")
    description = models.CharField(max_length=300, help_text="What the line is for, in words.")
    quantity = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        help_text="Seat-months (prorated by day), usage units, or 1 for a flat price.",
    )
    unit_cost = price_field(help_text="What the vendor charges per unit.")
    unit_price = price_field(help_text="What the reseller is charged per unit.")
    price_source = models.CharField(max_length=120, help_text="Why this sell price.")
    cost = amount_field(help_text="Quantity × unit cost, rounded half-even to the cent.")
    amount = amount_field(help_text="Quantity × unit price, rounded half-even to the cent.")
    margin = amount_field(help_text="Amount minus cost.")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code.")
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
        help_text="For a correction: the line of the closed month it corrects.",
    )

    class Meta:
        ordering = ["run", "reseller", "customer", "tenant", "pk"]
        indexes = [models.Index(fields=["run", "reseller"])]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount} {self.currency}"


# -- vendor statement reconciliation -------------------------------------------------------------


class StatementMapping(TimeStamped):
    """Which column of a connection's statement CSV holds what (saved once per connection, as
    each vendor's partner console names its columns its own way)."""

    connection = models.OneToOneField(
        "catalog.VendorConnection", on_delete=models.CASCADE, related_name="statement_mapping"
    )
    tenant_column = models.CharField(max_length=100, default="Customer ID")
    sku_column = models.CharField(max_length=100, default="SKU")
    quantity_column = models.CharField(max_length=100, default="Quantity")
    amount_column = models.CharField(max_length=100, default="Amount")
    currency_column = models.CharField(
        max_length=100, default="Currency", blank=True, help_text="Empty: every line in EUR."
    )

    def __str__(self) -> str:
        return f"Statement columns of {self.connection}"


class ReconcileState(models.TextChoices):
    OPEN = "open", "Open (the month is not billed yet)"
    DIFFERENCES = "differences", "Differences to look at"
    RECONCILED = "reconciled", "Reconciled"


class Statement(TimeStamped):
    """A vendor's statement of one month at one connection (a new upload replaces it)."""

    connection = models.ForeignKey(
        "catalog.VendorConnection", on_delete=models.PROTECT, related_name="statements"
    )
    period = models.DateField(help_text="First day of the month the vendor billed.")
    state = models.CharField(
        max_length=12, choices=ReconcileState.choices, default=ReconcileState.OPEN
    )
    filename = models.CharField(max_length=200, blank=True)
    lines = models.PositiveIntegerField(default=0, help_text="Lines read from the file.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period", "connection"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "period"], name="one_statement_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.connection} statement {self.period:%Y-%m} ({self.state})"


class RowKind(models.TextChoices):
    MATCHED = "matched", "Matched"
    DIFFERENCE = "difference", "Difference"
    VENDOR_ONLY = "vendor_only", "On the statement only"
    MIRROR_ONLY = "mirror_only", "Billed by us only"


class StatementRow(models.Model):
    """One tenant and SKU of a month: what the vendor billed against what the frozen billing
    holds (the mirror's quantity, the cost we expected, what we billed the reseller)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(max_length=12, choices=RowKind.choices)
    tenant_external_id = models.CharField(max_length=200)
    sku = models.CharField(max_length=120)
    tenant = models.ForeignKey(
        "customers.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    currency = models.CharField(max_length=3)
    vendor_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    vendor_amount = amount_field(null=True)
    mirror_quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    expected_cost = amount_field(null=True, help_text="The frozen lines' cost.")
    billed_amount = amount_field(null=True, help_text="The frozen lines' amount to resellers.")
    quantity_difference = models.DecimalField(max_digits=18, decimal_places=4)
    money_difference = amount_field(help_text="Vendor amount minus the expected cost.")
    reason = models.TextField(blank=True, help_text="Why an accepted difference is accepted.")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["statement", "kind", "tenant_external_id", "sku"]
        indexes = [models.Index(fields=["statement", "kind"])]

    def __str__(self) -> str:
        return f"{self.tenant_external_id} {self.sku}: {self.kind}"
