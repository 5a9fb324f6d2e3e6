"""One spec per operation kind: everything the portal knows about a kind, in one entry.

The API (which fields a request needs), the pages (which form, which label, tenant or
subscription action), the rules (the vendor capability, the tenant states it starts from and
leads to), ``verify`` (the adapter call and the effect check) and the engine (the values it
records as intended, for drift) all read ``KINDS``. The request service of each kind (its own
validation) is registered by ``services`` with ``@request_service``. A new kind is one
``OperationKind`` value, one entry here, one service, and their tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from vendors.base import VendorAdapter
from vendors.types import (
    Capability,
    Contact,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
    VendorSubscription,
    VendorTenant,
)

from . import forms
from .models import Operation, OperationKind

if TYPE_CHECKING:
    from collections.abc import Mapping

GONE = (SubscriptionStatus.CANCELLED, SubscriptionStatus.EXPIRED)
Params = dict[str, Any]


class Target(StrEnum):
    """What a request names: a customer at a connection (a new tenant), a tenant, a subscription."""

    CUSTOMER = "customer"
    TENANT = "tenant"
    SUBSCRIPTION = "subscription"


@dataclass(frozen=True)
class Intent:
    """The values an operation asks for, recorded on the mirror rows so drift can be seen."""

    tenant: Params = field(default_factory=dict)
    subscription: Params = field(default_factory=dict)


@dataclass(frozen=True)
class KindSpec:
    kind: OperationKind
    capability: Capability
    target: Target
    #: Request fields the kind needs besides its target (API and service keyword names).
    inputs: tuple[str, ...]
    #: Request fields it may carry.
    optional: tuple[str, ...]
    #: The one adapter write, carrying the operation's idempotency key.
    send: Callable[[VendorAdapter, Operation], VendorTenant]
    #: Whether the vendor's tenant already shows the effect (read back before a resend).
    effect: Callable[[Operation, VendorTenant], bool]
    #: What the mirror should hold afterwards (drift compares the vendor with this).
    intent: Callable[[Params], Intent] = lambda params: Intent()
    #: The page form asking for the inputs (None: a confirm-only action or its own page).
    form: type[forms.KindForm] | None = None
    #: Tenant statuses the kind starts from (empty: any live status).
    tenant_from: tuple[TenantStatus, ...] = ()
    #: The tenant status the kind leads to ("already suspended").
    tenant_to: TenantStatus | None = None

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def fields(self) -> tuple[str, ...]:
        """The request's required fields: its target ids, then its inputs."""
        targets = {
            Target.CUSTOMER: ("customer", "connection"),
            Target.TENANT: ("tenant",),
            Target.SUBSCRIPTION: ("subscription",),
        }[self.target]
        return (*targets, *self.inputs)

    @property
    def service(self) -> Callable[..., Operation]:
        """The request service registered for this kind (``services``)."""
        return _SERVICES[self.kind]


# -- adapter calls and effect checks ------------------------------------------------------------


def _ext(operation: Operation) -> str:
    assert operation.tenant is not None  # kinds that call the vendor target a tenant or below
    return operation.tenant.external_id


def _sub_id(operation: Operation) -> str:
    sub_id: str = operation.params.get("subscription_id", "")
    return sub_id


def _subscription(tenant: VendorTenant, sub_id: str) -> VendorSubscription | None:
    subs = tenant.subscriptions
    if sub_id:
        return next((s for s in subs if s.external_id == sub_id), None)
    return subs[0] if subs else None


def live_subscriptions(tenant: VendorTenant, product_code: str) -> list[VendorSubscription]:
    return [
        s for s in tenant.subscriptions if s.product_code == product_code and s.status not in GONE
    ]


def _spec_of(operation: Operation) -> TenantSpec:
    p = operation.params
    return TenantSpec(
        name=p["name"],
        reference=p["reference"],
        product_code=p["product_code"],
        seats=p["seats"],
        contact=Contact(**p["contact"]),
        trial=p.get("trial", False),
        addons=tuple(p.get("addons", ())),
        country=p.get("country", "GB"),
        extra=dict(p.get("options", {})),
    )


def _created(operation: Operation, tenant: VendorTenant) -> bool:
    # Creating is several writes at some vendors (company, then subscription): a tenant
    # without the subscription is half done, and the adapter's create resumes it.
    return bool(live_subscriptions(tenant, operation.params["product_code"]))


def _change(operation: Operation, **change: Any) -> SubscriptionChange:
    return SubscriptionChange(_sub_id(operation), **change)


def _seats_hold(operation: Operation, tenant: VendorTenant) -> bool:
    sub = _subscription(tenant, _sub_id(operation))
    return sub is not None and sub.seats == operation.params["seats"]


def _addons_hold(operation: Operation, tenant: VendorTenant) -> bool:
    sub = _subscription(tenant, _sub_id(operation))
    return sub is not None and sorted(sub.addons) == sorted(operation.params["addons"])


def _plan_holds(operation: Operation, tenant: VendorTenant) -> bool:
    # Some vendors replace the subscription on a plan change: any live one on the new plan.
    return bool(live_subscriptions(tenant, operation.params["product_code"]))


def _converted(operation: Operation, tenant: VendorTenant) -> bool:
    # Some vendors convert by replacing the trial subscription with a paid one.
    live = live_subscriptions(tenant, operation.params["product_code"])
    return bool(live) and not any(s.is_trial for s in live)


def _cancelled(operation: Operation, tenant: VendorTenant) -> bool:
    if tenant.status is TenantStatus.CANCELLED:
        return True
    sub_id = _sub_id(operation)
    targets = [_subscription(tenant, sub_id)] if sub_id else list(tenant.subscriptions)
    return bool(targets) and all(s is None or s.status in GONE for s in targets)


def _cancel_intent(params: Params) -> Intent:
    if params.get("subscription_id"):
        return Intent(subscription={"status": "cancelled"})
    return Intent(tenant={"status": "cancelled"})


def _convert_intent(params: Params) -> Intent:
    seats = {"seats": params["seats"]} if params.get("seats") else {}
    return Intent(subscription={"is_trial": False, **seats})


KINDS: Mapping[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            OperationKind.CREATE_TENANT,
            Capability.CREATE_TENANT,
            Target.CUSTOMER,
            inputs=("product_code", "seats"),
            optional=("trial", "addons", "options"),
            send=lambda adapter, op: adapter.create_tenant(_spec_of(op), op.idempotency_key),
            effect=_created,
            intent=lambda p: Intent(subscription={"seats": p["seats"]}),
        ),
        KindSpec(
            OperationKind.CHANGE_SEATS,
            Capability.CHANGE_SEATS,
            Target.SUBSCRIPTION,
            inputs=("seats",),
            optional=(),
            send=lambda adapter, op: adapter.change_subscription(
                _ext(op), _change(op, seats=op.params["seats"]), op.idempotency_key
            ),
            effect=_seats_hold,
            intent=lambda p: Intent(subscription={"seats": p["seats"]}),
            form=forms.SeatsForm,
        ),
        KindSpec(
            OperationKind.CHANGE_ADDONS,
            Capability.CHANGE_ADDONS,
            Target.SUBSCRIPTION,
            inputs=("addons",),
            optional=(),
            send=lambda adapter, op: adapter.change_subscription(
                _ext(op), _change(op, addons=tuple(op.params["addons"])), op.idempotency_key
            ),
            effect=_addons_hold,
            intent=lambda p: Intent(subscription={"addons": sorted(p["addons"])}),
            form=forms.AddonsForm,
        ),
        KindSpec(
            OperationKind.CHANGE_PLAN,
            Capability.CHANGE_PLAN,
            Target.SUBSCRIPTION,
            inputs=("product_code",),
            optional=(),
            send=lambda adapter, op: adapter.change_subscription(
                _ext(op), _change(op, product_code=op.params["product_code"]), op.idempotency_key
            ),
            effect=_plan_holds,
            intent=lambda p: Intent(subscription={"product_code": p["product_code"]}),
            form=forms.PlanForm,
        ),
        KindSpec(
            OperationKind.CONVERT_TRIAL,
            Capability.CONVERT_TRIAL,
            Target.SUBSCRIPTION,
            inputs=(),
            optional=("seats",),
            send=lambda adapter, op: adapter.convert_trial(
                _ext(op),
                _sub_id(op),
                seats=op.params.get("seats"),
                idempotency_key=op.idempotency_key,
            ),
            effect=_converted,
            intent=_convert_intent,
            form=forms.ConvertTrialForm,
        ),
        KindSpec(
            OperationKind.SUSPEND,
            Capability.SUSPEND,
            Target.TENANT,
            inputs=(),
            optional=(),
            send=lambda adapter, op: adapter.suspend(_ext(op), idempotency_key=op.idempotency_key),
            effect=lambda op, tenant: tenant.status is TenantStatus.SUSPENDED,
            intent=lambda p: Intent(tenant={"status": "suspended"}),
            tenant_from=(TenantStatus.ACTIVE,),
            tenant_to=TenantStatus.SUSPENDED,
        ),
        KindSpec(
            OperationKind.RESUME,
            Capability.RESUME,
            Target.TENANT,
            inputs=(),
            optional=(),
            send=lambda adapter, op: adapter.resume(_ext(op), idempotency_key=op.idempotency_key),
            effect=lambda op, tenant: tenant.status is TenantStatus.ACTIVE,
            intent=lambda p: Intent(tenant={"status": "active"}),
            tenant_from=(TenantStatus.SUSPENDED,),
            tenant_to=TenantStatus.ACTIVE,
        ),
        KindSpec(
            OperationKind.CANCEL,
            Capability.CANCEL,
            Target.TENANT,
            inputs=(),
            optional=("subscription",),
            send=lambda adapter, op: adapter.cancel(
                _ext(op), _sub_id(op), idempotency_key=op.idempotency_key
            ),
            effect=_cancelled,
            intent=_cancel_intent,
            tenant_to=TenantStatus.CANCELLED,
        ),
    )
}

#: Kinds acting on a whole tenant, and on one subscription (the customer page's two menus).
TENANT_KINDS = tuple(k for k, s in KINDS.items() if s.target is Target.TENANT)
SUBSCRIPTION_KINDS = tuple(k for k, s in KINDS.items() if s.target is Target.SUBSCRIPTION)

_SERVICES: dict[str, Callable[..., Operation]] = {}


def request_service(
    kind: OperationKind,
) -> Callable[[Callable[..., Operation]], Callable[..., Operation]]:
    """Register the service that validates and records a request of ``kind``."""

    def register(service: Callable[..., Operation]) -> Callable[..., Operation]:
        _SERVICES[kind] = service
        return service

    return register


def spec(kind: str) -> KindSpec:
    """The kind's spec; ValueError for a kind the portal does not know."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown operation kind {kind!r}") from None


def requirements() -> str:
    """What each kind's request carries, in words (the API schema's help for ``kind``)."""
    parts = []
    for kind, kind_spec in KINDS.items():
        text = f"{kind} needs {', '.join(kind_spec.fields) or 'nothing more'}"
        if kind_spec.optional:
            text += f" (optional: {', '.join(kind_spec.optional)})"
        parts.append(text)
    return "; ".join(parts) + "."
