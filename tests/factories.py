"""factory_boy factories for every model, so tests state only what matters to them.

Related rows are built through SubFactory; ``CustomerFactory(parent=reseller)`` gives a child,
``ResellerFactory()`` a top-level reseller. Values are plausible and unique per sequence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.accounts.models import ApiToken, Profile, Role
from portal.approvals.models import Approval, ApprovalPolicy
from portal.audit.models import AuditEvent
from portal.billing.models import (
    Basis,
    BillingLine,
    BillingRun,
    PriceEntry,
    PriceOverride,
    ResellerMarkup,
    RowKind,
    Statement,
    StatementMapping,
    StatementRow,
)
from portal.catalog.models import Product, VendorConnection
from portal.core.models import Source
from portal.customers.models import (
    ConnectionTotals,
    Customer,
    CustomerKind,
    SeatChange,
    Subscription,
    Tenant,
)
from portal.events.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from portal.operations.models import (
    Operation,
    OperationAttempt,
    OperationBatch,
    OperationKind,
    OperationState,
)
from portal.sync.models import Discrepancy, SyncRun, SyncRunStatus, VendorCallStat, WebhookEvent
from portal.usage.models import MonthClose, UsageAdjustment, UsageRecord
from vendors.types import Metric, SubscriptionStatus, TenantStatus

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)
    is_staff = True

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class SuperUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True


class CustomerFactory(factory.django.DjangoModelFactory):
    """An end customer; pass ``parent=`` to place it under a reseller."""

    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    kind = CustomerKind.END_CUSTOMER
    contact_name = factory.Sequence(lambda n: f"Contact {n}")
    contact_email = factory.Sequence(lambda n: f"it{n}@customer.example")
    country = "GB"


class ResellerFactory(CustomerFactory):
    name = factory.Sequence(lambda n: f"Reseller {n} MSP")
    kind = CustomerKind.RESELLER


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    role = Role.OPERATOR
    reseller = None


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token row; the plain value is ``token_value`` (never stored, like the real service)."""

    class Meta:
        model = ApiToken
        exclude = ["token_value"]

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"billing export {n}")
    token_value = factory.Sequence(lambda n: f"cpt_{n:08d}_{'x' * 24}")
    prefix = factory.LazyAttribute(lambda o: o.token_value[:8])
    key_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.token_value.encode()).hexdigest())


class VendorConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorConnection

    vendor = "lookout"
    name = factory.Sequence(lambda n: f"Connection {n}")
    base_url = factory.Sequence(lambda n: f"https://api{n}.vendor.example")
    credentials = factory.Sequence(
        lambda n: {"application_key": f"app-key-{n}", "client_secret": f"secret-{n}"}
    )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    connection = factory.SubFactory(VendorConnectionFactory)
    external_id = factory.Sequence(lambda n: f"prod-{n}")
    code = factory.Sequence(lambda n: f"CODE-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    kind = "base"
    raw = factory.LazyAttribute(lambda o: {"id": o.external_id, "name": o.name})


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    connection = factory.SubFactory(VendorConnectionFactory)
    customer = factory.SubFactory(CustomerFactory)
    external_id = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.LazyAttribute(lambda o: o.customer.name if o.customer else "Unmatched tenant")
    status = TenantStatus.ACTIVE
    raw = factory.LazyAttribute(lambda o: {"id": o.external_id, "name": o.name})
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    tenant = factory.SubFactory(TenantFactory)
    product = factory.SubFactory(
        ProductFactory, connection=factory.SelfAttribute("..tenant.connection")
    )
    external_id = factory.Sequence(lambda n: f"sub-{n}")
    product_code = factory.LazyAttribute(lambda o: o.product.code if o.product else "")
    product_name = factory.LazyAttribute(lambda o: o.product.name if o.product else "")
    status = SubscriptionStatus.ACTIVE
    seats = 10
    seats_used = 7
    raw = factory.LazyAttribute(lambda o: {"id": o.external_id, "seats": o.seats})


class SeatChangeFactory(factory.django.DjangoModelFactory):
    """``SeatChangeFactory(subscription=s, seats=20, observed_at=...)``: a point of seat history."""

    class Meta:
        model = SeatChange

    subscription = factory.SubFactory(SubscriptionFactory)
    seats = factory.SelfAttribute("subscription.seats")
    status = SubscriptionStatus.ACTIVE
    addons = factory.LazyFunction(list)
    observed_at = factory.LazyFunction(timezone.now)


class PriceEntryFactory(factory.django.DjangoModelFactory):
    """A per-seat monthly price, open-ended from 2025."""

    class Meta:
        model = PriceEntry

    product = factory.SubFactory(ProductFactory)
    basis = Basis.PER_SEAT_MONTH
    unit_cost = Decimal("3.0000")
    list_price = Decimal("4.0000")
    currency = "EUR"
    effective_from = dt.date(2025, 1, 1)


class ResellerMarkupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResellerMarkup

    customer = factory.SubFactory(ResellerFactory)
    percent = Decimal("15.00")


class PriceOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceOverride

    customer = factory.SubFactory(ResellerFactory)
    product = factory.SubFactory(ProductFactory)
    unit_price = Decimal("3.5000")


class BillingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingRun

    connection = factory.SubFactory(VendorConnectionFactory)
    period = dt.date(2025, 1, 1)
    frozen_at = factory.LazyFunction(timezone.now)


class BillingLineFactory(factory.django.DjangoModelFactory):
    """A frozen line for 10 seats of a month at the price entry's list price."""

    class Meta:
        model = BillingLine

    price = factory.SubFactory(PriceEntryFactory)
    run = factory.SubFactory(
        BillingRunFactory, connection=factory.SelfAttribute("..price.product.connection")
    )
    tenant = factory.SubFactory(
        TenantFactory, connection=factory.SelfAttribute("..price.product.connection")
    )
    customer = factory.SelfAttribute("tenant.customer")
    reseller = None
    basis = Basis.PER_SEAT_MONTH
    description = factory.LazyAttribute(lambda o: f"{o.tenant.name}: {o.price.product.name}")
    quantity = Decimal("10.0000")
    unit_cost = factory.SelfAttribute("price.unit_cost")
    unit_price = factory.SelfAttribute("price.list_price")
    price_source = "list price"
    cost = factory.LazyAttribute(lambda o: o.quantity * o.unit_cost)
    amount = factory.LazyAttribute(lambda o: o.quantity * o.unit_price)
    margin = factory.LazyAttribute(lambda o: o.amount - o.cost)
    currency = factory.SelfAttribute("price.currency")


class UsageRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsageRecord

    tenant = factory.SubFactory(TenantFactory)
    subscription = None
    subscription_key = ""
    period = dt.date(2025, 1, 1)
    metric = Metric.SEATS_USED
    quantity = Decimal("7")
    unit = "seats"
    vendor_field = "usedLicenses"
    raw = factory.LazyAttribute(lambda o: {o.vendor_field: str(o.quantity)})


class MonthCloseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthClose

    connection = factory.SubFactory(VendorConnectionFactory)
    period = dt.date(2025, 1, 1)
    closed_at = factory.LazyFunction(timezone.now)


class UsageAdjustmentFactory(factory.django.DjangoModelFactory):
    """A vendor correction of a closed month's figure (``record=`` the frozen row)."""

    class Meta:
        model = UsageAdjustment

    record = factory.SubFactory(UsageRecordFactory)
    tenant = factory.SelfAttribute("record.tenant")
    subscription_key = factory.SelfAttribute("record.subscription_key")
    period = factory.SelfAttribute("record.period")
    metric = factory.SelfAttribute("record.metric")
    unit = factory.SelfAttribute("record.unit")
    vendor_field = factory.SelfAttribute("record.vendor_field")
    frozen_quantity = factory.SelfAttribute("record.quantity")
    vendor_quantity = Decimal("9")
    raw = factory.LazyAttribute(lambda o: {o.vendor_field: str(o.vendor_quantity)})


class OperationBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperationBatch

    kind = OperationKind.SUSPEND
    customer = factory.SubFactory(ResellerFactory)
    description = "Suspend the reseller's subtree"
    plan = factory.LazyAttribute(lambda o: [{"customer": o.customer.pk, "action": "suspend"}])
    requested_by = factory.SubFactory(UserFactory)


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation

    kind = OperationKind.CHANGE_SEATS
    state = OperationState.PENDING
    tenant = factory.SubFactory(TenantFactory)
    connection = factory.SelfAttribute("tenant.connection")
    customer = factory.SelfAttribute("tenant.customer")
    params = factory.LazyFunction(lambda: {"seats": 12})
    idempotency_key = factory.Sequence(lambda n: f"op-{n:06d}")
    requested_by = factory.SubFactory(UserFactory)
    source = Source.PAGE


class OperationAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperationAttempt

    operation = factory.SubFactory(OperationFactory)
    number = factory.Sequence(lambda n: n + 1)
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    outcome = "transient_error"
    error = "503 Service Unavailable"
    vendor_status = 503
    vendor_answer = factory.LazyFunction(lambda: {"error": "unavailable"})


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    connection = factory.SubFactory(VendorConnectionFactory)
    status = SyncRunStatus.SUCCEEDED
    pages_done = 2
    items_seen = 40
    created_count = 3
    updated_count = 5
    unchanged_count = 32
    errors = factory.LazyFunction(lambda: [{"tenant": "t-1", "error": "timeout"}])
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=2))
    finished_at = factory.LazyFunction(timezone.now)


class DiscrepancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discrepancy

    tenant = factory.SubFactory(TenantFactory)
    subscription = factory.SubFactory(SubscriptionFactory, tenant=factory.SelfAttribute("..tenant"))
    field = "seats"
    ours = 12
    vendor_value = 10


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    connection = factory.SubFactory(VendorConnectionFactory, vendor="egnyte")
    event_id = factory.Sequence(lambda n: f"evt-{n:08d}")
    event_type = "user.created"
    payload = factory.LazyAttribute(lambda o: {"id": o.event_id, "type": o.event_type})


class VendorCallStatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorCallStat

    connection = factory.SubFactory(VendorConnectionFactory)
    hour = factory.Sequence(
        lambda n: dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    )
    calls = 20
    errors = 1
    total_latency_ms = 2400.0
    max_latency_ms = 310.0


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    actor_label = factory.LazyAttribute(lambda o: o.actor.username if o.actor else "system")
    source = Source.PAGE
    action = "customer.update"
    customer = factory.SubFactory(CustomerFactory)
    object_type = "customers.customer"
    object_id = factory.LazyAttribute(lambda o: str(o.customer.pk) if o.customer else "")
    object_repr = factory.LazyAttribute(lambda o: str(o.customer) if o.customer else "")
    detail = factory.LazyFunction(lambda: {"changed": ["contact_email"]})


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"billing-{n}")
    url = "https://billing.example/hooks"
    event_types = factory.LazyFunction(lambda: ["operation.succeeded"])
    secret = factory.LazyFunction(lambda: {"secret": "whsec-test"})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event_type = "operation.succeeded"
    payload = factory.LazyFunction(lambda: {"operation": 1, "state": "succeeded"})


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    number = 1
    status_code = 500
    response_body = "try later"


class ConnectionTotalsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectionTotals

    connection = factory.SubFactory(VendorConnectionFactory)
    tenants = 3
    seats = 30
    seats_used = 21
    refreshed_at = factory.LazyFunction(timezone.now)


class StatementMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatementMapping

    connection = factory.SubFactory(VendorConnectionFactory)


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    connection = factory.SubFactory(VendorConnectionFactory)
    period = dt.date(2025, 1, 1)
    lines = 1


class StatementRowFactory(factory.django.DjangoModelFactory):
    """A statement's row where the vendor billed a seat more than the frozen billing holds."""

    class Meta:
        model = StatementRow

    statement = factory.SubFactory(StatementFactory)
    kind = RowKind.DIFFERENCE
    tenant_external_id = factory.LazyAttribute(
        lambda o: o.tenant.external_id if o.tenant else "T-1"
    )
    sku = "SKU-1"
    tenant = None
    currency = "EUR"
    vendor_quantity = Decimal("11.0000")
    vendor_amount = Decimal("33.00")
    mirror_quantity = Decimal("10.0000")
    expected_cost = Decimal("30.00")
    billed_amount = Decimal("40.00")
    quantity_difference = Decimal("1.0000")
    money_difference = Decimal("3.00")


class ApprovalPolicyFactory(factory.django.DjangoModelFactory):
    """A reseller's policy: seat increases above 10 need a distributor admin's yes."""

    class Meta:
        model = ApprovalPolicy

    reseller = factory.SubFactory(ResellerFactory)
    seats_above = 10


class ApprovalFactory(factory.django.DjangoModelFactory):
    """A seat increase waiting for a decision."""

    class Meta:
        model = Approval

    operation = factory.SubFactory(OperationFactory, state=OperationState.AWAITING_APPROVAL)
    customer = factory.SelfAttribute("operation.customer")
    policy = factory.SubFactory(ApprovalPolicyFactory)
    reasons = factory.LazyFunction(
        lambda: ["+7 seats is more than the 10 allowed without approval"]
    )
    requested_by = factory.SelfAttribute("operation.requested_by")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=72))
