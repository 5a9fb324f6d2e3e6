"""The audit trail, read-only, in the user's scope."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from portal.audit.selectors import scoped_audit_events

from ..filters import AuditEventFilterSet
from ..serializers.audit import AuditEventSerializer
from .base import FILTER_AND_ORDER, ReadOnly


@extend_schema_view(
    list=extend_schema(description="The audit trail in scope, newest first."),
    retrieve=extend_schema(description="One audit event."),
)
class AuditEventViewSet(ReadOnly):
    serializer_class = AuditEventSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = AuditEventFilterSet
    ordering_fields = ["at"]
    ordering = ["-at", "-pk"]

    def get_queryset(self):
        return scoped_audit_events(self.request.user)
