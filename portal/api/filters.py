"""API FilterSets: the pages' shared FilterSets, subclassed where the API filters more."""

from __future__ import annotations

import django_filters
from django import forms

from portal.audit.models import AuditEvent
from portal.catalog.models import Product, VendorConnection
from portal.core.models import Source
from portal.customers.filters import CustomerFilterSet, SubscriptionFilterSet, TenantFilterSet
from portal.operations.filters import OperationFilterSet
from portal.sync.filters import DiscrepancyFilterSet
from portal.usage.models import UsageRecord
from vendors.registry import vendor_choices
from vendors.types import Metric

from .models import DeliveryStatus, EventType, WebhookDelivery


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number the database can hold (a decimal or 1e40 is a 400, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def _connections(request=None):
    return VendorConnection.objects.order_by("name")


class ApiCustomerFilterSet(CustomerFilterSet):
    """The pages' FilterSet; the type hints tell the schema what the method filters take."""

    def filter_vendor(self, queryset, name, value: str):
        return super().filter_vendor(queryset, name, value)

    def filter_reseller(self, queryset, name, value: int):
        return super().filter_reseller(queryset, name, value)


class ApiTenantFilterSet(TenantFilterSet):
    customer = IdFilter(field_name="customer_id", label="Customer id")


class ApiOperationFilterSet(OperationFilterSet):
    customer = IdFilter(field_name="customer_id", label="Customer id")
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")
    batch = IdFilter(field_name="batch_id", label="Batch id")


class ApiDiscrepancyFilterSet(DiscrepancyFilterSet):
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")


class ApiSubscriptionFilterSet(SubscriptionFilterSet):
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")
    customer = IdFilter(field_name="tenant__customer_id", label="Customer id")
    connection = django_filters.ModelChoiceFilter(
        field_name="tenant__connection", queryset=_connections
    )

    class Meta(SubscriptionFilterSet.Meta):
        fields = [*SubscriptionFilterSet.Meta.fields, "customer", "connection"]


class ConnectionFilterSet(django_filters.FilterSet):
    vendor = django_filters.ChoiceFilter(choices=vendor_choices)
    enabled = django_filters.BooleanFilter()

    class Meta:
        model = VendorConnection
        fields = ["vendor", "enabled", "sync_status"]


class ProductFilterSet(django_filters.FilterSet):
    vendor = django_filters.ChoiceFilter(field_name="connection__vendor", choices=vendor_choices)
    connection = django_filters.ModelChoiceFilter(queryset=_connections)
    code = django_filters.CharFilter()

    class Meta:
        model = Product
        fields = ["vendor", "connection", "code", "kind", "is_active", "trial_available"]


class UsageFilterSet(django_filters.FilterSet):
    period = django_filters.DateFilter(help_text="A month's first day, e.g. 2025-01-01.")
    period_from = django_filters.DateFilter(field_name="period", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period", lookup_expr="lte")
    vendor = django_filters.ChoiceFilter(
        field_name="tenant__connection__vendor", choices=vendor_choices
    )
    connection = django_filters.ModelChoiceFilter(
        field_name="tenant__connection", queryset=_connections
    )
    customer = IdFilter(field_name="tenant__customer_id", label="Customer id")
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")
    metric = django_filters.ChoiceFilter(choices=[(m.value, m.value) for m in Metric])

    class Meta:
        model = UsageRecord
        fields = ["period", "vendor", "connection", "customer", "tenant", "metric"]


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter()
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    customer = IdFilter(field_name="customer_id", label="Customer id")
    source = django_filters.ChoiceFilter(choices=Source.choices)
    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["action", "object_type", "object_id", "customer", "source"]


class WebhookDeliveryFilterSet(django_filters.FilterSet):
    subscription = IdFilter(field_name="subscription_id", label="Subscription id")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.ChoiceFilter(choices=EventType.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event_type"]
