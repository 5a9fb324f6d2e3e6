"""FilterSets for customers, tenants and subscriptions: shared by the staff pages and the API.

Choices that name other customers (the reseller filter) are cut to the requesting user's scope,
so a scoped user can neither pick nor probe a reseller outside their subtree.
"""

from __future__ import annotations

import django_filters
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from portal.accounts.scoping import scoped_customers
from portal.catalog.models import VendorConnection
from portal.core.filters import FilterSet, IdFilter
from vendors.registry import vendor_choices

from .models import Customer, CustomerKind, CustomerStatus, Subscription, Tenant, subtree_q


def _scoped_resellers(request) -> QuerySet[Customer]:
    resellers = Customer.objects.filter(kind=CustomerKind.RESELLER).order_by("name")
    if request is None:
        return resellers.none()
    return scoped_customers(request.user, resellers)


#: The customer search: each column matched anywhere, case-insensitively.
SEARCHED = ("name", "reference", "external_ref", "contact_email")
#: Shortest term the SQLite trigram index can answer (shorter ones scan with LIKE).
TRIGRAM = 3


def _search(queryset: QuerySet, fields: tuple[str, ...], value: str) -> QuerySet:
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value.strip()})
    return queryset.filter(condition) if value.strip() else queryset


class CustomerFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    kind = django_filters.ChoiceFilter(choices=CustomerKind.choices, empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices, empty_label="Any status")
    vendor = django_filters.ChoiceFilter(
        choices=vendor_choices, method="filter_vendor", empty_label="Any vendor", label="Vendor"
    )
    reseller = django_filters.ModelChoiceFilter(
        queryset=_scoped_resellers,
        method="filter_reseller",
        label="Under reseller",
        empty_label="Any reseller",
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("created_at", "created"),
            ("status", "status"),
            ("kind", "kind"),
            # The materialized path: every reseller is followed by its whole subtree.
            ("path", "hierarchy"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Customer
        fields = ["q", "kind", "status", "vendor", "reseller"]

    def filter_q(self, queryset, name, value):
        term = value.strip()
        if len(term) >= TRIGRAM and connections[queryset.db].vendor == "sqlite":
            # The FTS5 trigram index of migration 0005: a phrase query is a substring match
            # over the four columns, answered from the index instead of a scan of every row.
            phrase = '"' + term.replace('"', '""') + '"'
            matches = RawSQL("SELECT rowid FROM customer_search WHERE customer_search MATCH %s", [phrase])  # fmt: skip
            return queryset.filter(pk__in=matches)
        return _search(queryset, SEARCHED, value)

    def filter_vendor(self, queryset, name, value):
        # EXISTS, not a join: no duplicate rows and no DISTINCT over a large table.
        tenants = Tenant.objects.filter(customer=OuterRef("pk"), connection__vendor=value)
        return queryset.filter(Exists(tenants))

    def filter_reseller(self, queryset, name, value):
        """Everyone below the reseller (any depth), not the reseller itself."""
        return queryset.filter(subtree_q(value.path)).exclude(pk=value.pk)


class TenantFilterSet(FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    vendor = django_filters.ChoiceFilter(
        field_name="connection__vendor", choices=vendor_choices, empty_label="Any vendor"
    )
    connection = django_filters.ModelChoiceFilter(
        queryset=VendorConnection.objects.order_by("name"), empty_label="Any connection"
    )
    status = django_filters.ChoiceFilter(
        choices=Tenant._meta.get_field("status").choices, empty_label="Any status"
    )
    customer = IdFilter(field_name="customer_id", label="Customer id")
    unmatched = django_filters.BooleanFilter(
        field_name="customer", lookup_expr="isnull", label="Unmatched (no customer)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("status", "status"), ("last_seen_at", "last_seen")),
        label="Sort by",
    )

    class Meta:
        model = Tenant
        fields = ["q", "vendor", "connection", "status", "unmatched", "customer"]

    def filter_q(self, queryset, name, value):
        return _search(queryset, ("name", "external_id", "vendor_reference"), value)


class SubscriptionFilterSet(FilterSet):
    vendor = django_filters.ChoiceFilter(
        field_name="tenant__connection__vendor", choices=vendor_choices, empty_label="Any vendor"
    )
    status = django_filters.ChoiceFilter(
        choices=Subscription._meta.get_field("status").choices, empty_label="Any status"
    )
    tenant = IdFilter(field_name="tenant_id", label="Tenant id")
    product_code = django_filters.CharFilter()
    is_trial = django_filters.BooleanFilter()

    class Meta:
        model = Subscription
        fields = ["tenant", "vendor", "status", "product_code", "is_trial"]
