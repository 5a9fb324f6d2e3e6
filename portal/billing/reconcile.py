"""Vendor statement reconciliation: read a vendor's monthly statement CSV through the
connection's saved column mapping, sum it per tenant and SKU, and set it beside the month's
frozen billing (the mirror's quantity, the cost we expected, what we billed the reseller).

Matching: the statement's tenant column is the tenant's external id at the vendor; its SKU is
the product's code (or external id) or an add-on code, as the billing lines name them. A key on
both sides with the same quantity and the vendor's amount equal to the expected cost (to the
cent) is matched; otherwise a difference. Keys on one side only are unmatched lines of that
side. A month is open until its billing is frozen, has differences while any difference has no
accepted reason, and is reconciled after. Memory and queries grow with the number of distinct
keys (one dict) and batches, never per line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from portal.accounts.scoping import can_write, user_reseller
from portal.audit.services import audit_record
from portal.catalog.models import Product, VendorConnection
from portal.core.models import Source
from portal.customers.models import Tenant
from vendors.types import month_start

from .bulk import insert
from .models import (
    BillingLine,
    BillingRun,
    LineKind,
    ReconcileState,
    RowKind,
    RunState,
    Statement,
    StatementMapping,
    StatementRow,
)
from .money import round_amount

MAPPING_FIELDS = (
    "tenant_column",
    "sku_column",
    "quantity_column",
    "amount_column",
    "currency_column",
)
BATCH = 2000
#: Bad lines reported before an upload gives up reading (the report stays readable).
MAX_ERRORS = 50
Key = tuple[str, str, str]  # tenant external id, SKU, currency


class StatementRefused(ValidationError):
    """The file cannot be read: nothing is stored; ``errors`` are (line, message) pairs."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__([f"Line {line}: {message}" for line, message in errors])
        self.errors = errors


def _require_staff(actor) -> None:
    if not can_write(actor) or user_reseller(actor) is not None:
        raise PermissionDenied("Vendor statements are the distributor staff's.")


def mapping_for(connection: VendorConnection) -> StatementMapping:
    """The saved mapping, or the default one (unsaved) a first upload uses."""
    found = StatementMapping.objects.filter(connection=connection).first()
    return found or StatementMapping(connection=connection)


@transaction.atomic
def statement_mapping_save(
    *, connection: VendorConnection, columns: dict[str, str], actor, source: str = Source.PAGE
) -> StatementMapping:
    """Save which statement column holds what, for every later upload at this connection."""
    _require_staff(actor)
    mapping = mapping_for(connection)
    before = {f: getattr(mapping, f) for f in MAPPING_FIELDS}
    for name in MAPPING_FIELDS:
        if name in columns:
            setattr(mapping, name, (columns[name] or "").strip())
    mapping.full_clean(exclude=["created_at", "updated_at", "connection"])
    mapping.save()
    audit_record(
        action="statement.mapping_set",
        source=source,
        actor=actor,
        obj=connection,
        detail={
            "changes": {
                f: [before[f], getattr(mapping, f)]
                for f in MAPPING_FIELDS
                if before[f] != getattr(mapping, f)
            }
        },
    )
    return mapping


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number


def read_statement(data: bytes, mapping: StatementMapping) -> tuple[dict[Key, list], int]:
    """The statement summed per key ([quantity, amount]) and its line count; any bad line
    refuses the whole file (StatementRefused lists them)."""
    try:
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        header = [h.strip() for h in next(reader, [])]
    except UnicodeDecodeError:
        raise StatementRefused([(1, "the file is not UTF-8 text")]) from None
    wanted = {f: getattr(mapping, f) for f in MAPPING_FIELDS if getattr(mapping, f)}
    missing = [column for column in wanted.values() if column not in header]
    if missing:
        raise StatementRefused(
            [(1, f"no column {', '.join(missing)} (the mapping names it; the file has "
              f"{', '.join(header) or 'no header'})")]
        )  # fmt: skip
    at = {f: header.index(c) for f, c in wanted.items()}
    sums: dict[Key, list] = {}
    errors: list[tuple[int, str]] = []
    count = 0
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            count += 1
            try:
                tenant = row[at["tenant_column"]].strip()
                sku = row[at["sku_column"]].strip()
                quantity = _decimal(row[at["quantity_column"]])
                amount = _decimal(row[at["amount_column"]])
                currency = (
                    row[at["currency_column"]].strip().upper() if "currency_column" in at else "EUR"
                )
            except (IndexError, ValueError) as exc:
                errors.append(
                    (number, str(exc) if isinstance(exc, ValueError) else "too few columns")
                )
                if len(errors) >= MAX_ERRORS:
                    break
                continue
            if not tenant or not sku:
                errors.append((number, "no tenant or SKU"))
                continue
            total = sums.setdefault((tenant, sku, currency), [Decimal(0), Decimal(0)])
            total[0] += quantity
            total[1] += amount
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.append((count + 2, f"unreadable: {exc}"))
    if errors:
        raise StatementRefused(errors)
    return sums, count


def _billed(run: BillingRun | None) -> dict[Key, dict[str, Any]]:
    """The frozen month's charges summed per key (one grouped query, streamed)."""
    if run is None:
        return {}
    billed: dict[Key, dict[str, Any]] = {}
    rows = (
        BillingLine.objects.filter(run=run, kind=LineKind.CHARGE)
        .values(
            "tenant_id", "tenant__external_id", "customer_id", "price__product__code", "addon",
            "currency",
        )
        .annotate(quantity=Sum("quantity"), cost=Sum("cost"), amount=Sum("amount"))
        .order_by()
    )  # fmt: skip
    for row in rows.iterator(chunk_size=BATCH):
        sku = row["addon"] or row["price__product__code"]
        key = (row["tenant__external_id"], sku, row["currency"])
        if key in billed:  # the same SKU from two subscriptions of the tenant
            for name in ("quantity", "cost", "amount"):
                billed[key][name] += row[name]
        else:
            billed[key] = dict(row)
    return billed


def _rows(statement: Statement, vendor: dict[Key, list], run: BillingRun | None):
    """The statement's rows, vendor keys first, then keys only our billing has."""
    connection = statement.connection
    aliases = dict(Product.objects.filter(connection=connection).values_list("external_id", "code"))
    tenants = {
        external_id: (pk, customer_id)
        for external_id, pk, customer_id in Tenant.objects.filter(connection=connection)
        .values_list("external_id", "pk", "customer_id")
        .iterator(chunk_size=BATCH * 5)
    }
    billed = _billed(run)
    for (tenant, sku, currency), (quantity, amount) in vendor.items():
        sku = aliases.get(sku, sku)
        ours = billed.pop((tenant, sku, currency), None)
        tenant_pk, customer_pk = tenants.get(tenant, (None, None))
        row = StatementRow(
            statement=statement,
            tenant_external_id=tenant,
            sku=sku,
            tenant_id=tenant_pk,
            customer_id=customer_pk,
            currency=currency,
            vendor_quantity=quantity,
            vendor_amount=round_amount(amount),
        )
        if ours is None:
            row.kind = RowKind.VENDOR_ONLY
            row.quantity_difference, row.money_difference = quantity, row.vendor_amount
        else:
            _compare(row, ours)
        yield row
    for (tenant, sku, currency), ours in billed.items():
        row = StatementRow(
            statement=statement,
            tenant_external_id=tenant,
            sku=sku,
            tenant_id=ours["tenant_id"],
            customer_id=ours["customer_id"],
            currency=currency,
            vendor_quantity=None,
            vendor_amount=None,
        )
        _compare(row, ours)
        row.kind = RowKind.MIRROR_ONLY
        yield row


def _compare(row: StatementRow, ours: dict[str, Any]) -> None:
    row.mirror_quantity, row.expected_cost = ours["quantity"], ours["cost"]
    row.billed_amount = ours["amount"]
    row.quantity_difference = (row.vendor_quantity or 0) - ours["quantity"]
    row.money_difference = (row.vendor_amount or 0) - ours["cost"]
    row.kind = (
        RowKind.DIFFERENCE if row.quantity_difference or row.money_difference else RowKind.MATCHED
    )


def _frozen_run(connection: VendorConnection, period: dt.date) -> BillingRun | None:
    return BillingRun.objects.filter(
        connection=connection, period=period, state=RunState.FROZEN
    ).first()


def statement_state(statement: Statement, run: BillingRun | None) -> str:
    if run is None:
        return ReconcileState.OPEN
    unexplained = statement.rows.exclude(kind=RowKind.MATCHED).filter(reason="").exists()
    return ReconcileState.DIFFERENCES if unexplained else ReconcileState.RECONCILED


def _store(statement: Statement, vendor: dict[Key, list], kept: dict[tuple, tuple]) -> dict:
    """Replace the statement's rows by a fresh comparison; accepted reasons stay on rows whose
    differences are unchanged."""
    run = _frozen_run(statement.connection, statement.period)
    statement.rows.all().delete()
    counts: dict[str, int] = defaultdict(int)
    batch: list[StatementRow] = []
    for row in _rows(statement, vendor, run):
        counts[row.kind] += 1
        reason = kept.get((row.tenant_external_id, row.sku, row.currency, row.kind,
                           row.quantity_difference, row.money_difference))  # fmt: skip
        if reason and row.kind != RowKind.MATCHED:
            row.reason, row.accepted_by_id, row.accepted_at = reason
        batch.append(row)
        if len(batch) >= BATCH:
            insert(batch, StatementRow)
            batch = []
    insert(batch, StatementRow)
    statement.state = statement_state(statement, run)
    statement.save(update_fields=["state", "updated_at"])
    return dict(counts)


def _accepted(statement: Statement) -> dict[tuple, tuple]:
    return {
        (t, s, c, k, q, m): (reason, by, at)
        for t, s, c, k, q, m, reason, by, at in statement.rows.exclude(reason="").values_list(
            "tenant_external_id", "sku", "currency", "kind", "quantity_difference",
            "money_difference", "reason", "accepted_by_id", "accepted_at",
        )
    }  # fmt: skip


@transaction.atomic
def statement_upload(
    *,
    connection: VendorConnection,
    period: dt.date,
    data: bytes,
    actor,
    filename: str = "",
    source: str = Source.PAGE,
) -> Statement:
    """Store a vendor's statement of a month (replacing an earlier upload) and compare it with
    the month's frozen billing. A file with any bad line stores nothing (StatementRefused)."""
    _require_staff(actor)
    period = month_start(period)
    vendor, count = read_statement(data, mapping_for(connection))
    statement, _ = Statement.objects.select_for_update().get_or_create(
        connection=connection, period=period
    )
    kept = _accepted(statement)
    statement.filename, statement.lines, statement.uploaded_by = filename[:200], count, actor
    statement.save()
    counts = _store(statement, vendor, kept)
    audit_record(
        action="statement.uploaded",
        source=source,
        actor=actor,
        obj=statement,
        detail={"period": f"{period:%Y-%m}", "lines": count, "rows": counts, "file": filename},
    )
    return statement


def _vendor_side(statement: Statement) -> dict[Key, list]:
    return {
        (t, s, c): [q, a]
        for t, s, c, q, a in statement.rows.filter(vendor_quantity__isnull=False).values_list(
            "tenant_external_id", "sku", "currency", "vendor_quantity", "vendor_amount"
        )
    }


@transaction.atomic
def statement_compare(*, statement: Statement, actor, source: str = Source.PAGE) -> Statement:
    """Compare the stored statement again (after the month closes, or a run is refrozen)."""
    _require_staff(actor)
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    counts = _store(statement, _vendor_side(statement), _accepted(statement))
    audit_record(
        action="statement.compared", source=source, actor=actor, obj=statement,
        detail={"rows": counts, "state": statement.state},
    )  # fmt: skip
    return statement


@transaction.atomic
def statement_row_accept(
    *, row: StatementRow, reason: str, actor, source: str = Source.PAGE
) -> StatementRow:
    """Accept one difference with a reason (empty: withdraw it); the month is reconciled when
    every difference has one."""
    _require_staff(actor)
    if row.kind == RowKind.MATCHED:
        raise ValidationError("A matched row has no difference to accept.")
    reason = reason.strip()
    row.reason = reason
    row.accepted_by, row.accepted_at = (actor, timezone.now()) if reason else (None, None)
    row.save(update_fields=["reason", "accepted_by", "accepted_at"])
    statement = row.statement
    statement.state = statement_state(
        statement, _frozen_run(statement.connection, statement.period)
    )
    statement.save(update_fields=["state", "updated_at"])
    audit_record(
        action="statement.difference_accepted" if reason else "statement.difference_reopened",
        source=source,
        actor=actor,
        obj=statement,
        detail={
            "tenant": row.tenant_external_id,
            "sku": row.sku,
            "kind": row.kind,
            "money_difference": str(row.money_difference),
            "reason": reason,
        },
    )
    return row
