"""Sync runs and the drift they find (discrepancies), with its resolutions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts import scoping
from portal.core.models import Source
from portal.operations import services as ops
from portal.operations.models import Operation
from portal.sync import discrepancies
from portal.sync.filters import SyncRunFilterSet
from portal.sync.models import SyncRun
from portal.sync.selectors import scoped_discrepancies

from ..filters import ApiDiscrepancyFilterSet
from ..permissions import WRITE
from ..serializers.operations import OperationSerializer
from ..serializers.sync import (
    DiscrepancyResolvedSerializer,
    DiscrepancyResolveSerializer,
    DiscrepancySerializer,
    SyncRunSerializer,
)
from .base import FILTER_AND_ORDER, ReadOnly, refused


@extend_schema_view(
    list=extend_schema(description="Sync and usage-collection runs (distributor staff)."),
    retrieve=extend_schema(description="One sync run."),
)
class SyncRunViewSet(ReadOnly):
    serializer_class = SyncRunSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = SyncRunFilterSet
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        runs = SyncRun.objects.select_related("connection")
        # Runs span every customer of a connection: not for users scoped to one reseller.
        return runs.none() if scoping.user_reseller(self.request.user) else runs


RESOLVERS = {
    "accept_vendor": discrepancies.discrepancy_accept_vendor,
    "ignore": discrepancies.discrepancy_ignore,
    "reapply": ops.discrepancy_reapply,
}


@extend_schema_view(
    list=extend_schema(
        description="Drift: values the portal set that the vendor reports differently."
    ),
    retrieve=extend_schema(description="One discrepancy."),
)
class DiscrepancyViewSet(ReadOnly):
    serializer_class = DiscrepancySerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = ApiDiscrepancyFilterSet
    ordering_fields = ["last_seen_at", "first_seen_at"]
    ordering = ["-last_seen_at", "-pk"]
    action_levels = {"resolve": WRITE}

    def get_queryset(self):
        return scoped_discrepancies(self.request.user)

    @extend_schema(
        request=DiscrepancyResolveSerializer,
        responses=DiscrepancyResolvedSerializer,
        description="Resolve an open discrepancy. 409 when it is already resolved.",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        discrepancy = self.get_object()
        body = DiscrepancyResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            result = RESOLVERS[body.validated_data["resolution"]](
                discrepancy=discrepancy, actor=request.user, source=Source.API
            )
        except ops.OperationKeyReused:
            raise
        except ValidationError as exc:
            raise refused(exc)
        operation = result if isinstance(result, Operation) else None
        discrepancy.refresh_from_db()
        context = {"request": request}
        return Response(
            {
                "discrepancy": DiscrepancySerializer(discrepancy).data,
                "operation": OperationSerializer(operation, context=context).data
                if operation
                else None,
            }
        )
