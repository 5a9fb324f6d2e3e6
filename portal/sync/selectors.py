"""Reads of the sync engine's records, through the user's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.accounts.scoping import scoped

from .models import Discrepancy


def scoped_discrepancies(user, queryset: QuerySet | None = None) -> QuerySet:
    """Drift findings in the user's scope."""
    qs = queryset if queryset is not None else Discrepancy.objects.all()
    return scoped(user, qs, "tenant__customer__")
