"""Which price applies: the one documented order of precedence.

The cost is the price entry's ``unit_cost``. The sell price walks up from the billed customer
to the top of its hierarchy; at each level, an explicit override for the product (or add-on)
wins, then that level's markup; the first level that has either decides. With neither anywhere,
the list price applies. So a reseller's override beats its parent's markup, and an end
customer's own markup beats its reseller's override: the closest level always wins.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from portal.customers.models import Customer

from .models import PriceEntry, PriceOverride, ResellerMarkup

PRICE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class SellPrice:
    unit_price: Decimal
    source: str


def chain(path: str) -> list[int]:
    """Customer ids from the customer itself up to the top (``/1/5/9/`` → [9, 5, 1])."""
    return [int(p) for p in reversed(path.strip("/").split("/")) if p]


class PriceBook:
    """Every price of one connection, loaded once for a billing run (a constant number of
    queries whatever the number of tenants)."""

    def __init__(self, connection_id: int, customer_ids: Iterable[int] = ()):
        self.entries: dict[tuple[int, str], list[PriceEntry]] = defaultdict(list)
        for entry in PriceEntry.objects.filter(product__connection_id=connection_id):
            self.entries[(entry.product_id, entry.addon)].append(entry)
        product_ids = {product for product, _ in self.entries}
        self.markups = dict(ResellerMarkup.objects.values_list("customer_id", "percent"))
        self.overrides = {
            (c, p, a): price
            for c, p, a, price in PriceOverride.objects.filter(
                product_id__in=product_ids
            ).values_list("customer_id", "product_id", "addon", "unit_price")
        }
        self._on_days: dict[tuple, list[int | None]] = {}
        self.seat_entries: list[PriceEntry] = []
        # Names of the levels a price source can name: those with a markup or an override.
        levels = set(customer_ids) | set(self.markups) | {c for c, _, _ in self.overrides}
        self.names = dict(Customer.objects.filter(pk__in=levels).values_list("pk", "name"))

    @property
    def bills_usage(self) -> bool:
        """Whether any price bills a usage metric (else a run need not read usage at all)."""
        return any(e.basis == "per_unit" for entries in self.entries.values() for e in entries)

    def entries_on_days(
        self, product_id: int | None, addon: str, days: list[dt.date]
    ) -> list[int | None]:
        """The per-seat entry in effect on each day, as its index in ``seat_entries`` (worked
        out once per product, add-on and month; a run walks every subscription's days)."""
        key = (product_id, addon, days[0], len(days))
        found = self._on_days.get(key)
        if found is None:
            found = []
            for day in days:
                entry = self.entry_on(product_id, addon, day)
                if entry is None or entry.basis != "per_seat_month":
                    found.append(None)
                    continue
                if entry not in self.seat_entries:
                    self.seat_entries.append(entry)
                found.append(self.seat_entries.index(entry))
            self._on_days[key] = found
        return found

    def entry_on(self, product_id: int | None, addon: str, day: dt.date) -> PriceEntry | None:
        for entry in self.entries.get((product_id or 0, addon), ()):
            if entry.effective_from <= day and (
                entry.effective_to is None or day <= entry.effective_to
            ):
                return entry
        return None

    def addons_priced(self, product_id: int | None) -> list[str]:
        return sorted(addon for product, addon in self.entries if product == product_id and addon)

    def sell_price(self, entry: PriceEntry, customer_path: str) -> SellPrice:
        for level in chain(customer_path):
            override = self.overrides.get((level, entry.product_id, entry.addon))
            if override is not None:
                return SellPrice(override, f"override at {self._name(level)}")
            percent = self.markups.get(level)
            if percent is not None:
                price = entry.list_price * (1 + percent / 100)
                return SellPrice(
                    price.quantize(PRICE_PLACES, rounding=ROUND_HALF_EVEN),
                    f"{percent:+}% at {self._name(level)}",
                )
        return SellPrice(entry.list_price, "list price")

    def _name(self, customer_id: int) -> str:
        return self.names.get(customer_id) or f"customer #{customer_id}"
