"""The billing lines' FilterSet (the API's; the page picks its month and connection itself)."""

from __future__ import annotations

import django_filters

from portal.core.filters import FilterSet, IdFilter
from portal.usage.filters import PeriodFilter

from .models import BillingLine, LineKind


class BillingLineFilterSet(FilterSet):
    period = PeriodFilter(field_name="run__period", label="Month billed (YYYY-MM)")
    connection = IdFilter(field_name="run__connection_id", label="Connection id")
    reseller = IdFilter(field_name="reseller_id", label="Reseller id (the line's own)")
    customer = IdFilter(field_name="customer_id", label="Customer id")
    kind = django_filters.ChoiceFilter(choices=LineKind.choices)

    class Meta:
        model = BillingLine
        fields = ["period", "connection", "reseller", "customer", "kind"]
