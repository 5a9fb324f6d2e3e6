"""Frozen billing lines, for billing and PSA tools (scoped like every list), and vendor
statements (upload and reconciliation; distributor staff only)."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal.accounts.scoping import scoped
from portal.billing.filters import BillingLineFilterSet
from portal.billing.models import BillingLine, RunState, Statement
from portal.billing.reconcile import StatementRefused, statement_upload
from portal.billing.selectors import sees_cost
from portal.core.models import Source

from ..serializers.billing import (
    BillingLineSerializer,
    StatementRowSerializer,
    StatementSerializer,
    StatementUploadSerializer,
)
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


def _distributor(user) -> bool:
    return sees_cost(user)


@extend_schema_view(
    list=extend_schema(
        description="Vendor statements uploaded, per connection and month, with their "
        "reconciliation state. Distributor staff only (empty for a reseller's users)."
    ),
    retrieve=extend_schema(description="One vendor statement."),
)
class StatementViewSet(mixins.CreateModelMixin, ReadOnly):
    serializer_class = StatementSerializer
    parser_classes = [MultiPartParser, FormParser]
    ordering = ["-period"]

    def get_queryset(self):
        if not _distributor(self.request.user):
            return Statement.objects.none()
        return Statement.objects.select_related("connection").order_by("-period", "connection")

    @extend_schema(
        request={"multipart/form-data": StatementUploadSerializer},
        responses={201: StatementSerializer},
        description="Upload a vendor's statement of a month (multipart: connection, period, "
        "file); it replaces an earlier upload of that month and is compared with the frozen "
        "billing at once. 400 with every bad line when the file cannot be read (nothing stored).",
    )
    def create(self, request, *args, **kwargs):
        if not _distributor(request.user):
            raise PermissionDenied("Vendor statements are the distributor's.")
        body = StatementUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            statement = statement_upload(
                connection=body.validated_data["connection"],
                period=dt.date.fromisoformat(f"{body.validated_data['period']}-01"),
                data=upload.read(),
                filename=upload.name,
                actor=request.user,
                source=Source.API,
            )
        except StatementRefused as exc:
            raise ApiValidationError({"file": exc.messages}) from exc
        except ValueError as exc:
            raise ApiValidationError({"period": [str(exc)]}) from exc
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=StatementRowSerializer(many=True),
        description="The statement's rows per tenant and SKU; ?kind=difference (matched, "
        "vendor_only, mirror_only) narrows them.",
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        rows = self.get_object().rows.order_by("kind", "tenant_external_id", "sku")
        if request.query_params.get("kind"):
            rows = rows.filter(kind=request.query_params["kind"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(StatementRowSerializer(page, many=True).data)
