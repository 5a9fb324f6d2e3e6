"""Adopting tenants that exist at a vendor but are not linked to a customer yet."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from portal.audit.services import audit_record
from portal.core.models import Source
from portal.customers.models import Customer, CustomerKind, Tenant, normalized_name

__all__ = ["normalized_name", "tenant_adopt_as_new_customer", "tenant_link", "tenant_suggestions"]


def unmatched_tenants() -> QuerySet[Tenant]:
    return Tenant.objects.filter(customer__isnull=True).exclude(status="missing")


def tenant_suggestions(tenant: Tenant, limit: int = 5) -> list[tuple[Customer, str]]:
    """Customers that may own this tenant: exact name first, then same normalized name.

    Both come from the indexed ``Customer.name_key`` (normalized_name of the name), so a
    suggestion never scans the customer table.
    """
    wanted = normalized_name(tenant.name)[:200]
    if wanted:
        same = list(Customer.objects.filter(name_key=wanted).order_by("pk")[: limit * 4])
    else:  # a name that normalizes to nothing ("Ltd."): only the exact spelling matches
        same = list(Customer.objects.filter(name=tenant.name).order_by("pk")[:limit])
    name = tenant.name.casefold()
    exact = [(c, "exact name") for c in same if c.name.casefold() == name]
    close = [(c, "same name once normalized") for c in same if c.name.casefold() != name]
    return (exact + close)[:limit]


@transaction.atomic
def tenant_link(
    *, tenant: Tenant, customer: Customer, actor=None, source: str = Source.ADMIN
) -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(customer=customer)
    tenant.customer = customer
    audit_record(
        action="tenant.linked",
        source=source,
        actor=actor,
        obj=tenant,
        customer=customer,
        detail={"tenant": tenant.external_id, "customer": customer.reference},
    )
    return tenant


@transaction.atomic
def tenant_adopt_as_new_customer(
    *, tenant: Tenant, parent: Customer | None = None, actor=None, source: str = Source.ADMIN
) -> Customer:
    customer = Customer.objects.create(
        name=tenant.name, kind=CustomerKind.END_CUSTOMER, parent=parent
    )
    audit_record(
        action="customer.created_from_tenant",
        source=source,
        actor=actor,
        obj=customer,
        customer=customer,
        detail={"tenant": tenant.external_id},
    )
    tenant_link(tenant=tenant, customer=customer, actor=actor, source=source)
    return customer
