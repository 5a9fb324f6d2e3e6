"""API views: thin; reads go through the scoping module, writes through the domain services.

Objects outside the user's scope are not in the views' querysets, so they answer 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from portal.accounts import scoping
from portal.audit.selectors import scoped_audit_events
from portal.catalog import services as catalog_services
from portal.catalog.models import Product, VendorConnection
from portal.core.models import Source
from portal.customers import services as customer_services
from portal.customers.models import Customer, Subscription, Tenant
from portal.events import subscriptions
from portal.events.deliveries import webhook_redeliver, webhook_send_test
from portal.events.models import WebhookDelivery, WebhookSubscription
from portal.operations import kinds
from portal.operations import services as ops
from portal.operations.keys import KEY_PATTERN, stored_key
from portal.operations.models import Operation, OperationBatch
from portal.operations.options import OptionsInvalid
from portal.operations.selectors import batch_plan, scoped_operations
from portal.sync import discrepancies
from portal.sync.adapters import connection_test
from portal.sync.adoption import tenant_link
from portal.sync.enqueue import sync_request, usage_request
from portal.sync.filters import SyncRunFilterSet
from portal.sync.models import SyncRun
from portal.sync.selectors import scoped_discrepancies
from portal.usage.collection import previous_month
from portal.usage.export import usage_csv_response
from portal.usage.selectors import scoped_usage
from vendors.types import month_start

from . import serializers as s
from .exceptions import Conflict
from .filters import (
    ApiCustomerFilterSet,
    ApiDiscrepancyFilterSet,
    ApiOperationFilterSet,
    ApiSubscriptionFilterSet,
    ApiTenantFilterSet,
    AuditEventFilterSet,
    ConnectionFilterSet,
    ProductFilterSet,
    UsageFilterSet,
    WebhookDeliveryFilterSet,
)
from .permissions import MANAGE, WRITE
from .renderers import CSVRenderer

SHARED_ORDERING = [DjangoFilterBackend]  # the shared FilterSet already has an ``ordering``
FILTER_AND_ORDER = [DjangoFilterBackend, OrderingFilter]


def _refused(exc: ValidationError) -> Conflict:
    """A service refusing because of the object's state is a conflict, not a bad request."""
    return Conflict(" ".join(exc.messages))


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, *args, **kwargs):
    """Unknown API paths answer in the API's error shape, not Django's HTML page."""
    raise NotFound("No API endpoint at this path.")


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pass


# -- connections ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(description="Vendor connections (credentials are never returned)."),
    retrieve=extend_schema(description="One vendor connection."),
    create=extend_schema(description="Add a vendor connection (distributor admins)."),
    update=extend_schema(description="Replace a connection's settings; omit credentials to keep."),
    partial_update=extend_schema(description="Change some of a connection's settings."),
)
class ConnectionViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnly
):  # no delete: operations and tenants refer to connections
    serializer_class = s.ConnectionSerializer
    write_level = MANAGE
    filter_backends = FILTER_AND_ORDER
    filterset_class = ConnectionFilterSet
    ordering_fields = ["name", "vendor", "created_at", "last_synced_at"]
    ordering = ["vendor", "name", "pk"]

    def get_queryset(self):
        return VendorConnection.objects.all()

    def perform_create(self, serializer):
        serializer.instance = catalog_services.connection_create(
            actor=self.request.user, source=Source.API, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = catalog_services.connection_update(
            connection=serializer.instance,
            actor=self.request.user,
            source=Source.API,
            **serializer.validated_data,
        )

    @extend_schema(
        request=None,
        responses=s.ConnectionTestResultSerializer,
        description="Make one authenticated call to the vendor and say why it failed, if it did.",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        result = connection_test(self.get_object(), actor=request.user, source=Source.API)
        return Response({"ok": result.ok, "message": result.message})

    def _sync_answer(self, connection, outcome) -> Response:
        run = outcome.running
        if outcome.queued:
            # With an eager worker the run already exists; otherwise it is null until it starts.
            run = (
                SyncRun.objects.filter(connection=connection).order_by("-created_at", "-pk").first()
            )
        runs_url = reverse("api:syncrun-list") + f"?connection={connection.pk}"
        body = {
            "queued": outcome.queued,
            "message": outcome.message,
            "run": s.SyncRunSerializer(run).data if run else None,
            "sync_runs_url": self.request.build_absolute_uri(runs_url),
        }
        return Response(
            body, status=status.HTTP_202_ACCEPTED if outcome.queued else status.HTTP_409_CONFLICT
        )

    @extend_schema(
        request=None,
        responses={202: s.SyncRequestSerializer, 409: s.SyncRequestSerializer},
        description="Queue a full sync of the connection. 202 with the run (null until a worker "
        "starts it: follow sync_runs_url); 409 when one is already running or the connection "
        "is disabled.",
    )
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        connection = self.get_object()
        outcome = sync_request(connection, triggered_by=f"api:{request.user.get_username()}")
        return self._sync_answer(connection, outcome)

    @extend_schema(
        request=s.UsageRequestSerializer,
        responses={202: s.SyncRequestSerializer, 409: s.SyncRequestSerializer},
        description="Queue collecting one month of usage for every tenant of the connection "
        "(default: last month). 409 when the connection is disabled.",
    )
    @action(detail=True, methods=["post"], url_path="collect-usage")
    def collect_usage(self, request, pk=None):
        connection = self.get_object()
        body = s.UsageRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        period = month_start(body.validated_data.get("period") or previous_month())
        outcome = usage_request(
            connection, period, triggered_by=f"api:{request.user.get_username()}"
        )
        return self._sync_answer(connection, outcome)


# -- customers --------------------------------------------------------------------------------

CUSTOMER_FIELDS = customer_services.EDITABLE


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
    serializer_class = s.CustomerSerializer
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


# -- tenants, subscriptions, products ---------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        description="Vendor tenants in scope, with subscriptions; unmatched=true lists tenants "
        "not linked to a customer yet (distributor staff only)."
    ),
    retrieve=extend_schema(description="One vendor tenant with its subscriptions."),
)
class TenantViewSet(ReadOnly):
    serializer_class = s.TenantSerializer
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
        request=s.TenantLinkSerializer,
        responses=s.TenantSerializer,
        description="Adopt an unmatched tenant: link it to one of the user's customers.",
    )
    @action(detail=True, methods=["post"], url_path="link")
    def link(self, request, pk=None):
        tenant = self.get_object()
        body = s.TenantLinkSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        if tenant.customer_id:
            raise Conflict(f"{tenant.name} is already linked to a customer.", code="already_linked")
        tenant = tenant_link(
            tenant=tenant, customer=body.validated_data["customer"], actor=request.user,
            source=Source.API,
        )  # fmt: skip
        return Response(s.TenantSerializer(tenant, context={"request": request}).data)

    action_levels = {"link": WRITE}


@extend_schema_view(
    list=extend_schema(description="Subscriptions of the tenants in scope."),
    retrieve=extend_schema(description="One subscription."),
)
class SubscriptionViewSet(ReadOnly):
    serializer_class = s.SubscriptionSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = ApiSubscriptionFilterSet
    ordering_fields = ["product_name", "seats", "status", "created_at"]
    ordering = ["tenant_id", "product_name", "pk"]

    def get_queryset(self):
        return scoping.scoped_subscriptions(self.request.user)


@extend_schema_view(
    list=extend_schema(description="Products each connection's catalog lists."),
    retrieve=extend_schema(description="One product."),
)
class ProductViewSet(ReadOnly):
    serializer_class = s.ProductSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = ProductFilterSet
    ordering_fields = ["name", "code", "created_at"]
    ordering = ["connection_id", "name", "pk"]

    def get_queryset(self):
        return Product.objects.select_related("connection")


@extend_schema_view(
    list=extend_schema(
        description="Usage per tenant, month and metric. Send 'Accept: text/csv' (or "
        "?format=csv) for the whole filtered set as a streamed CSV file instead of a JSON page.",
        responses={
            (200, "application/json"): s.UsageRecordSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="Every filtered row, one CSV line each."
            ),
        },
    ),
    retrieve=extend_schema(description="One usage figure."),
)
class UsageViewSet(ReadOnly):
    serializer_class = s.UsageRecordSerializer
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


# -- operations -------------------------------------------------------------------------------

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
    serializer_class = s.OperationSerializer
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
        request=s.OperationCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        examples=OPERATION_EXAMPLES,
        responses={
            202: OpenApiResponse(s.OperationSerializer, description="Accepted: a new operation."),
            200: OpenApiResponse(
                s.OperationSerializer, description="A replay: the operation this key created."
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
        body = s.OperationCreateSerializer(data=request.data)
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
        data = s.OperationSerializer(operation, context={"request": request}).data
        return Response(
            data,
            status=status.HTTP_200_OK if replay else status.HTTP_202_ACCEPTED,
            headers={"Location": data["url"]},
        )

    @extend_schema(
        request=None,
        responses=s.OperationSerializer,
        description="Send a failed operation again (same vendor key; the vendor is read back "
        "first, so nothing is done twice). 409 unless it failed.",
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return self._staff_control(request, ops.operation_retry)

    @extend_schema(
        request=None,
        responses=s.OperationSerializer,
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
            raise _refused(exc)
        return Response(s.OperationSerializer(operation, context={"request": request}).data)


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
    serializer_class = s.OperationBatchSerializer
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
        request=s.BatchRequestSerializer,
        responses={
            200: OpenApiResponse(s.BatchPlanSerializer, description="The dry run's plan."),
            202: OpenApiResponse(s.OperationBatchSerializer, description="The batch created."),
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
        body = s.BatchRequestSerializer(data=request.data)
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


# -- sync runs, drift, audit ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(description="Sync and usage-collection runs (distributor staff)."),
    retrieve=extend_schema(description="One sync run."),
)
class SyncRunViewSet(ReadOnly):
    serializer_class = s.SyncRunSerializer
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
    serializer_class = s.DiscrepancySerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = ApiDiscrepancyFilterSet
    ordering_fields = ["last_seen_at", "first_seen_at"]
    ordering = ["-last_seen_at", "-pk"]
    action_levels = {"resolve": WRITE}

    def get_queryset(self):
        return scoped_discrepancies(self.request.user)

    @extend_schema(
        request=s.DiscrepancyResolveSerializer,
        responses=s.DiscrepancyResolvedSerializer,
        description="Resolve an open discrepancy. 409 when it is already resolved.",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        discrepancy = self.get_object()
        body = s.DiscrepancyResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            result = RESOLVERS[body.validated_data["resolution"]](
                discrepancy=discrepancy, actor=request.user, source=Source.API
            )
        except ops.OperationKeyReused:
            raise
        except ValidationError as exc:
            raise _refused(exc)
        operation = result if isinstance(result, Operation) else None
        discrepancy.refresh_from_db()
        context = {"request": request}
        return Response(
            {
                "discrepancy": s.DiscrepancySerializer(discrepancy).data,
                "operation": s.OperationSerializer(operation, context=context).data
                if operation
                else None,
            }
        )


@extend_schema_view(
    list=extend_schema(description="The audit trail in scope, newest first."),
    retrieve=extend_schema(description="One audit event."),
)
class AuditEventViewSet(ReadOnly):
    serializer_class = s.AuditEventSerializer
    filter_backends = FILTER_AND_ORDER
    filterset_class = AuditEventFilterSet
    ordering_fields = ["at"]
    ordering = ["-at", "-pk"]

    def get_queryset(self):
        return scoped_audit_events(self.request.user)


# -- outbound webhooks ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(description="Webhook subscriptions of internal tools (admins)."),
    retrieve=extend_schema(description="One webhook subscription."),
    create=extend_schema(
        description="Subscribe an endpoint to event types; the answer carries the signing "
        "secret, shown only once.",
        responses={201: s.WebhookSubscriptionCreatedSerializer},
    ),
    update=extend_schema(description="Replace a subscription's settings."),
    partial_update=extend_schema(description="Change some of a subscription's settings."),
    destroy=extend_schema(description="Delete a subscription and its delivery log."),
)
class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    serializer_class = s.WebhookSubscriptionSerializer
    read_level = MANAGE
    write_level = MANAGE
    filter_backends = FILTER_AND_ORDER
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]

    def get_queryset(self):
        return WebhookSubscription.objects.all()

    def perform_update(self, serializer):
        serializer.instance = subscriptions.webhook_subscription_update(
            subscription=serializer.instance,
            actor=self.request.user,
            source=Source.API,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        subscriptions.webhook_subscription_delete(
            subscription=instance, actor=self.request.user, source=Source.API
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = subscriptions.webhook_subscription_create(
            actor=request.user, source=Source.API, **serializer.validated_data
        )
        data = s.WebhookSubscriptionCreatedSerializer(subscription).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={202: s.WebhookDeliverySerializer},
        description="Queue a signed 'test' event to this endpoint; follow the delivery's log.",
    )
    @action(detail=True, methods=["post"], url_path="send-test")
    def send_test(self, request, pk=None):
        try:
            delivery = webhook_send_test(subscription=self.get_object(), actor=request.user)
        except ValidationError as exc:
            raise _refused(exc)
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(description="Webhook deliveries, newest first, with every attempt."),
    retrieve=extend_schema(description="One delivery with every attempt and answer."),
)
class WebhookDeliveryViewSet(ReadOnly):
    serializer_class = s.WebhookDeliverySerializer
    read_level = MANAGE
    write_level = MANAGE
    filter_backends = FILTER_AND_ORDER
    filterset_class = WebhookDeliveryFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return WebhookDelivery.objects.prefetch_related("attempt_log")

    @extend_schema(
        request=None,
        responses={202: s.WebhookDeliverySerializer},
        description="Send the delivery again (same event id), with a fresh round of retries.",
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        delivery = webhook_redeliver(delivery=self.get_object(), actor=request.user)
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
