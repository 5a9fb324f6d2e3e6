"""Who hears an event: active users of the kind's roles, inside their scope, who did not turn
the kind off. One query for the users and one for their preferences, whatever their number."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from portal.customers.models import Customer

from .kinds import NoticeKind
from .models import Delivery, NotificationPreference


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    delivery: str


def recipients(
    spec: NoticeKind, customer: Customer | None, only: tuple[int, ...] | None = None
) -> list[Recipient]:
    """``only`` narrows it to these users (the requester of an approval), still within the
    kind's roles and the users' scope."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(profile__role__in=spec.roles))
    )
    if only is not None:
        users = users.filter(pk__in=only)
    if spec.staff_only or customer is None:
        users = users.filter(Q(is_superuser=True) | Q(profile__reseller__isnull=True))
    rows = list(users.values_list("pk", "email", "is_superuser", "profile__reseller__path"))
    chosen = dict(
        NotificationPreference.objects.filter(
            kind=spec.event_type, user_id__in=[r[0] for r in rows]
        ).values_list("user_id", "delivery")
    )
    found = []
    for pk, email, superuser, reseller_path in rows:
        if not superuser and reseller_path and not _inside(customer, reseller_path):
            continue
        delivery = chosen.get(pk, spec.default)
        if delivery != Delivery.OFF:
            found.append(Recipient(pk, email or "", delivery))
    return found


def _inside(customer: Customer | None, reseller_path: str) -> bool:
    """A scoped user hears of a customer in their reseller's subtree only (its own row too)."""
    return customer is not None and customer.path.startswith(reseller_path)
