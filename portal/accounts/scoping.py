"""Who may see and do what: the one place pages, API and admin ask.

Roles: distributor admin (everything), operator (customers and operations), viewer/support
(read only). A user whose profile names a reseller is *scoped*: every queryset below is cut to
that reseller's subtree (its customers, their tenants, operations, usage and audit), and
objects outside it are simply not found (404, not 403). Superusers count as admins.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from portal.customers.models import Customer, Subscription, Tenant, subtree_q

from .models import Profile, Role

_M = TypeVar("_M", bound=Model)


def profile_of(user) -> Profile | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def user_role(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = profile_of(user)
    # A role that is not one of ours (a hand-edited row) grants nothing.
    return profile.role if profile and profile.role in Role.values else None


def user_reseller(user):
    """The reseller a scoped user is tied to, or None for distributor staff."""
    if getattr(user, "is_superuser", False):
        return None
    profile = profile_of(user)
    return profile.reseller if profile and profile.reseller_id else None


def can_view(user) -> bool:
    return user_role(user) is not None


def can_write(user) -> bool:
    """Operators and admins create and change customers and request operations."""
    return user_role(user) in (Role.ADMIN, Role.OPERATOR)


def can_manage(user) -> bool:
    """Vendor connections and users: distributor admins only (never scoped users)."""
    return user_role(user) == Role.ADMIN and user_reseller(user) is None


def customer_scope(user) -> Q | None:
    """The scope rule, on ``Customer``: None for no restriction, Q(pk__in=[]) for nothing.

    Raw SQL that needs the scope compiles ``Customer.objects.filter(customer_scope(user))``
    into a subquery (``portal.usage.selectors``) instead of restating the rule."""
    return _customer_filter(user, "")


def _customer_filter(user, prefix: str) -> Q | None:
    """None: no restriction; Q(pk__in=[]) when the user may see nothing."""
    if user_role(user) is None:
        return Q(pk__in=[])
    reseller = user_reseller(user)
    if reseller is None:
        return None
    return subtree_q(reseller.path, f"{prefix}path")


def scoped(user, queryset: QuerySet, via: str) -> QuerySet:
    """``queryset`` cut to the user's scope; ``via`` is the path from its model to the customer
    (``"customer__"``, ``"tenant__customer__"``; ``""`` for customers themselves).

    Each app states its own scoped querysets with this (``operations.selectors``,
    ``usage.selectors``...), so the rule lives here and no app above is imported."""
    condition = _customer_filter(user, via)
    return queryset if condition is None else queryset.filter(condition)


def scoped_customers(user, queryset: QuerySet | None = None) -> QuerySet:
    return scoped(user, queryset if queryset is not None else Customer.objects.all(), "")


def scoped_tenants(user, queryset: QuerySet | None = None) -> QuerySet:
    """Unmatched tenants (no customer yet) are visible to distributor staff only."""
    return scoped(user, queryset if queryset is not None else Tenant.objects.all(), "customer__")


def scoped_subscriptions(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = queryset if queryset is not None else Subscription.objects.all()
    return scoped(user, qs, "tenant__customer__")


def get_in_scope_or_404(queryset: QuerySet[_M], **lookup: Any) -> _M:
    """Fetch from an already scoped queryset; outside the scope is 'not found', never 'forbidden'."""
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist:  # the queryset's model's DoesNotExist
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None
