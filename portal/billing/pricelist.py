"""Price lists as CSV: the export's columns are the import's, so a list exported, edited in a
spreadsheet and imported again changes exactly the rows edited. An import is all or nothing:
every row is checked (through the same service as the page and the admin) and one bad row
leaves every price as it was, with a report naming each bad row and why."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from portal.audit.services import audit_record
from portal.catalog.models import Product, VendorConnection
from portal.core.models import Source

from .models import PriceEntry
from .services import PRICE_FIELDS, price_entry_save

#: The product's two keys, then the price entry's own fields (``services.PRICE_FIELDS``).
COLUMNS = ("product_external_id", "product_code", *PRICE_FIELDS)
REQUIRED = ("basis", "unit_cost", "list_price", "currency", "effective_from")
#: An import larger than this is refused whole (a price list is hundreds of rows, not millions).
MAX_ROWS = 20_000


@dataclass(frozen=True)
class RowError:
    row: int  # the line number in the file (the header is line 1)
    product: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Refused(Exception):
    """Raised inside the import's transaction to roll every row back."""


def price_list_rows(entries: QuerySet[PriceEntry]) -> Iterator[list[str]]:
    """The header, then one row per entry, money as stored (never through float)."""
    yield list(COLUMNS)
    for e in entries.select_related("product").order_by("product__code", "addon", "effective_from"):
        yield [
            e.product.external_id,
            e.product.code,
            e.addon,
            e.basis,
            e.metric,
            str(e.unit_cost),
            str(e.list_price),
            e.currency,
            e.effective_from.isoformat(),
            e.effective_to.isoformat() if e.effective_to else "",
        ]


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{name} must be a date as YYYY-MM-DD, not {value!r}.") from exc


def _product(connection: VendorConnection, row: dict[str, str]) -> Product:
    external_id, code = row.get("product_external_id", ""), row.get("product_code", "")
    products = Product.objects.filter(connection=connection)
    if external_id:
        found = list(products.filter(external_id=external_id)[:2])
    elif code:
        found = list(products.filter(code=code)[:2])
    else:
        raise ValidationError("Give product_external_id or product_code.")
    if not found:
        raise ValidationError(f"No product {external_id or code} at {connection.name}.")
    if len(found) > 1:
        raise ValidationError(f"Product code {code} is ambiguous: give product_external_id.")
    return found[0]


def _values(row: dict[str, str]) -> dict[str, Any]:
    missing = [name for name in REQUIRED if not row.get(name)]
    if missing:
        raise ValidationError(f"Missing {', '.join(missing)}.")
    return {
        "addon": row.get("addon", ""),
        "basis": row["basis"],
        "metric": row.get("metric", ""),
        "unit_cost": row["unit_cost"],
        "list_price": row["list_price"],
        "currency": row["currency"].upper(),
        "effective_from": _date(row["effective_from"], "effective_from"),
        "effective_to": _date(row.get("effective_to", ""), "effective_to"),
    }


def _read(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The file is not UTF-8 text (save it as CSV UTF-8).") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = sorted(set(header) - set(COLUMNS))
    if not header or unknown or not set(REQUIRED) <= set(header):
        raise ValidationError(
            f"The header must name the columns {', '.join(COLUMNS)}"
            + (f" (unknown: {', '.join(unknown)})." if unknown else ".")
        )
    reader.fieldnames = header
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"At most {MAX_ROWS} rows per import.")
    return rows


def _apply(connection: VendorConnection, row: dict[str, str], actor, result: ImportResult) -> None:
    product = _product(connection, row)
    values = _values(row)
    existing = PriceEntry.objects.filter(
        product=product, addon=values["addon"], effective_from=values["effective_from"]
    ).first()
    if existing is not None and all(getattr(existing, k) == v for k, v in _typed(values).items()):
        result.unchanged += 1
        return
    price_entry_save(
        product=product, values=values, entry=existing, actor=actor, source=Source.PAGE
    )
    if existing is None:
        result.created += 1
    else:
        result.changed += 1


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    return {
        **values,
        "unit_cost": Decimal(values["unit_cost"]),
        "list_price": Decimal(values["list_price"]),
    }


def price_list_import(*, connection: VendorConnection, data: bytes, actor) -> ImportResult:
    """Create or change the connection's prices from a CSV price list: a row matches an entry by
    product, add-on and effective date. Any bad row: nothing changes, every bad row reported."""
    result = ImportResult()
    try:
        rows = _read(data)
    except ValidationError as exc:
        result.errors.append(RowError(1, "", " ".join(exc.messages)))
        return result
    try:
        with transaction.atomic():
            for number, row in enumerate(rows, start=2):
                try:
                    with transaction.atomic():
                        _apply(connection, row, actor, result)
                except ValidationError as exc:
                    what = row.get("product_external_id") or row.get("product_code", "")
                    result.errors.append(RowError(number, what, " ".join(exc.messages)))
            if result.errors:
                raise _Refused
            audit_record(
                action="price.imported",
                source=Source.PAGE,
                actor=actor,
                obj=connection,
                detail={
                    "rows": len(rows),
                    "created": result.created,
                    "changed": result.changed,
                    "unchanged": result.unchanged,
                },
            )
    except _Refused:
        result.created = result.changed = result.unchanged = 0
    return result
