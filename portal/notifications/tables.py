"""The inbox's table (see ``portal/web/tables.py``)."""

from __future__ import annotations

from portal.web.tables import Choice, Column, Date, Table, Template

from .models import MailState


class InboxTable(Table):
    attrs = {"id": "inbox"}
    empty_text = "Nothing to tell you yet."

    created_at = Column("When", cell=Date(time=True))
    title = Column("Notice", cell=Template("notifications/_notice_cell.html"), note="body")
    mail_state = Column("Mail", cell=Choice(MailState.choices))
    read = Column("", "pk", cell=Template("notifications/_read_cell.html"))

    def row_attrs(self, row):
        return {"data-notice": row.pk, "data-unread": "yes" if row.read_at is None else None}
