"""The usage FilterSet, shared by the review pages, their CSV export and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import QuerySet

from portal.accounts.scoping import scoped_customers
from portal.catalog.models import VendorConnection
from portal.core.filters import FilterSet, IdFilter
from portal.customers.models import Customer, CustomerKind, subtree_q
from vendors.registry import vendor_choices

from .models import METRIC_CHOICES


def _scoped_resellers(request) -> QuerySet[Customer]:
    resellers = Customer.objects.filter(kind=CustomerKind.RESELLER).order_by("name")
    if request is None:
        return resellers.none()
    return scoped_customers(request.user, resellers)


def parse_period(value: str) -> dt.date | None:
    """'2025-03' (or a full date in that month) -> 2025-03-01; None when unreadable."""
    try:
        return dt.date.fromisoformat(f"{value[:7]}-01")
    except (TypeError, ValueError):
        return None


class PeriodField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        period = parse_period(value)
        if period is None:
            raise forms.ValidationError("Give the month as YYYY-MM.")
        return period


class PeriodFilter(django_filters.Filter):
    field_class = PeriodField


class UsageFilterSet(FilterSet):
    period = PeriodFilter(field_name="period", label="Month (YYYY-MM)")
    vendor = django_filters.ChoiceFilter(
        field_name="tenant__connection__vendor", choices=vendor_choices, empty_label="Any vendor"
    )
    connection = django_filters.ModelChoiceFilter(
        field_name="tenant__connection",
        queryset=VendorConnection.objects.order_by("name"),
        empty_label="Any connection",
    )
    reseller = django_filters.ModelChoiceFilter(
        queryset=_scoped_resellers,
        method="filter_reseller",
        label="Under reseller",
        empty_label="Any reseller",
    )
    customer = IdFilter(field_name="tenant__customer_id", label="Customer id")
    metric = django_filters.ChoiceFilter(choices=METRIC_CHOICES, empty_label="Any metric")

    def filter_reseller(self, queryset, name, value):
        """The reseller's whole subtree (any depth), by the path index on every database."""
        return queryset.filter(subtree_q(value.path, "tenant__customer__path"))
