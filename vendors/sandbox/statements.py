"""A vendor's monthly statement as CSV, produced by the sandbox for demos and tests of the
portal's reconciliation. Real vendors send one per month (a CSV download from their partner
console); its columns here are one plausible shape, which the portal maps per connection.

The statement bills every active subscription's current seats at one unit price per seat (the
sandbox keeps no price list and no seat history: the quantity is the seats now). The fault
switch ``wrong_lines`` puts that many wrong lines in it, cycling through the kinds a real
statement gets wrong: a quantity off by one, an amount 10% high, a line for a tenant the
portal does not know, and a subscription left off. ``last_wrong`` says which, so a test can
check that reconciliation finds exactly those.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

HEADER = ("Invoice Month", "Customer ID", "SKU", "Quantity", "Unit Price", "Amount", "Currency")
FAULTS = ("quantity", "amount", "unknown_tenant", "missing")
CENT = Decimal("0.01")


@dataclass
class StatementConfig:
    wrong_lines: int = 0
    unit_price: Decimal = Decimal("2.50")
    currency: str = "EUR"
    last_wrong: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StatementConfig:
        unknown = set(data) - {"wrong_lines", "unit_price", "currency"}
        if unknown:
            raise ValueError(f"unknown statement settings: {', '.join(sorted(unknown))}")
        return cls(
            wrong_lines=int(data.get("wrong_lines", 0)),
            unit_price=Decimal(str(data.get("unit_price", "2.50"))),
            currency=str(data.get("currency", "EUR")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "wrong_lines": self.wrong_lines,
            "unit_price": str(self.unit_price),
            "currency": self.currency,
            "last_wrong": self.last_wrong,
        }


def active_seats(snapshot: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(tenant external id, SKU, seats) of every active subscription, from a sandbox snapshot
    shaped ``{"tenants": [{"external_id", "subscriptions": [{"product_code", "seats",
    "status"}]}]}``; a vendor whose snapshot differs overrides ``VendorSandbox.statement_seats``."""
    rows = []
    for tenant in snapshot.get("tenants", []):
        external_id = tenant.get("external_id")
        for sub in tenant.get("subscriptions", []) or []:
            seats, code = sub.get("seats"), sub.get("product_code")
            billed = sub.get("status") == "active" and not sub.get("is_trial")
            if external_id and code and seats and billed:
                rows.append((str(external_id), str(code), int(seats)))
    return sorted(rows)


def statement_csv(seats: list[tuple[str, str, int]], month: str, config: StatementConfig) -> str:
    """The statement for ``month`` (YYYY-MM), with ``config.wrong_lines`` wrong lines."""
    price = config.unit_price
    lines: list[list[Any]] = [
        [month, tenant, sku, Decimal(qty), price] for tenant, sku, qty in seats
    ]
    wrong: list[dict[str, str]] = []
    extra: list[list[Any]] = []
    for index in range(min(config.wrong_lines, len(lines))):
        fault = FAULTS[index % len(FAULTS)]
        line = lines[index]
        wrong.append({"tenant": line[1], "sku": line[2], "fault": fault})
        if fault == "quantity":
            line[3] += 1
        elif fault == "amount":
            line[4] = (price * Decimal("1.1")).quantize(Decimal("0.0001"))
        elif fault == "unknown_tenant":
            wrong[-1]["tenant"] = f"UNKNOWN-{index}"
            extra.append([month, f"UNKNOWN-{index}", line[2], line[3], price])
        elif fault == "missing":
            line[0] = None  # left off the statement
    config.last_wrong = wrong
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for month_, tenant, sku, qty, unit in lines + extra:
        if month_ is None:
            continue
        amount = (qty * unit).quantize(CENT, rounding=ROUND_HALF_EVEN)
        writer.writerow([month_, tenant, sku, qty, unit, amount, config.currency])
    return out.getvalue()
