"""The billing page's tables (see ``portal/web/tables.py``)."""

from __future__ import annotations

from portal.web.tables import Column, Number, Table


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
