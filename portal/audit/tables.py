"""The audit trail's table, on the audit page and in every object's history."""

from __future__ import annotations

from portal.core.models import Source
from portal.web.tables import Choice, Code, Column, Date, Pretty, Table


def _object(event) -> str | None:
    return f"{event.object_type} #{event.object_id}" if event.object_type else None


class AuditTable(Table):
    """Audit events (rows: events with their customer), each with its detail folded away."""

    attrs = {"class": "table"}
    empty_text = "No audit events match."

    at = Column("When", cell=Date("Y-m-d H:i:s", time=True))
    actor = Column("Who", "actor_label")
    source = Column("Source", cell=Choice(Source.choices))
    action = Column("Action", cell=Code())
    object = Column("Object", "object_repr", note=_object)
    customer = Column("Customer", "customer.name", empty="")
    detail = Column("Detail", cell=Pretty(), empty="")
