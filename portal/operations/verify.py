"""Sending an operation to its vendor, and reading the vendor back to see if it already took.

``send`` turns an operation's stored parameters into one adapter write with the operation's
idempotency key. ``read_back`` answers "is the intended effect already there?": the engine asks
it before every attempt after the first, so a change the vendor applied while its answer was
lost (timeout, dropped connection, killed worker) is never sent a second time.
"""

from __future__ import annotations

from vendors.base import VendorAdapter
from vendors.types import (
    Contact,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
    VendorSubscription,
    VendorTenant,
)

from .models import Operation, OperationKind

GONE = (SubscriptionStatus.CANCELLED, SubscriptionStatus.EXPIRED)


def tenant_external_id(operation: Operation) -> str:
    return operation.tenant.external_id


def send(operation: Operation, adapter: VendorAdapter) -> VendorTenant:
    """One write at the vendor, carrying the operation's idempotency key."""
    p, key, kind = operation.params, operation.idempotency_key, operation.kind
    if kind == OperationKind.CREATE_TENANT:
        spec = TenantSpec(
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
        return adapter.create_tenant(spec, key)
    ext = tenant_external_id(operation)
    sub_id = p.get("subscription_id", "")
    if kind == OperationKind.CHANGE_SEATS:
        return adapter.change_subscription(ext, SubscriptionChange(sub_id, seats=p["seats"]), key)
    if kind == OperationKind.CHANGE_ADDONS:
        change = SubscriptionChange(sub_id, addons=tuple(p["addons"]))
        return adapter.change_subscription(ext, change, key)
    if kind == OperationKind.CHANGE_PLAN:
        change = SubscriptionChange(sub_id, product_code=p["product_code"])
        return adapter.change_subscription(ext, change, key)
    if kind == OperationKind.SUSPEND:
        return adapter.suspend(ext, idempotency_key=key)
    if kind == OperationKind.RESUME:
        return adapter.resume(ext, idempotency_key=key)
    if kind == OperationKind.CANCEL:
        return adapter.cancel(ext, sub_id, idempotency_key=key)
    if kind == OperationKind.CONVERT_TRIAL:
        return adapter.convert_trial(ext, sub_id, seats=p.get("seats"), idempotency_key=key)
    raise ValueError(f"unknown operation kind {kind!r}")


def read_back(operation: Operation, adapter: VendorAdapter) -> VendorTenant | None:
    """The vendor's tenant when the operation's effect is already there, else None."""
    p = operation.params
    if operation.kind == OperationKind.CREATE_TENANT:
        found = adapter.find_tenant(p["reference"], p["name"])
        if found is None:
            return None
        tenant = found if found.subscriptions else adapter.get_tenant(found.external_id)
        # Creating is several writes at some vendors (company, then subscription): a tenant
        # without the subscription is half done, and the adapter's create resumes it.
        return tenant if _live(tenant, p["product_code"]) else None
    tenant = adapter.get_tenant(tenant_external_id(operation))
    return tenant if effect_holds(operation, tenant) else None


def _live(tenant: VendorTenant, product_code: str) -> list[VendorSubscription]:
    return [
        s for s in tenant.subscriptions if s.product_code == product_code and s.status not in GONE
    ]


def _subscription(tenant: VendorTenant, sub_id: str) -> VendorSubscription | None:
    subs = tenant.subscriptions
    if sub_id:
        return next((s for s in subs if s.external_id == sub_id), None)
    return subs[0] if subs else None


def effect_holds(operation: Operation, tenant: VendorTenant) -> bool:
    """Whether the vendor's tenant already shows what the operation asked for."""
    kind, p = operation.kind, operation.params
    sub_id = p.get("subscription_id", "")
    sub = _subscription(tenant, sub_id)
    if kind == OperationKind.SUSPEND:
        return tenant.status is TenantStatus.SUSPENDED
    if kind == OperationKind.RESUME:
        return tenant.status is TenantStatus.ACTIVE
    if kind == OperationKind.CANCEL:
        if tenant.status is TenantStatus.CANCELLED:
            return True
        targets = [sub] if sub_id else list(tenant.subscriptions)
        return bool(targets) and all(s is None or s.status in GONE for s in targets)
    if kind == OperationKind.CHANGE_SEATS:
        return sub is not None and sub.seats == p["seats"]
    if kind == OperationKind.CHANGE_ADDONS:
        return sub is not None and sorted(sub.addons) == sorted(p["addons"])
    if kind == OperationKind.CHANGE_PLAN:
        # Some vendors replace the subscription on a plan change: any live one on the new plan.
        return bool(_live(tenant, p["product_code"]))
    if kind == OperationKind.CONVERT_TRIAL:
        # Some vendors convert by replacing the trial subscription with a paid one.
        live = _live(tenant, p["product_code"])
        return bool(live) and not any(s.is_trial for s in live)
    raise ValueError(f"unknown operation kind {kind!r}")
