"""Limit/offset pagination on every list, with a ceiling on the page size."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class ApiPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500
