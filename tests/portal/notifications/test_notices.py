"""Who is told what, once, in their scope, on their channel (issue 21, acceptance 1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from portal.accounts.models import Role
from portal.events.models import EventType
from portal.events.outbound import emit
from portal.notifications.checks import stuck_operations_announce, terms_ending_announce
from portal.notifications.models import Delivery, MailState, Notice, NotificationPreference
from portal.notifications.tasks import send_digests
from portal.operations.models import OperationState
from tests.factories import (
    CustomerFactory,
    OperationFactory,
    ProfileFactory,
    ResellerFactory,
    SubscriptionFactory,
    SyncRunFactory,
    TenantFactory,
    VendorConnectionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """A distributor operator, a reseller's operator and viewer, another reseller's operator."""
    northwind, contoso = ResellerFactory(name="Northwind MSP"), ResellerFactory(name="Contoso MSP")
    return {
        "northwind": northwind,
        "contoso": contoso,
        "staff": ProfileFactory(role=Role.OPERATOR).user,
        "admin": ProfileFactory(role=Role.ADMIN).user,
        "northwind_op": ProfileFactory(role=Role.OPERATOR, reseller=northwind).user,
        "northwind_viewer": ProfileFactory(role=Role.VIEWER, reseller=northwind).user,
        "contoso_op": ProfileFactory(role=Role.OPERATOR, reseller=contoso).user,
    }


def _told(event_type: str) -> set[str]:
    return set(Notice.objects.filter(kind=event_type).values_list("user__username", flat=True))


def _names(people, *keys) -> set[str]:
    return {people[k].username for k in keys}


def test_a_failed_operation_tells_the_writers_in_whose_scope_it_is_by_mail_once(
    people, eager, smtp
):
    customer = CustomerFactory(parent=people["northwind"], name="Fabrikam Ltd")
    operation = OperationFactory(
        tenant=TenantFactory(customer=customer), state=OperationState.FAILED,
        last_error="Seats above the licence limit",
    )  # fmt: skip

    eager(lambda: emit(EventType.OPERATION_FAILED, {"operation": operation.pk}))

    assert _told(EventType.OPERATION_FAILED) == _names(people, "staff", "admin", "northwind_op")
    notice = Notice.objects.get(user=people["northwind_op"])
    assert notice.title.startswith(f"Operation #{operation.pk} (change seats for Fabrikam Ltd)")
    assert notice.url == f"/operations/{operation.pk}/" and notice.mail_state == MailState.SENT
    (mail,) = smtp.to(people["northwind_op"].email)
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in mail.walk()
             if not part.is_multipart()}  # fmt: skip
    assert "Seats above the licence limit" in parts["text/plain"]
    assert (
        f"/inbox/{notice.pk}/" in parts["text/plain"]
        and f"/inbox/{notice.pk}/" in parts["text/html"]
    )
    assert len(smtp.messages) == 3


def test_the_same_event_fanned_out_twice_tells_nobody_twice(people, eager, smtp):
    from portal.notifications.tasks import fan_out

    operation = OperationFactory(state=OperationState.FAILED)
    event = ["0d9b3c1e-7f0a-4c55-9f52-1e2d3c4b5a69", {"operation": operation.pk}]

    eager(lambda: fan_out(EventType.OPERATION_FAILED, [event]))
    eager(lambda: fan_out(EventType.OPERATION_FAILED, [event]))  # Celery redelivered it

    assert Notice.objects.count() == 2  # staff and admin: the customer has no reseller
    assert len(smtp.messages) == 2


def test_a_succeeded_operation_is_off_by_default_and_on_for_who_asks(people, eager, smtp):
    NotificationPreference.objects.create(
        user=people["staff"], kind=EventType.OPERATION_SUCCEEDED, delivery=Delivery.INBOX
    )
    operation = OperationFactory(state=OperationState.SUCCEEDED)

    eager(lambda: emit(EventType.OPERATION_SUCCEEDED, {"operation": operation.pk}))

    assert _told(EventType.OPERATION_SUCCEEDED) == _names(people, "staff")
    assert Notice.objects.get().mail_state == MailState.NONE and smtp.messages == []


def test_connection_and_sync_troubles_reach_distributor_staff_only(people, eager, smtp):
    connection = VendorConnectionFactory(name="GravityZone main")
    run = SyncRunFactory(connection=connection)

    from portal.catalog.services import connection_credentials_rejected

    eager(lambda: connection_credentials_rejected(connection_id=connection.pk, message="401"))
    eager(lambda: connection_credentials_rejected(connection_id=connection.pk, message="401"))
    eager(lambda: emit(EventType.SYNC_FAILED, {"run": run.pk, "connection": connection.pk,
                                                 "status": "partial", "error": "page 3: 503"}))  # fmt: skip

    assert _told(EventType.CONNECTION_AUTH_FAILED) == _names(people, "staff", "admin")
    assert Notice.objects.filter(kind=EventType.CONNECTION_AUTH_FAILED).count() == 2  # once each
    assert _told(EventType.SYNC_FAILED) == _names(people, "staff", "admin")
    sync = Notice.objects.filter(kind=EventType.SYNC_FAILED).first()
    assert sync.title == "Sync of GravityZone main ended partial"
    assert sync.mail_state == MailState.DIGEST  # a partial sync waits for the day's digest


def test_a_discrepancy_tells_every_role_in_scope(people, eager):
    tenant = TenantFactory(customer=CustomerFactory(parent=people["contoso"]), name="Contoso IT")
    eager(lambda: emit(EventType.DISCREPANCY_OPENED, {"tenant": tenant.pk, "field": "seats",
                                                       "ours": 10, "vendor_value": 12}))  # fmt: skip

    assert _told(EventType.DISCREPANCY_OPENED) == _names(people, "staff", "admin", "contoso_op")


def test_trials_and_terms_ending_are_told_at_the_configured_days_once(people, eager, settings):
    settings.NOTIFY_TERM_DAYS = [7, 1]
    today = dt.date(2026, 12, 7)
    tenant = TenantFactory(customer=CustomerFactory(parent=people["northwind"]))
    SubscriptionFactory(tenant=tenant, is_trial=True, trial_ends=today + dt.timedelta(days=7))
    SubscriptionFactory(tenant=tenant, ends=today + dt.timedelta(days=1), auto_renew=False)
    SubscriptionFactory(tenant=tenant, ends=today + dt.timedelta(days=3))  # not a notice day

    eager(lambda: terms_ending_announce(today=today))
    eager(lambda: terms_ending_announce(today=today))  # beat ran twice

    everyone = _names(people, "staff", "admin", "northwind_op", "northwind_viewer")
    assert _told(EventType.TRIAL_ENDING) == everyone
    assert _told(EventType.TERM_ENDING) == everyone
    assert Notice.objects.count() == 2 * len(everyone)
    title = Notice.objects.filter(kind=EventType.TERM_ENDING).first().title
    assert title.endswith("ends tomorrow")


def test_an_operation_stuck_in_verifying_is_told_once_per_attempt(people, eager, settings):
    settings.NOTIFY_STUCK_MINUTES = 30
    stuck = OperationFactory(state=OperationState.VERIFYING, attempts=2)
    OperationFactory(state=OperationState.VERIFYING)  # just started verifying
    from portal.operations.models import Operation

    Operation.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))

    eager(stuck_operations_announce)
    eager(stuck_operations_announce)

    titles = list(
        Notice.objects.filter(kind=EventType.OPERATION_STUCK).values_list("title", flat=True)
    )
    assert Notice.objects.count() == len(titles) == 2  # staff and admin, once each
    assert all(t.startswith(f"Operation #{stuck.pk} ") and "stuck" in t for t in titles)


def test_a_digest_gathers_the_days_notices_into_one_mail(people, eager, smtp):
    user = people["staff"]
    NotificationPreference.objects.create(
        user=user, kind=EventType.OPERATION_FAILED, delivery=Delivery.DIGEST
    )
    for _ in range(3):
        operation = OperationFactory(state=OperationState.FAILED)
        eager(lambda op=operation: emit(EventType.OPERATION_FAILED, {"operation": op.pk}))
    assert smtp.to(user.email) == []

    send_digests()
    send_digests()  # a second run finds nothing waiting

    (digest,) = smtp.to(user.email)
    assert "3 notice(s)" in digest["Subject"]
    assert not Notice.objects.filter(user=user, mail_state=MailState.DIGEST).exists()


def test_an_smtp_failure_is_tried_again_and_sent_once(people, eager, smtp, settings):
    """Eager tasks run a retry at once (no countdown): two refusals, then the server takes it."""
    settings.NOTIFY_MAIL_MAX_ATTEMPTS = 5
    from portal.notifications.tasks import send_notice

    NotificationPreference.objects.create(
        user=people["admin"], kind=EventType.OPERATION_FAILED, delivery=Delivery.OFF
    )
    smtp.refuse = 2
    operation = OperationFactory(state=OperationState.FAILED)

    eager(lambda: emit(EventType.OPERATION_FAILED, {"operation": operation.pk}))

    notice = Notice.objects.get(user=people["staff"])
    assert (notice.mail_state, notice.mail_attempts) == (MailState.SENT, 2)  # two refusals
    assert notice.mail_error == ""  # the last answer was a success
    assert send_notice(notice.pk) == "skipped"  # a redelivered task sends nothing again
    assert len(smtp.to(people["staff"].email)) == 1


def test_mail_gives_up_after_the_configured_attempts(people, smtp, settings):
    settings.NOTIFY_MAIL_MAX_ATTEMPTS = 2
    from portal.notifications.mail import notice_mail_send

    notice = Notice.objects.create(
        user=people["staff"], kind=EventType.OPERATION_FAILED, event_id="6c0a4c1e-0000-4000-8000-000000000001",
        title="x", mail_state=MailState.PENDING,
    )  # fmt: skip
    smtp.refuse = 5
    assert notice_mail_send(notice.pk).status == "retry"
    assert notice_mail_send(notice.pk).status == "failed"
    notice.refresh_from_db()
    assert notice.mail_state == MailState.FAILED and "451" in notice.mail_error


def test_a_user_without_an_address_gets_the_inbox_only(people, eager, smtp):
    people["staff"].email = ""
    people["staff"].save()
    operation = OperationFactory(state=OperationState.FAILED)

    eager(lambda: emit(EventType.OPERATION_FAILED, {"operation": operation.pk}))

    assert Notice.objects.get(user=people["staff"]).mail_state == MailState.NONE
    assert smtp.to("") == [] and len(smtp.messages) == 1  # the admin's only
