"""Adopting tenants that exist at a vendor but are not linked to a customer yet."""

from __future__ import annotations

import re
import unicodedata

from django.db import transaction
from django.db.models import QuerySet

from portal.audit.services import audit_record
from portal.core.models import Source
from portal.customers.models import Customer, CustomerKind, Tenant

_SUFFIXES = re.compile(r"\b(ltd|llc|gmbh|inc|bv|srl|plc|ag|limited|corp|co|sa|sas)\b\.?")


def normalized_name(name: str) -> str:
    """Lower case, no accents, punctuation or legal-form suffix: 'Acme, Ltd.' == 'ACME'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = _SUFFIXES.sub(" ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def unmatched_tenants() -> QuerySet[Tenant]:
    return Tenant.objects.filter(customer__isnull=True).exclude(status="missing")


def tenant_suggestions(tenant: Tenant, limit: int = 5) -> list[tuple[Customer, str]]:
    """Customers that may own this tenant: exact name first, then same normalized name."""
    exact = list(Customer.objects.filter(name__iexact=tenant.name)[:limit])
    found = [(c, "exact name") for c in exact]
    wanted = normalized_name(tenant.name)
    if wanted and len(found) < limit:
        first_word = wanted.split()[0]
        for customer in Customer.objects.filter(name__icontains=first_word).exclude(
            pk__in=[c.pk for c in exact]
        )[:200]:
            if normalized_name(customer.name) == wanted:
                found.append((customer, "same name once normalized"))
                if len(found) >= limit:
                    break
    return found


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
