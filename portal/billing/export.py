"""A frozen month's billing lines as CSV or XLSX for billing and PSA tools, keyed by the
customers' external references. CSV streams (one cursor, one line at a time); XLSX is written
by openpyxl's write-only workbook to a temporary file, then streamed from it (flat memory both
ways). Cost, margin and the price's reason are the distributor's: only staff exports carry them."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

COLUMNS: tuple[tuple[str, str], ...] = (
    ("line_id", "pk"),
    ("period", "run__period"),
    ("kind", "kind"),
    ("corrects_line_id", "corrects_id"),
    ("reseller_external_ref", "reseller__external_ref"),
    ("reseller_name", "reseller__name"),
    ("customer_external_ref", "customer__external_ref"),
    ("customer_reference", "customer__reference"),
    ("customer_name", "customer__name"),
    ("vendor", "run__connection__vendor"),
    ("tenant_external_id", "tenant__external_id"),
    ("subscription_external_id", "subscription__external_id"),
    ("product_code", "price__product__code"),
    ("addon", "addon"),
    ("basis", "basis"),
    ("description", "description"),
    ("quantity", "quantity"),
    ("unit_price", "unit_price"),
    ("amount", "amount"),
    ("currency", "currency"),
)
STAFF_COLUMNS: tuple[tuple[str, str], ...] = (
    ("unit_cost", "unit_cost"),
    ("cost", "cost"),
    ("margin", "margin"),
    ("price_source", "price_source"),
)
CHUNK = 2000


class _Line:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> object:
    """Decimals as stored (amounts keep their cents), never through float."""
    return "" if value is None else value


def _columns(staff: bool) -> tuple[tuple[str, str], ...]:
    return COLUMNS + (STAFF_COLUMNS if staff else ())


def _rows(lines: QuerySet, columns) -> Iterator[tuple]:
    rows = lines.order_by("pk").values_list(*(source for _, source in columns))
    return rows.iterator(chunk_size=CHUNK)


def billing_csv_lines(lines: QuerySet, *, staff: bool) -> Iterator[str]:
    columns = _columns(staff)
    writer = csv.writer(_Line())
    yield writer.writerow([name for name, _ in columns])
    for row in _rows(lines, columns):
        yield writer.writerow([_cell(value) for value in row])


def billing_xlsx_response(lines: QuerySet, *, staff: bool, filename: str) -> FileResponse:
    """One sheet, a header row and a line per billing line; numbers stay numbers."""
    columns = _columns(staff)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Billing")
    sheet.append([name for name, _ in columns])
    for row in _rows(lines, columns):
        sheet.append([_cell(value) for value in row])
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it when sent)
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def billing_csv_response(lines: QuerySet, *, staff: bool, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        billing_csv_lines(lines, staff=staff), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
