"""The audit page's filters (FilterSet shared with the CSV export and any API listing)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from portal.core.filters import FilterSet, IdFilter
from portal.core.models import Source

from .models import AuditEvent


class AuditEventFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    source = django_filters.ChoiceFilter(choices=Source.choices, empty_label="Any source")
    action = django_filters.CharFilter(lookup_expr="startswith", label="Action starts with")
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="iexact", label="Actor")
    object_type = django_filters.CharFilter(label="Object type")
    object_id = django_filters.CharFilter(label="Object id")
    customer = IdFilter(field_name="customer_id", label="Customer id")
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From")
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="Until")

    class Meta:
        model = AuditEvent
        fields = ["q", "source", "action", "actor", "object_type", "object_id", "customer"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(object_repr__icontains=value)
            | Q(action__icontains=value)
            | Q(actor_label__icontains=value)
            | Q(object_id=value)
        )
