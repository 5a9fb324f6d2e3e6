"""Usage figures per tenant, month and metric, as JSON pages or one streamed CSV file."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.renderers import JSONRenderer

from portal.usage.export import usage_csv_response
from portal.usage.selectors import scoped_usage

from ..filters import UsageFilterSet
from ..renderers import CSVRenderer
from ..serializers.usage import UsageRecordSerializer
from .base import FILTER_AND_ORDER, ReadOnly


@extend_schema_view(
    list=extend_schema(
        description="Usage per tenant, month and metric. Send 'Accept: text/csv' (or "
        "?format=csv) for the whole filtered set as a streamed CSV file instead of a JSON page.",
        responses={
            (200, "application/json"): UsageRecordSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="Every filtered row, one CSV line each."
            ),
        },
    ),
    retrieve=extend_schema(description="One usage figure."),
)
class UsageViewSet(ReadOnly):
    serializer_class = UsageRecordSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = UsageFilterSet
    ordering_fields = ["period", "metric", "quantity", "collected_at"]
    ordering = ["-period", "tenant_id", "metric", "pk"]

    def get_renderers(self):
        if self.action == "list":
            return [JSONRenderer(), CSVRenderer()]
        return [JSONRenderer()]

    def get_queryset(self):
        return scoped_usage(self.request.user).select_related("tenant__connection")

    def handle_exception(self, exc):
        # Errors are JSON ({code, message, details}) whatever format the list was asked in.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return usage_csv_response(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)
