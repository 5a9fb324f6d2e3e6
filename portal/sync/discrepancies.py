"""Resolving drift: accept the vendor's value, re-apply ours (an Operation), or ignore it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.core.models import Source

from .models import Discrepancy, DiscrepancyStatus, Resolution


def _target(discrepancy: Discrepancy):
    return discrepancy.subscription or discrepancy.tenant


def discrepancy_close(discrepancy: Discrepancy, resolution: str, actor, source: str) -> Discrepancy:
    if discrepancy.status != DiscrepancyStatus.OPEN:
        raise ValidationError("This discrepancy is already resolved.")
    discrepancy.status = DiscrepancyStatus.RESOLVED
    discrepancy.resolution = resolution
    discrepancy.resolved_at = timezone.now()
    discrepancy.resolved_by = actor if getattr(actor, "pk", None) else None
    discrepancy.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    audit_record(
        action=f"discrepancy.{resolution}",
        source=source,
        actor=actor,
        obj=discrepancy,
        customer=discrepancy.tenant.customer,
        detail={
            "field": discrepancy.field,
            "ours": discrepancy.ours,
            "vendor": discrepancy.vendor_value,
        },
    )
    return discrepancy


@transaction.atomic
def discrepancy_accept_vendor(
    *, discrepancy: Discrepancy, actor=None, source: str = Source.PAGE
) -> Discrepancy:
    """The vendor's value becomes what we intend from now on."""
    target = _target(discrepancy)
    target.intended = {**target.intended, discrepancy.field: discrepancy.vendor_value}
    target.save(update_fields=["intended"])
    return discrepancy_close(discrepancy, Resolution.ACCEPTED_VENDOR, actor, source)


@transaction.atomic
def discrepancy_ignore(
    *, discrepancy: Discrepancy, actor=None, source: str = Source.PAGE
) -> Discrepancy:
    """Stop tracking this field: our intent for it is dropped."""
    target = _target(discrepancy)
    target.intended = {k: v for k, v in target.intended.items() if k != discrepancy.field}
    target.save(update_fields=["intended"])
    return discrepancy_close(discrepancy, Resolution.IGNORED, actor, source)
