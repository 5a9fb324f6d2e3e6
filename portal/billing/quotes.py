"""What a requested change will cost the customer a month, for the confirmation staff read
before they send it. The same price book and precedence as the billing run (``pricing``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from portal.catalog.models import Product, VendorConnection
from portal.customers.models import Customer

from .models import Basis
from .money import round_amount
from .pricing import PriceBook, chain


@dataclass(frozen=True)
class QuoteLine:
    what: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    currency: str
    source: str


@dataclass(frozen=True)
class Quote:
    """A month's sell price at today's prices (usage-billed parts are listed without an
    amount; ``unpriced`` names the parts the price book has no price for)."""

    lines: list[QuoteLine]
    by_usage: list[str]
    unpriced: list[str]

    def totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.amount
        return totals


def monthly_quote(
    *,
    connection: VendorConnection,
    customer: Customer,
    product_code: str,
    seats: int,
    addons: list[str],
    day: dt.date | None = None,
) -> Quote | None:
    """The monthly sell price of ``seats`` of a product and its add-ons for ``customer``;
    None when the connection has no price book at all (nothing to say)."""
    day = day or timezone.localdate()
    book = PriceBook(connection.pk, customer_ids=chain(customer.path))
    if not book.entries:
        return None
    product = Product.objects.filter(connection=connection, code=product_code).first()
    lines: list[QuoteLine] = []
    by_usage: list[str] = []
    unpriced: list[str] = []
    for addon in ["", *addons]:
        what = addon or (product.name if product else product_code)
        entry = book.entry_on(product.pk if product else None, addon, day)
        if entry is None:
            unpriced.append(what)
            continue
        if entry.basis == Basis.PER_UNIT:
            by_usage.append(what)
            continue
        quantity = seats if entry.basis == Basis.PER_SEAT_MONTH else 1
        price = book.sell_price(entry, customer.path)
        lines.append(
            QuoteLine(
                what=what,
                quantity=quantity,
                unit_price=price.unit_price,
                amount=round_amount(price.unit_price * quantity),
                currency=entry.currency,
                source=price.source,
            )
        )
    return Quote(lines=lines, by_usage=by_usage, unpriced=unpriced)
