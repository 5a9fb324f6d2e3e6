"""Reads for the billing pages: a month's runs and lines, cut to the user's scope. Cost and
margin are the distributor's own figures: scoped (reseller) users never get them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from portal.accounts.scoping import scoped, user_reseller
from portal.catalog.models import VendorConnection

from .models import BillingLine, BillingRun, PriceEntry, RunState
from .pricing import PriceBook, chain


def sees_cost(user) -> bool:
    return user_reseller(user) is None


def frozen_run(connection: VendorConnection, period: dt.date) -> BillingRun | None:
    return BillingRun.objects.filter(
        connection=connection, period=period, state=RunState.FROZEN
    ).first()


def run_lines(user, run: BillingRun) -> QuerySet[BillingLine]:
    lines = BillingLine.objects.filter(run=run).select_related("customer", "reseller")
    return scoped(user, lines, "customer__").order_by("reseller__name", "customer__name", "pk")


def run_totals(user, run: BillingRun) -> list[dict[str, Decimal | str]]:
    """Per currency, the sums of the lines the user may see (cost and margin only for staff)."""
    sums = {"amount": Sum("amount")}
    if sees_cost(user):
        sums.update(cost=Sum("cost"), margin=Sum("margin"))
    return list(
        scoped(user, BillingLine.objects.filter(run=run), "customer__")
        .values("currency")
        .annotate(**sums, lines=Count("pk"))
        .order_by("currency")
    )


def price_rows(user, entries: list[PriceEntry]) -> list[PriceEntry]:
    """The page's entries; for a scoped user each carries ``sell``: its own level's sell price
    (the precedence of ``PriceBook``, one book per connection on the page)."""
    reseller = user_reseller(user)
    if reseller is None:
        return entries
    books: dict[int, PriceBook] = {}
    for entry in entries:
        connection_id = entry.product.connection_id
        if connection_id not in books:
            books[connection_id] = PriceBook(connection_id, chain(reseller.path))
        entry.sell = books[connection_id].sell_price(entry, reseller.path)  # type: ignore[attr-defined]
    return entries


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, value and length in percent of the longest bar."""

    label: str
    value: Decimal
    percent: Decimal


def bars(rows: list[dict[str, Any]], label: str, value: str = "margin") -> list[Bar]:
    """Chart bars of ``value`` summed per ``label`` and currency (amounts in different currencies
    are never added up); a negative bar is drawn empty with its figure."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        key = row[label]
        name = f"{key:%Y-%m}" if isinstance(key, dt.date) else str(key)
        sums[f"{name} {row['currency']}"] += row[value] or Decimal(0)
    top = max((v for v in sums.values()), default=Decimal(0))
    return [
        Bar(
            name,
            total,
            (total / top * 100).quantize(Decimal("0.1")) if top > 0 and total > 0 else Decimal(0),
        )
        for name, total in sorted(sums.items())
    ]


def margin_rows(lines: QuerySet[BillingLine]) -> list[dict[str, Any]]:
    """Frozen lines summed per vendor, reseller, month and currency (distributor staff only)."""
    frozen = lines.filter(run__state=RunState.FROZEN)
    rows = (
        frozen.values(
            "run__connection__vendor", "run__period", "reseller_id", "reseller__name", "currency"
        )
        .annotate(lines=Count("pk"), amount=Sum("amount"), cost=Sum("cost"), margin=Sum("margin"))
        .order_by("-run__period", "run__connection__vendor", "reseller__name", "currency")
    )
    return [dict(row) for row in rows]


def statement_summary(statement) -> list[dict[str, Any]]:
    """Per kind of row and currency: rows, vendor amount, our cost, billed, difference."""
    return list(
        statement.rows.values("kind", "currency")
        .annotate(
            rows=Count("pk"),
            vendor_amount=Sum("vendor_amount"),
            expected_cost=Sum("expected_cost"),
            billed_amount=Sum("billed_amount"),
            money_difference=Sum("money_difference"),
        )
        .order_by("kind", "currency")
    )
