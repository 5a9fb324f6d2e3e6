"""API FilterSets: the pages' shared FilterSets, subclassed where the API filters more."""

from __future__ import annotations

import django_filters

from portal.approvals.filters import ApprovalFilterSet
from portal.audit.filters import AuditEventFilterSet as SharedAuditEventFilterSet
from portal.catalog.models import Product, VendorConnection
from portal.core.filters import FilterSet, IdFilter
from portal.customers.filters import CustomerFilterSet, SubscriptionFilterSet, TenantFilterSet
from portal.events.models import DeliveryStatus, EventType, WebhookDelivery
from portal.operations.filters import OperationFilterSet
from portal.sync.filters import DiscrepancyFilterSet
from portal.usage.filters import UsageFilterSet as SharedUsageFilterSet
from portal.usage.models import UsageRecord
from vendors.registry import vendor_choices


def _connections(request=None):
    return VendorConnection.objects.order_by("name")


class ApiCustomerFilterSet(CustomerFilterSet):
    """The pages' FilterSet; the type hints tell the schema what the method filters take."""

    def filter_vendor(self, queryset, name, value: str):
        return super().filter_vendor(queryset, name, value)

    def filter_reseller(self, queryset, name, value: int):
        return super().filter_reseller(queryset, name, value)


ApiTenantFilterSet = TenantFilterSet
ApiOperationFilterSet = OperationFilterSet
ApiDiscrepancyFilterSet = DiscrepancyFilterSet


class ApiSubscriptionFilterSet(SubscriptionFilterSet):
    customer = IdFilter(field_name="tenant__customer_id", label="Customer id")
    connection = django_filters.ModelChoiceFilter(
        field_name="tenant__connection", queryset=_connections
    )

    class Meta(SubscriptionFilterSet.Meta):
        fields = [*SubscriptionFilterSet.Meta.fields, "customer", "connection"]


class ConnectionFilterSet(FilterSet):
    vendor = django_filters.ChoiceFilter(choices=vendor_choices)
    enabled = django_filters.BooleanFilter()

    class Meta:
        model = VendorConnection
        fields = ["vendor", "enabled", "sync_status"]


class ProductFilterSet(FilterSet):
    vendor = django_filters.ChoiceFilter(field_name="connection__vendor", choices=vendor_choices)
    connection = django_filters.ModelChoiceFilter(queryset=_connections)
    code = django_filters.CharFilter()

    class Meta:
        model = Product
        fields = ["vendor", "connection", "code", "kind", "is_active", "trial_available"]


class UsageFilterSet(SharedUsageFilterSet):
    """The review pages' FilterSet plus ranges and a tenant, which tools ask for."""

    def filter_reseller(self, queryset, name, value: int):
        """The schema takes the reseller's id; the method gets the reseller."""
        return super().filter_reseller(queryset, name, value)

    period_from = django_filters.DateFilter(field_name="period", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period", lookup_expr="lte")
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")

    class Meta:
        model = UsageRecord
        fields = ["period", "vendor", "connection", "customer", "tenant", "metric"]


class AuditEventFilterSet(SharedAuditEventFilterSet):
    """The audit page's FilterSet plus exact timestamps."""

    at_after = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    at_before = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")


class WebhookDeliveryFilterSet(FilterSet):
    subscription = IdFilter(field_name="subscription_id", label="Subscription id")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.ChoiceFilter(choices=EventType.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event_type"]


class ApiApprovalFilterSet(ApprovalFilterSet):
    """The queue's filters, without its page's pending-by-default (a client asks for a state)."""

    default_state = None

    customer = IdFilter(field_name="customer_id", label="Customer id")
    operation = IdFilter(field_name="operation_id", label="Operation id")
    batch = IdFilter(field_name="batch_id", label="Operation batch id")

    class Meta(ApprovalFilterSet.Meta):
        fields = ["state", "q", "mine", "customer", "operation", "batch"]
