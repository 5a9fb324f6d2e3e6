"""Sending an operation to its vendor, and reading the vendor back to see if it already took.

``send`` makes the kind's one adapter write (``kinds.KINDS``) with the operation's idempotency
key. ``read_back`` answers "is the intended effect already there?": the engine asks it before
every attempt after the first, so a change the vendor applied while its answer was lost
(timeout, dropped connection, killed worker) is never sent a second time.
"""

from __future__ import annotations

from vendors.base import VendorAdapter
from vendors.types import VendorTenant

from .kinds import GONE, Target, spec
from .models import Operation

__all__ = ["GONE", "effect_holds", "read_back", "send"]


def send(operation: Operation, adapter: VendorAdapter) -> VendorTenant:
    """One write at the vendor, carrying the operation's idempotency key."""
    return spec(operation.kind).send(adapter, operation)


def read_back(operation: Operation, adapter: VendorAdapter) -> VendorTenant | None:
    """The vendor's tenant when the operation's effect is already there, else None."""
    p = operation.params
    if spec(operation.kind).target is Target.CUSTOMER:  # a new tenant: found by our reference
        found = adapter.find_tenant(p["reference"], p["name"])
        if found is None:
            return None
        tenant = found if found.subscriptions else adapter.get_tenant(found.external_id)
    else:
        assert operation.tenant is not None  # every other target names a tenant
        tenant = adapter.get_tenant(operation.tenant.external_id)
    return tenant if effect_holds(operation, tenant) else None


def effect_holds(operation: Operation, tenant: VendorTenant) -> bool:
    """Whether the vendor's tenant already shows what the operation asked for."""
    return spec(operation.kind).effect(operation, tenant)
