"""Reads for the usage review: utilization, flags and totals, aggregated in SQL.

A review row is one customer x vendor x product x metric of a month. ``purchased`` is the
vendor's own purchased figure for the same subscription and month when it reports one
(``seats_purchased``), else the mirrored subscription's seats; it applies to the seat-like
metrics in ``MEASURED_METRICS`` only. Zero seats on a subscription means "no limit"
(Bitdefender's dynamic provisioning), so it is not treated as zero purchased.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Cast, Coalesce, NullIf

from portal.accounts.scoping import (
    can_view,
    scoped_customers,
    scoped_tenants,
    scoped_usage,
    user_reseller,
)
from portal.catalog.models import VendorConnection
from portal.customers.models import Customer, CustomerKind, Tenant
from vendors.types import Metric, TenantStatus, month_start

from . import conf
from .models import MonthClose, UsageAdjustment, UsageRecord

#: Metrics measured against what was purchased (the seat-like "used" figures).
MEASURED_METRICS = (Metric.SEATS_USED, Metric.POWER_USERS, Metric.ENDPOINTS)
FLAGS = ("overuse", "idle", "jump", "missing")
AMOUNT = DecimalField(max_digits=24, decimal_places=4)


def previous_period(period: dt.date) -> dt.date:
    return month_start(month_start(period) - dt.timedelta(days=1))


def next_period(period: dt.date) -> dt.date:
    return month_start(month_start(period) + dt.timedelta(days=32))


def recent_periods(*, count: int = 24, today: dt.date | None = None) -> list[dt.date]:
    """The month picker: the last ``count`` months, newest first (no query)."""
    period = month_start(today or dt.date.today())
    months = []
    for _ in range(count):
        months.append(period)
        period = previous_period(period)
    return months


@dataclass(frozen=True)
class ReviewFilter:
    """What the review page and export narrow to; every query starts from the user's scope."""

    period: dt.date
    vendor: str = ""
    reseller: Customer | None = None
    flag: str = ""

    def usage(self, user) -> QuerySet:
        qs = scoped_usage(user).filter(period=self.period)
        return self._narrow(qs, "tenant__")

    def tenants(self, user) -> QuerySet:
        return self._narrow(scoped_tenants(user), "")

    def _narrow(self, qs: QuerySet, prefix: str) -> QuerySet:
        if self.vendor:
            qs = qs.filter(**{f"{prefix}connection__vendor": self.vendor})
        if self.reseller is not None:
            qs = qs.filter(**{f"{prefix}customer__path__startswith": self.reseller.path})
        return qs


def usage_missing_tenants(
    *, connection: VendorConnection | None = None, period: dt.date
) -> QuerySet:
    """Active tenants of the month without any usage figure for it.

    A tenant belongs to the month when the portal saw it before the month ended, or when the
    connection itself was added after that (the portal could not have seen it earlier). Trials
    and suspended tenants are not required: vendors report no billable usage for them (Redstor
    excludes trials, Egnyte keeps no trial history).
    """
    period = month_start(period)
    month_end = next_period(period)
    qs = Tenant.objects.filter(status=TenantStatus.ACTIVE).filter(
        Q(first_seen_at__isnull=True)
        | Q(first_seen_at__date__lt=month_end)
        | Q(connection__created_at__date__gte=month_end)
    )
    if connection is not None:
        qs = qs.filter(connection=connection)
    has_usage = UsageRecord.objects.filter(tenant=OuterRef("pk"), period=period)
    return qs.exclude(Exists(has_usage))


def usage_review_rows(
    *, user, filters: ReviewFilter, customer_ids: list[int] | None = None
) -> QuerySet:
    """Grouped rows (dicts) with purchased, used, previous and the flags, all computed in SQL."""
    period = filters.period
    same_key = {
        "tenant": OuterRef("tenant"),
        "subscription_key": OuterRef("subscription_key"),
    }
    # order_by(): the unique key finds one row; the model's ordering would join tenants to sort.
    purchased_figure = (
        UsageRecord.objects.filter(**same_key, period=period, metric=Metric.SEATS_PURCHASED)
        .order_by()
        .values("quantity")[:1]
    )
    previous_figure = (
        UsageRecord.objects.filter(
            **same_key, period=previous_period(period), metric=OuterRef("metric")
        )
        .order_by()
        .values("quantity")[:1]
    )
    qs = (
        filters.usage(user)
        .filter(tenant__customer__isnull=False)
        .exclude(metric=Metric.SEATS_PURCHASED)
    )
    if customer_ids is not None:
        # The page's tenants by id, so the month's rows are found through (tenant, period).
        tenant_ids = list(
            Tenant.objects.filter(customer_id__in=customer_ids).values_list("pk", flat=True)
        )
        qs = qs.filter(tenant_id__in=tenant_ids)
    qs = (
        qs.annotate(
            row_purchased=Case(
                When(
                    metric__in=MEASURED_METRICS,
                    then=Coalesce(
                        Subquery(purchased_figure, output_field=AMOUNT),
                        Cast(NullIf(F("subscription__seats"), 0), AMOUNT),
                    ),
                ),
                default=None,
                output_field=AMOUNT,
            ),
            row_previous=Subquery(previous_figure, output_field=AMOUNT),
        )
        .values(
            "metric",
            "unit",
            customer_id=F("tenant__customer_id"),
            customer_name=F("tenant__customer__name"),
            vendor=F("tenant__connection__vendor"),
            product=Coalesce(F("subscription__product_name"), Value("")),
        )
        .annotate(
            used=Sum("quantity"),
            purchased=Sum("row_purchased"),
            previous=Sum("row_previous"),
        )
        .annotate(
            is_overuse=Case(
                When(
                    purchased__isnull=False,
                    used__gt=F("purchased") * conf.overuse_ratio(),
                    then=True,
                ),
                default=False,
                output_field=BooleanField(),
            ),
            is_idle=Case(
                When(purchased__gt=0, used__lt=F("purchased") * conf.idle_ratio(), then=True),
                default=False,
                output_field=BooleanField(),
            ),
            change_size=Abs(ExpressionWrapper(F("used") - F("previous"), output_field=AMOUNT)),
        )
        .annotate(
            is_jump=Case(
                When(
                    previous__isnull=False,
                    change_size__gte=conf.jump_min_delta(),
                    change_size__gt=F("previous") * conf.jump_ratio(),
                    then=True,
                ),
                default=False,
                output_field=BooleanField(),
            ),
        )
        .order_by("customer_name", "customer_id", "vendor", "product", "metric")
    )
    if filters.flag in ("overuse", "idle", "jump"):
        qs = qs.filter(**{f"is_{filters.flag}": True})
    return qs


def usage_review_customer_page(
    *, user, filters: ReviewFilter, page: int, size: int
) -> tuple[list[int], bool]:
    """One page of customer ids (by name) having usage in the month; and whether more follow."""
    has_usage = filters.usage(user).filter(tenant__customer=OuterRef("pk"))
    qs = scoped_customers(user).filter(Exists(has_usage))
    if filters.reseller is not None:
        qs = qs.filter(path__startswith=filters.reseller.path)
    start = (page - 1) * size
    ids = list(qs.order_by("name", "pk").values_list("pk", flat=True)[start : start + size + 1])
    return ids[:size], len(ids) > size


def usage_review_page(*, user, filters: ReviewFilter, page: int = 1, size: int = 50) -> dict:
    """The table for one page: by customer when unflagged, else the flagged rows themselves."""
    if filters.flag in ("overuse", "idle", "jump"):
        start = (page - 1) * size
        rows = list(usage_review_rows(user=user, filters=filters)[start : start + size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
    else:
        ids, has_next = usage_review_customer_page(user=user, filters=filters, page=page, size=size)
        rows = list(usage_review_rows(user=user, filters=filters, customer_ids=ids)) if ids else []
    for row in rows:
        _decorate(row)
    return {"rows": rows, "page": page, "has_next": has_next, "has_previous": page > 1}


def _decorate(row: dict) -> None:
    """Display strings for one shown row (the flags themselves come from SQL).

    Formatted here rather than with template filters: a page shows hundreds of figures.
    """
    used, purchased, previous = row["used"], row["purchased"], row["previous"]
    row["utilization"] = f"{used * 100 / purchased:.0f}%" if purchased else "—"
    if previous:
        row["change"] = f"{(used - previous) * 100 / previous:+.0f}%"
    elif previous is not None:
        row["change"] = "new" if used else "0%"
    else:
        row["change"] = "—"
    row["used_text"] = plain_number(used)
    row["purchased_text"] = "—" if purchased is None else plain_number(purchased)
    row["previous_text"] = "—" if previous is None else plain_number(previous)
    row["flags"] = [name for name in ("overuse", "idle", "jump") if row[f"is_{name}"]]


def plain_number(value: Decimal) -> str:
    """7.0000 -> "7", 1.5000 -> "1.5": exact, without the column's padding or an exponent."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def usage_totals(*, user, filters: ReviewFilter) -> list[dict]:
    """Totals per vendor and metric for the month (one GROUP BY)."""
    return list(
        filters.usage(user)
        .values("metric", "unit", vendor=F("tenant__connection__vendor"))
        .annotate(total=Sum("quantity"), rows=Count("pk"))
        .order_by("vendor", "metric")
    )


def usage_missing_by_connection(*, user, filters: ReviewFilter) -> dict[int, int]:
    """Active tenants without usage, counted per connection (within the user's scope)."""
    missing = usage_missing_tenants(period=filters.period).filter(
        pk__in=filters.tenants(user).values("pk")
    )
    return dict(
        missing.values("connection_id").annotate(n=Count("pk")).values_list("connection_id", "n")
    )


def usage_review_summary(*, user, filters: ReviewFilter) -> dict:
    """Totals, missing counts and the reseller picker, cached until the month's figures change (or the cache expires).

    The stamp is the newest ``collected_at`` of the month (an index lookup), so a collection,
    a correction or new figures show at once; tenant status changes show within
    ``USAGE_REVIEW_CACHE_SECONDS``.
    """
    newest = UsageRecord.objects.filter(period=filters.period).aggregate(at=Max("collected_at"))
    reseller = user_reseller(user)
    key = "usage-summary:" + ":".join(
        str(part)
        for part in (
            filters.period,
            filters.vendor,
            filters.reseller.pk if filters.reseller else "",
            newest["at"].isoformat() if newest["at"] else "",
            f"scope-{reseller.pk}" if reseller else f"scope-{can_view(user)}",
        )
    )
    summary = cache.get(key)
    if summary is None:
        summary = {
            "totals": usage_totals(user=user, filters=filters),
            "missing": usage_missing_by_connection(user=user, filters=filters),
            # The reseller picker (a scan of customers by kind), kept with the month's figures.
            "resellers": list(
                scoped_customers(user)
                .filter(kind=CustomerKind.RESELLER)
                .order_by("name")
                .values_list("pk", "name")
            ),
        }
        cache.set(key, summary, conf.review_cache_seconds())
    return summary


def usage_connections_state(*, user, filters: ReviewFilter, missing: dict[int, int]) -> list[dict]:
    """Each connection with tenants in scope: closed or open for the month, missing count."""
    # EXISTS per connection: the (connection, status) index answers it without a tenant scan.
    in_scope = filters.tenants(user).filter(connection=OuterRef("pk"))
    connections = VendorConnection.objects.filter(Exists(in_scope)).order_by("vendor", "name")
    closes = {
        c.connection_id: c
        for c in MonthClose.objects.filter(period=filters.period).select_related(
            "closed_by", "reopened_by"
        )
    }
    adjustments = dict(
        UsageAdjustment.objects.filter(period=filters.period)
        .values("tenant__connection_id")
        .annotate(n=Count("pk"))
        .values_list("tenant__connection_id", "n")
    )
    return [
        {
            "connection": c,
            "close": closes.get(c.pk),
            "missing": missing.get(c.pk, 0),
            "adjustments": adjustments.get(c.pk, 0),
        }
        for c in connections
    ]


def usage_customer_history(*, user, customer: Customer, end: dt.date, months: int = 12) -> dict:
    """A customer's monthly totals per vendor and metric over ``months`` months up to ``end``."""
    periods = sorted(recent_periods(count=months, today=end))
    rows = (
        scoped_usage(user)
        .filter(tenant__customer=customer, period__gte=periods[0], period__lte=periods[-1])
        .values("period", "metric", "unit", vendor=F("tenant__connection__vendor"))
        .annotate(total=Sum("quantity"))
        .order_by("vendor", "metric", "period")
    )
    series: dict[tuple[str, str, str], dict[dt.date, Decimal]] = {}
    for row in rows:
        series.setdefault((row["vendor"], row["metric"], row["unit"]), {})[row["period"]] = row[
            "total"
        ]
    return {"periods": periods, "series": series}


def usage_adjustments(*, user, filters: ReviewFilter) -> QuerySet:
    """Vendor corrections recorded for closed months, newest first."""
    qs = UsageAdjustment.objects.filter(period=filters.period, tenant__in=filters.tenants(user))
    return qs.select_related("tenant", "tenant__customer", "tenant__connection").order_by(
        "-detected_at"
    )
