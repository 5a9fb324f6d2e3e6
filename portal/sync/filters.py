"""FilterSets for sync runs and discrepancies, shared by the pages and the API."""

from __future__ import annotations

import django_filters

from portal.catalog.models import VendorConnection
from portal.core.filters import FilterSet, IdFilter
from vendors.registry import vendor_choices

from .models import Discrepancy, DiscrepancyStatus, SyncRun, SyncRunStatus, SyncScope


class SyncRunFilterSet(FilterSet):
    connection = django_filters.ModelChoiceFilter(
        queryset=VendorConnection.objects.order_by("name"), empty_label="Any connection"
    )
    vendor = django_filters.ChoiceFilter(
        field_name="connection__vendor", choices=vendor_choices, empty_label="Any vendor"
    )
    status = django_filters.ChoiceFilter(choices=SyncRunStatus.choices, empty_label="Any status")
    scope = django_filters.ChoiceFilter(choices=SyncScope.choices, empty_label="Any scope")

    class Meta:
        model = SyncRun
        fields = ["connection", "vendor", "status", "scope"]


class DiscrepancyFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=DiscrepancyStatus.choices, empty_label="Any status"
    )
    field = django_filters.CharFilter()
    vendor = django_filters.ChoiceFilter(
        field_name="tenant__connection__vendor", choices=vendor_choices, empty_label="Any vendor"
    )
    connection = django_filters.ModelChoiceFilter(
        field_name="tenant__connection",
        queryset=VendorConnection.objects.order_by("name"),
        empty_label="Any connection",
    )
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")

    class Meta:
        model = Discrepancy
        fields = ["status", "field", "vendor", "connection", "tenant"]
