"""Filter fields shared by the pages' and the API's FilterSets."""

from __future__ import annotations

import django_filters
from django import forms


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number the database can hold (a decimal or 1e40 is a 400, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
