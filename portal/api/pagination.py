"""Limit/offset pagination on every list, with a ceiling on the page size."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

#: Far past any table, and well inside the bigint that OFFSET takes on PostgreSQL.
MAX_OFFSET = 10**15


class ApiPagination(LimitOffsetPagination):
    """DRF's limit/offset, with the two parameters typed and bounded.

    DRF passes any whole number on to the database (an offset past bigint is a DataError, a 500,
    on PostgreSQL) and quietly replaces text with the default; here either is a 400 that names
    the parameter. A limit above ``max_limit`` is still cut to it, as documented.
    """

    default_limit = 50
    max_limit = 500

    def get_limit(self, request):
        if self.limit_query_param not in request.query_params:
            return self.default_limit
        limit = _whole(request, self.limit_query_param, low=1, high=None)
        return min(limit, self.max_limit)

    def get_offset(self, request):
        if self.offset_query_param not in request.query_params:
            return 0
        return _whole(request, self.offset_query_param, low=0, high=MAX_OFFSET)

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        described = {
            "count": "Rows matching the filters, over all pages.",
            "next": "The next page's URL (null on the last page).",
            "previous": "The previous page's URL (null on the first page).",
            "results": "This page's rows.",
        }
        for name, text in described.items():
            paginated["properties"][name]["description"] = text
        return paginated


def _whole(request, name: str, *, low: int, high: int | None) -> int:
    raw = request.query_params[name]
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ValidationError({name: [f"Must be a whole number {bound}."]}, code="invalid")
    return value
