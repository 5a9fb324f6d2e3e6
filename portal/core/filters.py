"""Filter fields shared by the pages' and the API's FilterSets."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number the database can hold (a decimal or 1e40 is a 400, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class DatabaseRangeForm(forms.Form):
    """A FilterSet's form that refuses dates and datetimes the database cannot take.

    Python accepts what PostgreSQL refuses: a UTC offset past ±15:59 ("time zone displacement
    out of range") and an aware datetime that leaves years 1..9999 once converted to UTC. Each
    datetime is therefore handed on in UTC, or refused with a message under its parameter's name
    (a 400 from the API, a form error on the pages) instead of a DataError (a 500).
    """

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            try:
                cleaned[name] = _in_range(value)
            except forms.ValidationError as refused:
                self.add_error(name, refused)
        return cleaned


def _in_range(value):
    if isinstance(value, slice):  # the range filters' (start, stop)
        return slice(_in_range(value.start), _in_range(value.stop), value.step)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(
                "Out of range: the time must fall within the years 1 to 9999 in UTC.",
                code="out_of_range",
            ) from None
    return value


class FilterSet(django_filters.FilterSet):
    """The base of every FilterSet: values are checked against the database's range first."""

    def get_form_class(self):
        form = super().get_form_class()
        return type(form.__name__, (DatabaseRangeForm, form), {})
