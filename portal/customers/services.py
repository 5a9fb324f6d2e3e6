"""Creating and editing customers (pages and API): validated, scoped, audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.audit.services import Actor, audit_record
from portal.core.models import Source

from .models import Customer, CustomerKind

#: Fields staff may set; path, reference and timestamps are the portal's.
EDITABLE = (
    "name", "kind", "parent", "status", "external_ref", "contact_name", "contact_email",
    "contact_phone", "address", "country", "notes",
)  # fmt: skip


def _check_parent(customer: Customer) -> None:
    parent = customer.parent
    if parent is None:
        return
    if parent.kind != CustomerKind.RESELLER:
        raise ValidationError({"parent": f"{parent.name} is not a reseller."})
    if customer.pk and parent.path.startswith(customer.path):
        raise ValidationError({"parent": "A customer cannot move below itself."})


@transaction.atomic
def customer_create(*, actor: Actor = None, source: str = Source.PAGE, **fields: Any) -> Customer:
    """Create a customer anywhere in the reseller hierarchy."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown customer fields: {', '.join(sorted(unknown))}.")
    customer = Customer(**fields)
    _check_parent(customer)
    customer.full_clean(exclude=["path", "reference"])
    customer.save()
    audit_record(
        action="customer.created",
        source=source,
        actor=actor,
        obj=customer,
        customer=customer,
        detail={"fields": sorted(fields)},
    )
    return customer


@transaction.atomic
def customer_update(
    *, customer: Customer, actor: Actor = None, source: str = Source.PAGE, **fields: Any
) -> Customer:
    """Change a customer's details; moving it moves its whole subtree (one UPDATE)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown customer fields: {', '.join(sorted(unknown))}.")
    changed = {}
    for name, value in fields.items():
        old = getattr(customer, name)
        if old != value:
            changed[name] = [str(old) if old is not None else None, str(value) if value else value]
            setattr(customer, name, value)
    if not changed:
        return customer
    _check_parent(customer)
    customer.full_clean(exclude=["path", "reference"])
    customer.save()
    audit_record(
        action="customer.updated",
        source=source,
        actor=actor,
        obj=customer,
        customer=customer,
        detail={"changed": changed},
    )
    return customer


class CustomerInUse(ValidationError):
    """The customer still holds vendor tenants (or customers, or operations refer to it)."""


@transaction.atomic
def customer_delete(*, customer: Customer, actor: Actor = None, source: str = Source.PAGE) -> None:
    """Delete a customer that owns nothing at any vendor; its audit trail stays."""
    if customer.tenants.exists():
        raise CustomerInUse(
            f"{customer.name} still has vendor tenants; unlink or cancel them first."
        )
    audit_record(
        action="customer.deleted",
        source=source,
        actor=actor,
        obj=customer,
        customer=None,
        detail={"reference": customer.reference, "name": customer.name},
    )
    customer.delete()  # customers below it or operations: ProtectedError (the API answers 409)
