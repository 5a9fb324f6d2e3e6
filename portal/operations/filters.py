"""The operation FilterSet shared by the operations page and the API."""

from __future__ import annotations

import django_filters

from portal.catalog.models import VendorConnection
from portal.core.filters import FilterSet, IdFilter
from vendors.registry import vendor_choices

from .models import OPEN_STATES, Operation, OperationKind, OperationState


class OperationFilterSet(FilterSet):
    # distinct=False: one operation has one state, so no DISTINCT over the whole ledger.
    state = django_filters.MultipleChoiceFilter(choices=OperationState.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=OperationKind.choices, empty_label="Any kind")
    vendor = django_filters.ChoiceFilter(
        field_name="connection__vendor", choices=vendor_choices, empty_label="Any vendor"
    )
    connection = django_filters.ModelChoiceFilter(
        queryset=VendorConnection.objects.order_by("name"), empty_label="Any connection"
    )
    # Ids, not choice lists: a select of every customer would load the whole table.
    customer = IdFilter(field_name="customer_id", label="Customer id")
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")
    batch = IdFilter(field_name="batch_id", label="Batch id")
    open = django_filters.BooleanFilter(method="filter_open", label="Still open")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created"), ("state", "state"), ("kind", "kind")),
        label="Sort by",
    )

    class Meta:
        model = Operation
        fields = ["state", "kind", "vendor", "connection", "customer", "tenant", "batch", "open"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        condition = {"state__in": OPEN_STATES}
        return queryset.filter(**condition) if value else queryset.exclude(**condition)
