"""Frozen billing lines, for billing and PSA tools (scoped like every list)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from portal.accounts.scoping import scoped
from portal.billing.filters import BillingLineFilterSet
from portal.billing.models import BillingLine, RunState

from ..serializers.billing import BillingLineSerializer
from .base import FILTER_AND_ORDER, ReadOnly


@extend_schema_view(
    list=extend_schema(
        description="The lines of closed (frozen) months. Cost, margin and the price's reason "
        "are null unless the caller is distributor staff."
    ),
    retrieve=extend_schema(description="One frozen billing line."),
)
class BillingLineViewSet(ReadOnly):
    serializer_class = BillingLineSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = BillingLineFilterSet
    ordering_fields = ["amount", "quantity"]
    ordering = ["-run__period", "pk"]

    def get_queryset(self):
        lines = BillingLine.objects.filter(run__state=RunState.FROZEN).select_related(
            "run", "customer"
        )
        return scoped(self.request.user, lines, "customer__")
