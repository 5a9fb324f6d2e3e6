"""The billing page's tables (see ``portal/web/tables.py``)."""

from __future__ import annotations

from portal.web.tables import Badge, Cell, Choice, Code, Column, Date, Link, Number, Table, Template

from .models import Basis, RowKind


def _staff(table: Table) -> bool:
    return bool(getattr(table, "sees_cost", False))


class LineTable(Table):
    """A month's billing lines (frozen or previewed): cost and margin for distributor staff."""

    attrs = {"id": "billing-lines"}
    empty_text = "No billing lines."
    sees_cost: bool

    reseller = Column("Reseller", "reseller.name", empty="(direct)")
    customer = Column("Customer", "customer.name")
    description = Column("Line", "description", note="price_source")
    quantity = Column("Quantity", cell=Number("-4"), css="num")
    unit_price = Column("Unit price", cell=Number("-4"), css="num")
    amount = Column("Amount", cell=Number(2), css="num")
    cost = Column("Cost", cell=Number(2), css="num", show=_staff)
    margin = Column("Margin", cell=Number(2), css="num", show=_staff)
    currency = Column("Currency")


class TotalTable(Table):
    attrs = {"id": "billing-totals"}
    sees_cost: bool

    currency = Column("Currency")
    lines = Column("Lines", css="num")
    amount = Column("Amount", cell=Number(2), css="num")
    cost = Column("Cost", cell=Number(2), css="num", show=_staff)
    margin = Column("Margin", cell=Number(2), css="num", show=_staff)


def _scoped(table: Table) -> bool:
    return not _staff(table)


def _manage(table: Table) -> bool:
    return bool(getattr(table, "manage", False))


def _list_margin(entry) -> str:
    """The list price's margin over cost, in percent of the list price (None when free)."""
    if not entry.list_price:
        return ""
    return f"{(entry.list_price - entry.unit_cost) / entry.list_price * 100:.1f}%"


class PriceTable(Table):
    """The price book: cost, list price and margin for distributor staff; a scoped user sees
    only its own sell price (the precedence of ``pricing.PriceBook`` applied to its level)."""

    attrs = {"id": "price-entries"}
    empty_text = "No prices."
    sees_cost: bool
    manage: bool

    connection = Column("Connection", "product.connection.name")
    product = Column("Product", "product.name", note="product.code")
    addon = Column("Add-on", empty="")
    basis = Column("Basis", cell=Choice(Basis.choices), note="metric")
    unit_cost = Column("Unit cost", cell=Number(), css="num", show=_staff)
    list_price = Column("List price", cell=Number(), css="num", show=_staff)
    list_margin = Column("List margin", _list_margin, css="num", show=_staff)
    sell_price = Column("Your price", "sell.unit_price", cell=Number(), css="num", show=_scoped)
    currency = Column("Currency")
    effective_from = Column("From", cell=Date("Y-m-d"))
    effective_to = Column("To", cell=Date("Y-m-d"), empty="open")
    edit = Column("", "pk", cell=Link("billing:price-edit", text="Edit"), show=_manage)


class ImportErrorTable(Table):
    attrs = {"id": "import-errors"}

    row = Column("Line", css="num")
    product = Column("Product", empty="")
    message = Column("Why it was refused")


def _margin_percent(row) -> str:
    return f"{row['margin'] / row['amount'] * 100:.1f}%" if row["amount"] else ""


class MarginTable(Table):
    """Frozen billing summed by month, vendor and reseller: what we billed, what it cost us."""

    attrs = {"id": "margins"}
    empty_text = "No frozen billing in these months."

    month = Column("Month", "run__period", cell=Date("Y-m"))
    vendor = Column("Vendor", "run__connection__vendor")
    reseller = Column("Reseller", "reseller__name", empty="(direct)")
    lines = Column("Lines", css="num")
    amount = Column("Billed", cell=Number(2), css="num")
    cost = Column("Cost", cell=Number(2), css="num")
    margin = Column("Margin", cell=Number(2), css="num")
    margin_percent = Column("Margin %", _margin_percent, css="num")
    currency = Column("Currency")


class StatementTable(Table):
    """The vendor statements uploaded, one per connection and month, with their state."""

    attrs = {"id": "statements"}
    empty_text = "No statement uploaded yet."

    month = Column("Month", "period", cell=Link("billing:statement", text="{:%Y-%m}"))
    connection = Column("Connection", "connection.name")
    state = Column("State", cell=Badge())
    lines = Column("Lines", css="num")
    filename = Column("File", empty="")
    updated_at = Column("Uploaded", cell=Date("Y-m-d H:i"))


class _Blank(Cell):
    def render(self, value, row, table: Table) -> str:
        return ""


class StatementRowTable(Table):
    """Per tenant and SKU: the vendor's figures beside the frozen billing's, and the
    differences in money; a difference is accepted with a reason (staff writers)."""

    attrs = {"id": "statement-rows"}
    empty_text = "Nothing here."
    writable: bool

    tenant = Column("Tenant", "tenant_external_id", note="customer.name")
    sku = Column("SKU", cell=Code())
    kind = Column("", cell=Badge(label=lambda row: row.get_kind_display()))
    vendor_quantity = Column("Vendor qty", cell=Number("-4"), css="num")
    vendor_amount = Column("Vendor amount", cell=Number(2), css="num")
    mirror_quantity = Column("Mirror qty", cell=Number("-4"), css="num")
    expected_cost = Column("Our cost", cell=Number(2), css="num")
    billed_amount = Column("Billed to reseller", cell=Number(2), css="num")
    money_difference = Column("Difference", cell=Number(2), css="num")
    currency = Column("Currency")
    reason = Column(
        "Accepted because",
        lambda row: row,
        cell=Template(
            "billing/_accept.html", when=lambda row: row.kind != "matched", otherwise=_Blank()
        ),
    )


class StatementSummaryTable(Table):
    attrs = {"id": "statement-summary"}

    kind = Column("Rows", cell=Choice(RowKind.choices))
    count = Column("Count", "rows", css="num")
    vendor_amount = Column("Vendor amount", cell=Number(2), css="num")
    expected_cost = Column("Our cost", cell=Number(2), css="num")
    billed_amount = Column("Billed to resellers", cell=Number(2), css="num")
    money_difference = Column("Difference", cell=Number(2), css="num")
    currency = Column("Currency")
