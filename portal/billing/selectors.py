"""Reads for the billing pages: a month's runs and lines, cut to the user's scope. Cost and
margin are the distributor's own figures: scoped (reseller) users never get them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from portal.accounts.scoping import scoped, user_reseller
from portal.catalog.models import VendorConnection

from .models import BillingLine, BillingRun, RunState


def sees_cost(user) -> bool:
    return user_reseller(user) is None


def frozen_run(connection: VendorConnection, period: dt.date) -> BillingRun | None:
    return BillingRun.objects.filter(
        connection=connection, period=period, state=RunState.FROZEN
    ).first()


def run_lines(user, run: BillingRun) -> QuerySet[BillingLine]:
    lines = BillingLine.objects.filter(run=run).select_related("customer", "reseller")
    return scoped(user, lines, "customer__").order_by("reseller__name", "customer__name", "pk")


def run_totals(user, run: BillingRun) -> list[dict[str, Decimal | str]]:
    """Per currency, the sums of the lines the user may see (cost and margin only for staff)."""
    sums = {"amount": Sum("amount")}
    if sees_cost(user):
        sums.update(cost=Sum("cost"), margin=Sum("margin"))
    return list(
        scoped(user, BillingLine.objects.filter(run=run), "customer__")
        .values("currency")
        .annotate(**sums, lines=Count("pk"))
        .order_by("currency")
    )
