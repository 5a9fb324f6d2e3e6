"""The table layer: a column declared once gives its header and its cells, escaped; a new
column is one line."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.test import RequestFactory

from portal.web.lists import OperationTable
from portal.web.tables import Badge, Column, Link, Table

OPERATION = {
    "pk": 7, "kind": "change_seats", "state": "failed", "attempts": 3,
    "last_error": "<b>quota</b>", "created_at": dt.datetime(2025, 3, 4, 9, 5, tzinfo=dt.UTC),
    "source": "api", "customer_id": 12, "tenant__name": "Acme & Co", "customer__name": "Acme",
    "connection__name": "Redstor EU",
}  # fmt: skip


def drawn(table: Table) -> str:
    return render_to_string("web/_table.html", {"table": table})


class WithTwiceTheAttempts(OperationTable):
    twice = Column("Twice the attempts", lambda op: op["attempts"] * 2, css="num")


def test_a_new_column_is_one_line_its_header_and_its_cell():
    html = drawn(WithTwiceTheAttempts([OPERATION]))

    assert '<th scope="col" class="num">Twice the attempts</th></tr></thead>' in html
    assert '<td class="num">6</td></tr>' in html  # the last cell of the row
    assert drawn(OperationTable([OPERATION])).count("<th ") == html.count("<th ") - 1


def test_cells_escape_values_link_rows_and_show_labels():
    html = drawn(OperationTable([OPERATION]))

    assert '<td><a href="/operations/7/">#7</a></td>' in html
    assert '<td>Change seats<br><span class="small muted">Acme &amp; Co</span></td>' in html
    assert '<span class="badge badge-failed">failed</span>' in html
    assert '<a href="/customers/12/">Acme</a>' in html
    assert "&lt;b&gt;quota&lt;/b&gt;" in html and "<b>" not in html
    assert (
        '<td class="small">04 Mar 09:05<br><span class="small muted">REST API</span></td>' in html
    )


def test_an_empty_value_shows_the_columns_empty_text_and_a_missing_id_no_link():
    html = drawn(OperationTable([{**OPERATION, "customer_id": None, "last_error": ""}]))

    assert "/customers/" not in html
    assert html.count("<td>—</td>") + html.count('<td class="small">—</td>') == 1


class Tiny(Table):
    empty_text = "Nothing here."
    name = Column("Name", cell=Link("web:customer-detail"), sort="name")
    status = Column("Status", cell=Badge(), show=lambda table: table.with_status)

    def row_attrs(self, row) -> dict:
        return {"data-id": row["pk"]}


def test_a_sortable_header_links_to_its_ordering_and_says_which_way_it_sorts():
    request = RequestFactory().get("/customers/", {"ordering": "name", "page": "3"})

    html = drawn(
        Tiny([{"pk": 1, "name": "A", "status": "active"}], request=request, with_status=True)
    )

    assert '<th scope="col" aria-sort="ascending"><a href="?ordering=-name">Name</a></th>' in html
    assert '<tr data-id="1">' in html


def test_a_hidden_column_has_neither_header_nor_cells_and_no_rows_say_so():
    html = drawn(Tiny([], with_status=False))

    assert "Status" not in html
    assert '<td colspan="1" class="empty">Nothing here.</td>' in html


def test_a_column_may_be_named_like_a_table_attribute():
    class Totals(Table):
        rows = Column("Figures", css="num")

    assert '<td class="num">4</td>' in drawn(Totals([{"rows": 4}]))
