"""A frozen month's billing lines as CSV for billing and PSA tools, streamed (one cursor, one
line at a time), keyed by the customers' external references. Cost, margin and the price's
reason are the distributor's: only staff exports carry them."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

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


def billing_csv_lines(lines: QuerySet, *, staff: bool) -> Iterator[str]:
    columns = COLUMNS + (STAFF_COLUMNS if staff else ())
    writer = csv.writer(_Line())
    yield writer.writerow([name for name, _ in columns])
    rows = lines.order_by("pk").values_list(*(source for _, source in columns))
    for row in rows.iterator(chunk_size=CHUNK):
        yield writer.writerow([_cell(value) for value in row])


def billing_csv_response(lines: QuerySet, *, staff: bool, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        billing_csv_lines(lines, staff=staff), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
