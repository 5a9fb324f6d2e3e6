"""CSV export of usage rows, streamed: one database cursor, one line at a time, flat memory.

Used by the review pages and by the API's usage endpoint (content negotiation to text/csv).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import StreamingHttpResponse

from .models import UsageAdjustment
from .selectors import plain_number

COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", "period"),
    ("customer_reference", "tenant__customer__reference"),
    ("customer_external_ref", "tenant__customer__external_ref"),
    ("customer_name", "tenant__customer__name"),
    ("vendor", "tenant__connection__vendor"),
    ("connection", "tenant__connection__name"),
    ("tenant_external_id", "tenant__external_id"),
    ("tenant_name", "tenant__name"),
    ("subscription_external_id", "subscription_key"),
    ("product_code", "subscription__product_code"),
    ("product_name", "subscription__product_name"),
    ("metric", "metric"),
    ("unit", "unit"),
    ("quantity", "quantity"),
    ("vendor_field", "vendor_field"),
    ("vendor_correction", "vendor_correction"),
)
HEADER = [name for name, _ in COLUMNS]
CHUNK = 2000


class _Line:
    """csv.writer target that hands back the line it was given instead of buffering it."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> object:
    if isinstance(value, Decimal):
        return plain_number(value)
    if value is None:
        return ""
    return value


def usage_export_rows(queryset: QuerySet) -> QuerySet:
    """The export's columns as a values_list, with the latest vendor correction of each figure."""
    latest_correction = (
        UsageAdjustment.objects.filter(record=OuterRef("pk"))
        .order_by("-detected_at", "-pk")
        .values("vendor_quantity")[:1]
    )
    return (
        queryset.annotate(vendor_correction=Subquery(latest_correction))
        .order_by("period", "tenant__connection__vendor", "tenant_id", "subscription_key", "metric")
        .values_list(*(source for _, source in COLUMNS))
    )


def usage_csv_lines(queryset: QuerySet) -> Iterator[str]:
    """CSV lines (header first) for the usage rows of ``queryset``; rows are read in chunks."""
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    rows: Iterable = usage_export_rows(queryset).iterator(chunk_size=CHUNK)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def usage_csv_response(queryset: QuerySet, *, filename: str = "usage.csv") -> StreamingHttpResponse:
    """A streamed text/csv download of ``queryset`` (already scoped and filtered by the caller)."""
    response = StreamingHttpResponse(
        usage_csv_lines(queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
