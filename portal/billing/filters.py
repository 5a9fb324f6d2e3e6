"""The billing lines' FilterSet (the API's; the page picks its month and connection itself) and
the price book page's."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from portal.core.filters import FilterSet, IdFilter
from portal.customers.models import Customer, CustomerKind
from portal.usage.filters import PeriodFilter
from vendors.registry import vendor_choices

from .models import Basis, BillingLine, LineKind, PriceEntry


class BillingLineFilterSet(FilterSet):
    period = PeriodFilter(field_name="run__period", label="Month billed (YYYY-MM)")
    connection = IdFilter(field_name="run__connection_id", label="Connection id")
    reseller = IdFilter(field_name="reseller_id", label="Reseller id (the line's own)")
    customer = IdFilter(field_name="customer_id", label="Customer id")
    kind = django_filters.ChoiceFilter(choices=LineKind.choices)

    class Meta:
        model = BillingLine
        fields = ["period", "connection", "reseller", "customer", "kind"]


class PriceEntryFilterSet(FilterSet):
    """The price book page's filters: where, what, and which prices apply on a day."""

    connection = IdFilter(field_name="product__connection_id", label="Connection id")
    product = django_filters.CharFilter(
        field_name="product__code", lookup_expr="icontains", label="Product code"
    )
    basis = django_filters.ChoiceFilter(choices=Basis.choices)
    currency = django_filters.CharFilter(lookup_expr="iexact")
    on = django_filters.DateFilter(method="filter_on", label="Applies on (YYYY-MM-DD)")

    class Meta:
        model = PriceEntry
        fields = ["connection", "product", "basis", "currency", "on"]

    def filter_on(self, queryset, name, value):
        return queryset.filter(effective_from__lte=value).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=value)
        )


class MarginFilterSet(FilterSet):
    """The margin report's months, vendor and reseller (frozen lines only)."""

    start = PeriodFilter(field_name="run__period", lookup_expr="gte", label="From (YYYY-MM)")
    end = PeriodFilter(field_name="run__period", lookup_expr="lte", label="To (YYYY-MM)")
    vendor = django_filters.ChoiceFilter(
        field_name="run__connection__vendor", choices=vendor_choices, empty_label="Any vendor"
    )
    reseller = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.filter(kind=CustomerKind.RESELLER).order_by("name"),
        empty_label="Any reseller",
    )

    class Meta:
        model = BillingLine
        fields = ["start", "end", "vendor", "reseller"]
