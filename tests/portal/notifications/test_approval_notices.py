"""Approval requested and decided, and a month that cannot be closed: who is told, once
(issue 21, acceptance 1 for the last three event kinds)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.accounts.models import Role
from portal.approvals.models import Approval, ApprovalPolicy, Approver
from portal.approvals.services import approval_decide
from portal.events.models import EventType
from portal.notifications.checks import close_blocked_announce
from portal.notifications.models import Notice
from portal.operations.services import subscription_seats_change
from portal.usage.models import MonthClose
from tests.factories import (
    CustomerFactory,
    ProfileFactory,
    ResellerFactory,
    SubscriptionFactory,
    TenantFactory,
    UserFactory,
)
from tests.portal.operations.conftest import connect, provision

pytestmark = pytest.mark.django_db


def _told(event_type: str) -> set[str]:
    return set(Notice.objects.filter(kind=event_type).values_list("user__username", flat=True))


@pytest.fixture
def people():
    northwind = ResellerFactory(name="Northwind MSP")
    branch = ResellerFactory(name="Northwind North", parent=northwind)
    return {
        "northwind": northwind,
        "branch": branch,
        "admin": ProfileFactory(role=Role.ADMIN).user,
        "staff": ProfileFactory(role=Role.OPERATOR).user,
        "northwind_admin": ProfileFactory(role=Role.ADMIN, reseller=northwind).user,
        "branch_admin": ProfileFactory(role=Role.ADMIN, reseller=branch).user,
        "branch_op": ProfileFactory(role=Role.OPERATOR, reseller=branch).user,
        "other_admin": ProfileFactory(role=Role.ADMIN, reseller=ResellerFactory()).user,
    }


def _names(people, *keys) -> set[str]:
    return {people[k].username for k in keys}


@pytest.mark.parametrize("approver", [Approver.DISTRIBUTOR, Approver.RESELLER_ADMIN])
def test_approvers_hear_of_a_request_and_only_the_requester_of_the_decision(
    sandbox, people, eager, smtp, approver
):
    ApprovalPolicy.objects.create(reseller=people["northwind"], seats_above=10, approver=approver)
    customer = CustomerFactory(parent=people["branch"], name="Fabrikam Ltd")
    subscription = provision(connect(sandbox, "trendmicro"), customer, seats=5).subscriptions.get()

    eager(
        lambda: subscription_seats_change(
            subscription=subscription, seats=30, actor=people["branch_op"]
        )
    )

    approval = Approval.objects.get()
    deciders = {"admin"} | ({"northwind_admin"} if approver == Approver.RESELLER_ADMIN else set())
    assert _told(EventType.APPROVAL_REQUESTED) == _names(people, *deciders)
    notice = Notice.objects.filter(kind=EventType.APPROVAL_REQUESTED).first()
    assert notice.url == f"/approvals/{approval.pk}/"
    assert notice.title == "Approval needed: change seats for Fabrikam Ltd at trendmicro sandbox"
    assert "+25 seats is more than the 10 allowed" in notice.body
    assert {m["To"] for m in smtp.messages} == {people[k].email for k in deciders}

    eager(lambda: approval_decide(approval=approval, approve=True, actor=people["admin"]))

    assert _told(EventType.APPROVAL_DECIDED) == _names(people, "branch_op")
    decided = Notice.objects.get(kind=EventType.APPROVAL_DECIDED)
    assert decided.title.startswith(f"Approved by {people['admin'].username}: change seats")
    assert len(smtp.to(people["branch_op"].email)) == 1
    # The approved change ran (eagerly here, as a worker would) and told nobody twice.
    assert Notice.objects.filter(kind=EventType.APPROVAL_REQUESTED).count() == len(deciders)


def test_a_month_that_cannot_be_closed_is_told_to_distributor_writers_once(people, eager, settings):
    settings.NOTIFY_CLOSE_BLOCKED_DAYS = 3
    tenant = TenantFactory(customer=CustomerFactory(parent=people["northwind"]))
    SubscriptionFactory(tenant=tenant, starts=dt.date(2026, 9, 1))

    assert close_blocked_announce(today=dt.date(2026, 12, 2)) == 0  # too early to say
    eager(lambda: close_blocked_announce(today=dt.date(2026, 12, 7)))
    eager(lambda: close_blocked_announce(today=dt.date(2026, 12, 8)))

    assert _told(EventType.USAGE_CLOSE_BLOCKED) == _names(people, "admin", "staff")
    notice = Notice.objects.filter(kind=EventType.USAGE_CLOSE_BLOCKED).first()
    assert notice.title == f"{tenant.connection.name}: 2026-11 cannot be closed yet"
    assert notice.url == "/usage/?period=2026-11"

    MonthClose.objects.create(
        connection=tenant.connection, period=dt.date(2026, 11, 1), closed_at=dt.datetime.now(
            dt.UTC), closed_by=UserFactory(),
    )  # fmt: skip
    Notice.objects.all().delete()
    assert close_blocked_announce(today=dt.date(2026, 12, 9)) == 0
