"""The inbox, the header's unread count and the preferences on /me/."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.events.models import EventType
from portal.notifications.models import Delivery, MailState, Notice, NotificationPreference
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def _notice(user, n: int, **fields) -> Notice:
    return Notice.objects.create(
        user=user, kind=EventType.OPERATION_FAILED, event_id=f"00000000-0000-4000-8000-{n:012d}",
        title=f"Operation #{n} failed", body="The vendor said no.", url=f"/operations/{n}/",
        mail_state=MailState.NONE, **fields,
    )  # fmt: skip


@pytest.fixture
def user():
    return ProfileFactory(role=Role.VIEWER).user


@pytest.fixture
def client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_header_counts_unread_notices_and_the_inbox_lists_only_mine(client, user):
    _notice(user, 1)
    _notice(user, 2)
    _notice(ProfileFactory().user, 3)  # someone else's

    page = client.get("/inbox/")

    assert page.context["inbox_unread"] == 2
    assert b'aria-label="2 unread"' in page.content
    assert b"Operation #1 failed" in page.content and b"Operation #2 failed" in page.content
    assert b"Operation #3 failed" not in page.content


def test_opening_a_notice_marks_it_read_and_goes_to_its_object(client, user):
    notice = _notice(user, 7)

    response = client.get(f"/inbox/{notice.pk}/")

    assert response.status_code == 302 and response["Location"] == "/operations/7/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert client.get("/inbox/").context["inbox_unread"] == 0


def test_someone_elses_notice_is_not_found(client):
    theirs = _notice(ProfileFactory().user, 9)
    assert client.get(f"/inbox/{theirs.pk}/").status_code == 404
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, user):
    _notice(user, 1)
    _notice(user, 2)
    client.post("/inbox/read-all/")
    assert not Notice.objects.filter(user=user, read_at__isnull=True).exists()


def test_preferences_are_saved_from_my_account_and_audited(client, user):
    page = client.get("/me/")
    form = page.context["preferences"]
    assert form[EventType.OPERATION_SUCCEEDED].value() == Delivery.OFF  # the kind's default
    data = {name: form[name].value() for name in form.fields}
    data[EventType.OPERATION_SUCCEEDED] = Delivery.DIGEST

    response = client.post("/inbox/preferences/", data)

    assert response.status_code == 302
    saved = NotificationPreference.objects.get(user=user)
    assert (saved.kind, saved.delivery) == (EventType.OPERATION_SUCCEEDED, Delivery.DIGEST)
    event = AuditEvent.objects.get(action="notifications.preferences_changed")
    assert event.detail == {EventType.OPERATION_SUCCEEDED: Delivery.DIGEST}


def test_a_wrong_preference_changes_nothing(client, user):
    response = client.post("/inbox/preferences/", {EventType.OPERATION_FAILED: "loudly"})
    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notifications.preferences_changed").exists()
