"""Operations (changes requested at vendors) and bulk suspend/resume batches.

Writes go through portal.operations' services; a request is idempotent per key and user.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from portal.accounts import scoping
from portal.catalog.models import VendorConnection
from portal.core.models import Source
from portal.customers.models import Customer, Subscription, Tenant
from portal.operations import kinds
from portal.operations import services as ops
from portal.operations.keys import KEY_PATTERN, stored_key
from portal.operations.models import Operation, OperationBatch
from portal.operations.options import OptionsInvalid
from portal.operations.selectors import batch_plan, scoped_operations

from ..exceptions import Conflict
from ..filters import ApiOperationFilterSet
from ..permissions import WRITE
from ..serializers.operations import (
    BatchPlanSerializer,
    BatchRequestSerializer,
    OperationBatchSerializer,
    OperationCreateSerializer,
    OperationSerializer,
)
from .base import FILTER_AND_ORDER, SHARED_ORDERING, ReadOnly, refused

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A key you choose per request (1-64 letters, digits, - or _). Sending the same "
    "key again with the same body returns the original operation (200) instead of creating "
    "another; the same key with a different body is refused (409). Keys are per user.",
)
OPERATION_EXAMPLES = [
    OpenApiExample(
        "Provision a customer at a vendor",
        value={
            "kind": "create_tenant",
            "customer": 42,
            "connection": 3,
            "product_code": "MES-ENT",
            "seats": 25,
            "trial": False,
            "addons": [],
        },
        request_only=True,
    ),
    OpenApiExample(
        "Change seats",
        value={"kind": "change_seats", "subscription": 7, "seats": 30},
        request_only=True,
    ),
    OpenApiExample(
        "Change add-ons",
        value={"kind": "change_addons", "subscription": 7, "addons": ["edr"]},
        request_only=True,
    ),
    OpenApiExample(
        "Change plan",
        value={"kind": "change_plan", "subscription": 7, "product_code": "MES-PRO"},
        request_only=True,
    ),
    OpenApiExample(
        "Convert a trial",
        value={"kind": "convert_trial", "subscription": 7, "seats": 10},
        request_only=True,
    ),
    OpenApiExample("Suspend a tenant", value={"kind": "suspend", "tenant": 11}, request_only=True),
    OpenApiExample("Resume a tenant", value={"kind": "resume", "tenant": 11}, request_only=True),
    OpenApiExample(
        "Cancel a subscription",
        value={"kind": "cancel", "tenant": 11, "subscription": 7},
        request_only=True,
    ),
]


@extend_schema_view(
    list=extend_schema(description="Operations in scope, newest first."),
    retrieve=extend_schema(description="One operation: poll it until its state is final."),
)
class OperationViewSet(mixins.CreateModelMixin, ReadOnly):
    serializer_class = OperationSerializer
    filter_backends = SHARED_ORDERING
    filterset_class = ApiOperationFilterSet
    action_levels = {"retry": WRITE, "cancel": WRITE}

    def get_queryset(self):
        return (
            scoped_operations(self.request.user)
            .select_related("connection")
            .order_by("-created_at", "-pk")
        )

    def _in_scope(self, model, pk):
        querysets = {
            Customer: scoping.scoped_customers,
            Tenant: scoping.scoped_tenants,
            Subscription: scoping.scoped_subscriptions,
        }
        if model is VendorConnection:
            found = VendorConnection.objects.filter(pk=pk).first()
        else:
            found = querysets[model](self.request.user).filter(pk=pk).first()
        if found is None:
            raise ApiValidationError({model._meta.model_name: ["Not found."]})
        return found

    #: The request fields that name rows (resolved inside the user's scope).
    TARGETS = {
        "customer": Customer,
        "connection": VendorConnection,
        "tenant": Tenant,
        "subscription": Subscription,
    }

    def _request(self, data: dict, key: str) -> Operation:
        """Hand the request to its kind's service (``kinds.KINDS``), rows resolved in scope."""
        kind_spec = kinds.spec(data["kind"])
        wanted = (*kind_spec.fields, *kind_spec.optional)
        given = {name: data[name] for name in wanted if data.get(name) is not None}
        for name, model in self.TARGETS.items():
            if name in given:
                given[name] = self._in_scope(model, given[name])
        try:
            return kind_spec.service(
                **given, actor=self.request.user, source=Source.API, idempotency_key=key
            )
        except OptionsInvalid as exc:
            raise ApiValidationError({"options": exc.message_dict}) from exc

    @extend_schema(
        request=OperationCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        examples=OPERATION_EXAMPLES,
        responses={
            202: OpenApiResponse(OperationSerializer, description="Accepted: a new operation."),
            200: OpenApiResponse(
                OperationSerializer, description="A replay: the operation this key created."
            ),
        },
        description="Request a change at a vendor. Answers 202 with the new operation and its "
        "URL (also in Location); the change is made by a worker, so poll the URL. Requires an "
        "Idempotency-Key header.",
    )
    def create(self, request, *args, **kwargs):
        raw_key = request.headers.get("Idempotency-Key", "")
        if not KEY_PATTERN.match(raw_key):
            raise ApiValidationError(
                {
                    "Idempotency-Key": [
                        "Send an Idempotency-Key header: 1-64 letters, digits, - or _."
                    ]
                }
            )
        body = OperationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = stored_key(request.user, raw_key)
        existed = Operation.objects.filter(idempotency_key=key).exists()
        try:
            operation = self._request(body.validated_data, key)
        except ops.OperationKeyReused:
            raise
        except ValidationError as exc:
            if existed:  # the key's first request was different: the body is what changed
                raise Conflict(
                    "This Idempotency-Key was already used for a different request.",
                    code="idempotency_key_reused",
                ) from exc
            raise
        replay = existed or operation.idempotency_key != key
        data = OperationSerializer(operation, context={"request": request}).data
        return Response(
            data,
            status=status.HTTP_200_OK if replay else status.HTTP_202_ACCEPTED,
            headers={"Location": data["url"]},
        )

    @extend_schema(
        request=None,
        responses=OperationSerializer,
        description="Send a failed operation again (same vendor key; the vendor is read back "
        "first, so nothing is done twice). 409 unless it failed.",
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self._staff_control(request, ops.operation_retry)

    @extend_schema(
        request=None,
        responses=OperationSerializer,
        description="Withdraw an operation no worker has picked up (nothing was sent). 409 "
        "unless it is pending.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._staff_control(request, ops.operation_cancel)

    def _staff_control(self, request, service):
        """Retry or cancel through the service; a refused transition is a 409 with the reason."""
        try:
            operation = service(operation=self.get_object(), actor=request.user, source=Source.API)
        except ValidationError as exc:
            raise refused(exc)
        return Response(OperationSerializer(operation, context={"request": request}).data)


def _with_state_counts(batches: list[OperationBatch]) -> list[OperationBatch]:
    """Every batch's operation counts per state in one query (no query per batch)."""
    counts: dict[int, dict[str, int]] = {b.pk: {} for b in batches}
    rows = (
        Operation.objects.filter(batch_id__in=list(counts))
        .values_list("batch_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for batch_id, state, n in rows:
        counts[batch_id][state] = n
    for batch in batches:
        batch.state_counts = counts[batch.pk]
    return batches


@extend_schema_view(
    list=extend_schema(description="Bulk suspend/resume batches in scope, with progress."),
    retrieve=extend_schema(description="One batch with its progress."),
)
class OperationBatchViewSet(mixins.CreateModelMixin, ReadOnly):
    serializer_class = OperationBatchSerializer
    filter_backends = FILTER_AND_ORDER
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        scoped = scoping.scoped_customers(self.request.user)
        return OperationBatch.objects.filter(customer__in=scoped)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = self.get_serializer(_with_state_counts(list(page)), many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        batch = _with_state_counts([self.get_object()])[0]
        return Response(self.get_serializer(batch).data)

    @extend_schema(
        request=BatchRequestSerializer,
        responses={
            200: OpenApiResponse(BatchPlanSerializer, description="The dry run's plan."),
            202: OpenApiResponse(OperationBatchSerializer, description="The batch created."),
        },
        examples=[
            OpenApiExample(
                "Preview suspending a reseller's subtree",
                value={"customer": 5, "kind": "suspend", "dry_run": True},
                request_only=True,
            ),
            OpenApiExample(
                "Resume a customer everywhere",
                value={"customer": 42, "kind": "resume", "dry_run": False},
                request_only=True,
            ),
        ],
        description="Suspend or resume a customer (a reseller: its whole subtree) at every "
        "vendor. dry_run=true answers the plan and writes nothing; otherwise one operation per "
        "tenant the plan does not skip.",
    )
    def create(self, request, *args, **kwargs):
        body = BatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        customer = scoping.scoped_customers(request.user).filter(pk=data["customer"]).first()
        if customer is None:
            raise ApiValidationError({"customer": ["Not found."]})
        if data["dry_run"]:
            plan = batch_plan(customer=customer, kind=data["kind"])
            return Response(
                {
                    "dry_run": True,
                    "kind": data["kind"],
                    "customer": customer.pk,
                    "will_run": sum(1 for item in plan if item.will_run),
                    "plan": [item.as_dict() for item in plan],
                }
            )
        batch = ops.batch_create(
            customer=customer, kind=data["kind"], actor=request.user, source=Source.API
        )
        batch = _with_state_counts([batch])[0]
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)
