"""Month-end close: refused while usage is missing, frozen after, corrections kept beside, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.customers.models import Tenant
from portal.sync.services import connection_sync
from portal.usage.collection import connection_collect_usage, previous_month
from portal.usage.models import MonthClose, UsageAdjustment, UsageRecord
from portal.usage.selectors import usage_missing_tenants
from portal.usage.services import (
    UsageCloseError,
    UsageCloseRefused,
    usage_month_close,
    usage_month_reopen,
)
from tests.factories import ProfileFactory, SuperUserFactory
from vendors.types import TenantStatus

VENDOR = "redstor"


@pytest.fixture
def collected(sandbox, connect):
    """A Redstor connection synced, with last month's usage collected."""
    connection = connect(VENDOR)
    connection_sync(connection)
    connection_collect_usage(connection, previous_month())
    return connection


def test_it_refuses_to_close_with_the_list_of_tenants_missing_usage(collected):
    admin = SuperUserFactory()
    period = previous_month()
    active = Tenant.objects.filter(connection=collected, status=TenantStatus.ACTIVE)
    gone = list(active.order_by("name")[:2])
    UsageRecord.objects.filter(tenant__in=gone, period=period).delete()

    with pytest.raises(UsageCloseRefused) as refused:
        usage_month_close(connection=collected, period=period, actor=admin)

    assert refused.value.missing == gone and refused.value.missing_count == 2
    assert not MonthClose.objects.exists()
    assert not AuditEvent.objects.filter(action="usage.month_closed").exists()


def test_the_page_shows_what_is_missing_when_a_close_is_refused(collected, client):
    admin = SuperUserFactory()
    client.force_login(admin)
    period = previous_month()
    tenant = Tenant.objects.filter(connection=collected, status=TenantStatus.ACTIVE).first()
    UsageRecord.objects.filter(tenant=tenant, period=period).delete()

    response = client.post(
        reverse("usage:close"),
        {"connection": collected.pk, "period": f"{period:%Y-%m}", "confirmed": "yes"},
        follow=True,
    )

    page = response.content.decode()
    assert "Not closed: Usage is missing for 1 active tenants" in page
    assert tenant.external_id in page  # the checklist of missing tenants
    assert not MonthClose.objects.exists()


def test_after_close_a_vendor_correction_is_an_adjustment_and_the_frozen_figure_stays(
    collected, sandbox
):
    admin = SuperUserFactory()
    period = previous_month()
    close = usage_month_close(connection=collected, period=period, actor=admin)
    frozen = dict(
        UsageRecord.objects.filter(tenant__connection=collected, period=period).values_list(
            "pk", "quantity"
        )
    )
    assert close.is_closed and close.rows_frozen == len(frozen) > 0
    record = (
        UsageRecord.objects.filter(
            tenant__connection=collected, period=period, vendor_field="activeSeats"
        )
        .order_by("pk")
        .first()
    )
    sandbox.sandboxes[VENDOR].set_usage(record.tenant.external_id, period, {"activeSeats": 999})

    connection_collect_usage(collected, period)
    connection_collect_usage(collected, period)  # the same correction again: recorded once

    after = dict(
        UsageRecord.objects.filter(tenant__connection=collected, period=period).values_list(
            "pk", "quantity"
        )
    )
    assert after == frozen
    adjustments = list(UsageAdjustment.objects.filter(record=record))
    assert [(a.frozen_quantity, a.vendor_quantity) for a in adjustments] == [(record.quantity, 999)]
    assert adjustments[0].delta == 999 - record.quantity


def test_reopened_months_take_vendor_figures_again(collected, sandbox):
    admin = SuperUserFactory()
    period = previous_month()
    usage_month_close(connection=collected, period=period, actor=admin)
    record = UsageRecord.objects.filter(
        tenant__connection=collected, period=period, vendor_field="activeSeats"
    ).first()
    sandbox.sandboxes[VENDOR].set_usage(record.tenant.external_id, period, {"activeSeats": 321})

    usage_month_reopen(connection=collected, period=period, actor=admin, reason="vendor credit")
    connection_collect_usage(collected, period)

    record.refresh_from_db()
    assert record.quantity == 321


def test_every_close_and_reopen_is_audited(collected, client):
    admin = SuperUserFactory()
    client.force_login(admin)
    period = f"{previous_month():%Y-%m}"
    data = {"connection": collected.pk, "period": period, "confirmed": "yes"}

    client.post(reverse("usage:close"), data)
    client.post(reverse("usage:reopen"), {**data, "reason": "late credit note"})
    client.post(reverse("usage:close"), data)

    events = list(AuditEvent.objects.filter(action__startswith="usage.month_").order_by("at", "pk"))
    assert [(e.action, e.actor, e.source) for e in events] == [
        ("usage.month_closed", admin, "page"),
        ("usage.month_reopened", admin, "page"),
        ("usage.month_closed", admin, "page"),
    ]
    assert events[1].detail["reason"] == "late credit note"
    assert events[0].detail["period"] == period
    assert MonthClose.objects.get().is_closed


def test_reopening_is_for_distributor_admins_only(collected, client):
    period = previous_month()
    usage_month_close(connection=collected, period=period, actor=SuperUserFactory())
    operator = ProfileFactory(role=Role.OPERATOR).user

    with pytest.raises(PermissionDenied):
        usage_month_reopen(connection=collected, period=period, actor=operator)
    client.force_login(operator)
    response = client.post(
        reverse("usage:reopen"), {"connection": collected.pk, "period": f"{period:%Y-%m}"}
    )

    assert response.status_code == 403
    assert MonthClose.objects.get().is_closed
    assert not AuditEvent.objects.filter(action="usage.month_reopened").exists()


def test_a_closed_month_cannot_be_closed_twice_nor_the_current_month_at_all(collected):
    admin = SuperUserFactory()
    usage_month_close(connection=collected, period=previous_month(), actor=admin)

    with pytest.raises(UsageCloseError, match="already closed"):
        usage_month_close(connection=collected, period=previous_month(), actor=admin)
    from django.utils import timezone

    with pytest.raises(UsageCloseError, match="past month"):
        usage_month_close(connection=collected, period=timezone.now().date(), actor=admin)


def test_the_admin_action_reopens_with_an_audit_event(collected, client):
    admin_user = SuperUserFactory()
    close = usage_month_close(connection=collected, period=previous_month(), actor=admin_user)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:usage_monthclose_changelist"),
        {"action": "reopen", "_selected_action": [close.pk]},
        follow=True,
    )

    assert response.status_code == 200
    close.refresh_from_db()
    assert not close.is_closed and close.reopened_by == admin_user
    event = AuditEvent.objects.get(action="usage.month_reopened")
    assert (event.source, event.actor) == ("admin", admin_user)


def test_closing_first_shows_what_will_be_frozen_and_closes_nothing(collected, client):
    client.force_login(SuperUserFactory())
    period = previous_month()

    response = client.post(
        reverse("usage:close"), {"connection": collected.pk, "period": f"{period:%Y-%m}"}
    )

    page = response.content.decode()
    frozen = UsageRecord.objects.filter(tenant__connection=collected, period=period).count()
    assert f"{frozen} usage figures of {period:%B %Y} at {collected.name} will be frozen" in page
    assert 'name="confirmed" value="yes"' in page
    assert not MonthClose.objects.exists()


def test_a_tenant_provisioned_after_the_month_does_not_count_for_it(collected):
    from django.utils import timezone

    from portal.operations.models import Operation, OperationKind, OperationState

    period = previous_month()
    tenant = Tenant.objects.filter(connection=collected, status=TenantStatus.ACTIVE).first()
    UsageRecord.objects.filter(tenant=tenant, period=period).delete()
    assert tenant in usage_missing_tenants(connection=collected, period=period)

    Operation.objects.create(
        kind=OperationKind.CREATE_TENANT,
        state=OperationState.SUCCEEDED,
        connection=collected,
        tenant=tenant,
        idempotency_key="provisioned-in-december",
        finished_at=timezone.now(),
    )

    assert tenant not in usage_missing_tenants(connection=collected, period=period)
    close = usage_month_close(connection=collected, period=period, actor=SuperUserFactory())
    assert close.is_closed


def test_a_distributor_admin_closes_with_tenants_left_given_a_reason_audited(collected, client):
    admin = SuperUserFactory()
    client.force_login(admin)
    period = previous_month()
    tenant = Tenant.objects.filter(connection=collected, status=TenantStatus.ACTIVE).first()
    UsageRecord.objects.filter(tenant=tenant, period=period).delete()
    data = {"connection": collected.pk, "period": f"{period:%Y-%m}"}

    confirm = client.post(reverse("usage:close"), data).content.decode()
    assert tenant.external_id in confirm
    assert (
        "The portal has seen it at the vendor since" in confirm or "it may have existed" in confirm
    )
    client.post(
        reverse("usage:close"),
        {**data, "confirmed": "yes", "reason": "vendor outage, billed by hand"},
    )

    close = MonthClose.objects.get(connection=collected, period=period)
    assert close.is_closed and close.close_reason == "vendor outage, billed by hand"
    event = AuditEvent.objects.get(action="usage.month_closed")
    assert event.actor == admin
    assert event.detail["reason"] == "vendor outage, billed by hand"
    assert event.detail["missing_tenants"] == [tenant.pk]


def test_an_operator_cannot_close_with_tenants_left(collected):
    operator = ProfileFactory(role=Role.OPERATOR).user
    period = previous_month()
    tenant = Tenant.objects.filter(connection=collected, status=TenantStatus.ACTIVE).first()
    UsageRecord.objects.filter(tenant=tenant, period=period).delete()

    with pytest.raises(UsageCloseRefused):
        usage_month_close(connection=collected, period=period, actor=operator, reason="because")
