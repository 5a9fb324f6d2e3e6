"""Approvals: the queue in the user's scope, and approve / reject / withdraw.

Decisions go through ``portal.approvals.services``; who may decide is its rule (``may_decide``),
so a user the rule refuses gets 403, and a request already decided 409.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.approvals import services
from portal.approvals.selectors import scoped_approvals
from portal.core.models import Source

from ..filters import ApiApprovalFilterSet
from ..permissions import WRITE
from ..serializers.approvals import (
    ApprovalDecisionSerializer,
    ApprovalRejectSerializer,
    ApprovalSerializer,
)
from .base import FILTER_AND_ORDER, ReadOnly, refused


@extend_schema_view(
    list=extend_schema(
        description="Changes held by an approval policy, newest first, in your scope. An "
        "operation waiting here is in state awaiting_approval: nothing was sent to the vendor."
    ),
    retrieve=extend_schema(description="One approval."),
)
class ApprovalViewSet(ReadOnly):
    serializer_class = ApprovalSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = ApiApprovalFilterSet
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-pk"]
    action_levels = {"approve": WRITE, "reject": WRITE, "withdraw": WRITE}

    def get_queryset(self):
        return scoped_approvals(self.request.user)

    def _answer(self, approval):
        approval.refresh_from_db()
        return Response(self.get_serializer(approval).data)

    def _decide(self, request, approve: bool, body_class):
        approval = self.get_object()
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.approval_decide(
                approval=approval, approve=approve, reason=body.validated_data.get("reason", ""),
                actor=request.user, source=Source.API,
            )  # fmt: skip
        except ValidationError as exc:
            raise refused(exc)
        return self._answer(approval)

    @extend_schema(
        request=ApprovalDecisionSerializer,
        responses=ApprovalSerializer,
        description="Approve: the held operations are queued and run once. 403 when you may "
        "not decide it (your own request, or outside what your role decides); 409 when it is "
        "no longer pending.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, True, ApprovalDecisionSerializer)

    @extend_schema(
        request=ApprovalRejectSerializer,
        responses=ApprovalSerializer,
        description="Reject with a reason: the held operations end rejected with it, nothing "
        "sent. 400 without a reason; 403 and 409 as for approve.",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, False, ApprovalRejectSerializer)

    @extend_schema(
        request=None,
        responses=ApprovalSerializer,
        description="Withdraw your own waiting request (distributor admins: any): its "
        "operations are cancelled, nothing sent. 409 when it is no longer pending.",
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        approval = self.get_object()
        try:
            services.approval_withdraw(approval=approval, actor=request.user, source=Source.API)
        except ValidationError as exc:
            raise refused(exc)
        return self._answer(approval)
