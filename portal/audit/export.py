"""CSV export of the audit trail, streamed with flat memory."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

COLUMNS = (
    "at",
    "actor",
    "source",
    "action",
    "object_type",
    "object_id",
    "object",
    "customer_id",
    "detail",
)
#: Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    def write(self, value: str) -> str:
        return value


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _lines(events: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(COLUMNS)
    rows = events.values_list(
        "at",
        "actor_label",
        "source",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "customer_id",
        "detail",
    )
    for at, *rest, detail in rows.iterator(chunk_size=2000):
        cells = [at.isoformat(), *rest, json.dumps(detail, sort_keys=True, default=str)]
        yield writer.writerow([_safe(cell if cell is not None else "") for cell in cells])


def audit_csv_response(events: QuerySet) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_lines(events), content_type="text/csv; charset=utf-8")
    name = f"audit-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
