"""Limit/offset pagination on every list, with a ceiling on the page size."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class ApiPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500

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
