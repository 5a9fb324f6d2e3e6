"""Customers, their vendor tenants and subscriptions (the customers app).

Tenants are adopted here (link): the tenant's customer is what changes.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from portal.accounts import scoping
from portal.core.models import Source
from portal.customers import services as customer_services
from portal.customers.models import Customer
from portal.sync.adoption import tenant_link

from ..exceptions import Conflict
from ..filters import ApiCustomerFilterSet, ApiSubscriptionFilterSet, ApiTenantFilterSet
from ..permissions import WRITE
from ..serializers.customers import (
    CustomerSerializer,
    SubscriptionSerializer,
    TenantLinkSerializer,
    TenantSerializer,
)
from .base import FILTER_AND_ORDER, SHARED_ORDERING, ReadOnly


@extend_schema_view(
    list=extend_schema(
        description="Customers in the user's scope; filter by reseller (subtree), vendor, "
        "status, kind, search (q)."
    ),
    retrieve=extend_schema(description="One customer."),
    create=extend_schema(description="Create a customer anywhere in the user's hierarchy."),
    update=extend_schema(
        description="Replace a customer's details; a new parent moves the subtree."
    ),
    partial_update=extend_schema(description="Change some of a customer's details."),
    destroy=extend_schema(
        description="Delete a customer that has no tenants, customers below it or operations."
    ),
)
class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    filter_backends = SHARED_ORDERING
    filterset_class = ApiCustomerFilterSet

    def get_queryset(self):
        return scoping.scoped_customers(self.request.user).order_by("name", "pk")

    def _check_parent_scope(self, data: dict) -> None:
        if "parent" in data and data["parent"] is None and scoping.user_reseller(self.request.user):
            raise ApiValidationError(
                {"parent": ["Your customers must stay below your reseller; give a parent."]}
            )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if scoping.user_reseller(self.request.user) and data.get("parent") is None:
            data["parent"] = None
            self._check_parent_scope(data)
        serializer.instance = customer_services.customer_create(
            actor=self.request.user, source=Source.API, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        self._check_parent_scope(data)
        serializer.instance = customer_services.customer_update(
            customer=serializer.instance, actor=self.request.user, source=Source.API, **data
        )

    def perform_destroy(self, instance: Customer):
        try:
            customer_services.customer_delete(
                customer=instance, actor=self.request.user, source=Source.API
            )
        except customer_services.CustomerInUse as exc:
            raise Conflict(exc.messages[0], code="in_use") from exc


@extend_schema_view(
    list=extend_schema(
        description="Vendor tenants in scope, with subscriptions; unmatched=true lists tenants "
        "not linked to a customer yet (distributor staff only)."
    ),
    retrieve=extend_schema(description="One vendor tenant with its subscriptions."),
)
class TenantViewSet(ReadOnly):
    serializer_class = TenantSerializer
    filter_backends = SHARED_ORDERING
    filterset_class = ApiTenantFilterSet

    def get_queryset(self):
        return (
            scoping.scoped_tenants(self.request.user)
            .select_related("connection")
            .prefetch_related("subscriptions")
            .order_by("name", "pk")
        )

    @extend_schema(
        request=TenantLinkSerializer,
        responses=TenantSerializer,
        description="Adopt an unmatched tenant: link it to one of the user's customers.",
    )
    @action(detail=True, methods=["post"], url_path="link")
    def link(self, request, pk=None):
        tenant = self.get_object()
        body = TenantLinkSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        if tenant.customer_id:
            raise Conflict(f"{tenant.name} is already linked to a customer.", code="already_linked")
        tenant = tenant_link(
            tenant=tenant, customer=body.validated_data["customer"], actor=request.user,
            source=Source.API,
        )  # fmt: skip
        return Response(TenantSerializer(tenant, context={"request": request}).data)

    action_levels = {"link": WRITE}


@extend_schema_view(
    list=extend_schema(description="Subscriptions of the tenants in scope."),
    retrieve=extend_schema(description="One subscription."),
)
class SubscriptionViewSet(ReadOnly):
    serializer_class = SubscriptionSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = ApiSubscriptionFilterSet
    ordering_fields = ["product_name", "seats", "status", "created_at"]
    ordering = ["tenant_id", "product_name", "pk"]

    def get_queryset(self):
        return scoping.scoped_subscriptions(self.request.user)
