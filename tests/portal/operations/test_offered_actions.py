"""What the customer page offers is what the service (and the vendor) accepts.

For every vendor sandbox and every tenant state it holds, each action on the customer page's
tenant cards is tried against the service: an offered one must end succeeded at the vendor, a
disabled one must be refused by the service before anything is sent.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.customers.models import Subscription, Tenant
from portal.operations.kinds import spec
from portal.operations.models import OperationKind
from portal.sync.services import connection_sync
from portal.web.selectors import Action, TenantCard, tenant_cards
from tests.factories import CustomerFactory, SuperUserFactory

from .conftest import VENDORS, connect, settle

pytestmark = [pytest.mark.django_db, pytest.mark.parametrize("vendor", VENDORS)]


def _params(kind: str, card: TenantCard, sub: Subscription | None) -> dict | None:
    """What the page's form would send with the action (None: the form has nothing to send)."""
    if kind == OperationKind.CHANGE_SEATS:
        return {"seats": max(sub.seats or 0, sub.seats_used or 0) + 1}
    if kind == OperationKind.CHANGE_PLAN:
        other = [code for code, _ in card.plans if code != sub.product_code]
        return {"product_code": other[0]} if other else None
    if kind == OperationKind.CHANGE_ADDONS:
        current = set(sub.addons or [])
        new = [a for a in card.addons if a not in current]
        return {"addons": sorted(current | set(new[:1]))} if new else None
    return {}


def _card(user, tenant: Tenant) -> TenantCard:
    cards = tenant_cards(user=user, customer=tenant.customer, writable=True)
    return next(c for c in cards if c.tenant.pk == tenant.pk)


def _try(kind: str, action: Action, target: dict, params: dict) -> tuple[bool, str]:
    try:
        operation = spec(kind).service(**target, **params, actor=None)
    except ValidationError as exc:
        return False, "; ".join(exc.messages)
    operation = settle(operation)
    return operation.state == "succeeded", operation.last_error


def test_every_offered_action_is_accepted_and_every_refused_one_is_refused(sandbox, vendor):
    sandbox.reset([vendor], seed_tenants=20)
    connection = connect(sandbox, vendor)
    connection_sync(connection)
    user = SuperUserFactory()
    by_status: dict[str, list[Tenant]] = {}
    for tenant in Tenant.objects.filter(connection=connection).order_by("pk"):
        by_status.setdefault(tenant.status, []).append(tenant)
    assert len(by_status) > 1, f"{vendor}'s sandbox holds tenants in several states"
    Tenant.objects.filter(connection=connection).update(customer=CustomerFactory())

    wrong, tried = [], 0
    for status, tenants in by_status.items():
        first = _card(user, Tenant.objects.get(pk=tenants[0].pk))
        kinds = list(first.actions)
        sub_kinds = list(dict.fromkeys(k for s in first.subscriptions for k in s.actions))
        for index, kind in enumerate([*kinds, *sub_kinds]):
            tenant = Tenant.objects.get(pk=tenants[index % len(tenants)].pk)
            card = _card(user, tenant)
            if kind in card.actions:
                pairs = [(card.actions[kind], {"tenant": tenant}, None)]
            else:
                pairs = [(s.actions[kind], {"subscription": s.subscription}, s.subscription)
                         for s in card.subscriptions[:1] if kind in s.actions]  # fmt: skip
            for action, target, sub in pairs:
                params = _params(kind, card, sub)
                if params is None:
                    continue  # nothing to choose
                accepted, why = _try(kind, action, target, params)
                tried += 1
                if accepted != action.enabled:
                    shown = "offered" if action.enabled else f"disabled ({action.reason})"
                    wrong.append(f"{vendor} {status} {kind}: {shown}, service said {why!r}")
    assert tried
    assert not wrong, "\n".join(wrong)
