"""Admins manage users (invite, role, scope, deactivate); everyone manages their own tokens."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts.models import ApiToken, Profile, Role
from portal.accounts.tokens import token_authenticate, token_create
from portal.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(client, role=Role.ADMIN, reseller=None):
    user = factories.ProfileFactory(role=role, reseller=reseller).user
    client.force_login(user)
    return user


def test_it_invites_a_user_who_sets_their_own_password_from_the_mailed_link(client):
    signed_in(client)
    reseller = factories.ResellerFactory()

    response = client.post(
        reverse("accounts:invite"),
        {"username": "newbie", "email": "newbie@msp.example", "role": Role.OPERATOR,
         "reseller": reseller.pk},
    )  # fmt: skip

    assert response.status_code == 302
    profile = Profile.objects.get(user__username="newbie")
    assert (profile.role, profile.reseller) == (Role.OPERATOR, reseller)
    assert not profile.user.has_usable_password()
    assert AuditEvent.objects.filter(action="user.invited", object_id=str(profile.user.pk)).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@msp.example"]
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    client.logout()
    form_url = client.get(link).url  # Django swaps the token into the session, then redirects
    client.post(
        form_url, {"new_password1": "A-long-new-pass-42", "new_password2": "A-long-new-pass-42"}
    )
    profile.user.refresh_from_db()
    assert profile.user.check_password("A-long-new-pass-42")


def test_it_changes_role_and_scope_and_refuses_a_scoped_admin(client):
    signed_in(client)
    subject = factories.ProfileFactory(role=Role.VIEWER).user
    reseller = factories.ResellerFactory()
    url = reverse("accounts:detail", args=[subject.pk])

    refused = client.post(url, {"role": Role.ADMIN, "reseller": reseller.pk})
    saved = client.post(url, {"role": Role.OPERATOR, "reseller": reseller.pk})

    assert refused.status_code == 200 and "not tied to a reseller" in refused.text
    assert saved.status_code == 302
    subject.profile.refresh_from_db()
    assert (subject.profile.role, subject.profile.reseller) == (Role.OPERATOR, reseller)
    event = AuditEvent.objects.get(action="user.role_changed")
    assert (
        event.detail["before"]["role"] == "viewer" and event.detail["after"]["role"] == "operator"
    )


def test_it_deactivates_a_user_whose_session_and_tokens_then_stop_working(client):
    admin = signed_in(client)
    subject = factories.ProfileFactory(role=Role.OPERATOR).user
    _, raw = token_create(user=subject, name="psa sync")
    other = client.__class__()
    other.force_login(subject)

    client.post(reverse("accounts:deactivate", args=[subject.pk]))

    subject.refresh_from_db()
    assert not subject.is_active
    assert token_authenticate(raw) is None
    assert other.get(reverse("me:home")).status_code == 302  # back to sign-in
    assert client.post(reverse("accounts:deactivate", args=[admin.pk])).status_code == 302
    admin.refresh_from_db()
    assert admin.is_active, "an admin cannot deactivate themselves"


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
def test_it_keeps_user_management_from_operators_and_viewers(client, role):
    signed_in(client, role=role)
    subject = factories.ProfileFactory(role=Role.VIEWER).user

    assert client.get(reverse("accounts:list")).status_code == 403
    assert (
        client.post(reverse("accounts:detail", args=[subject.pk]), {"role": "admin"}).status_code
        == 403
    )
    subject.profile.refresh_from_db()
    assert subject.profile.role == Role.VIEWER


def test_it_keeps_user_management_from_a_scoped_admin_profile(client):
    signed_in(client, role=Role.ADMIN, reseller=factories.ResellerFactory())

    assert client.get(reverse("accounts:list")).status_code == 403


def test_it_shows_a_new_token_once_and_revokes_it(client):
    user = signed_in(client, role=Role.VIEWER)

    created = client.post(reverse("me:home"), {"name": "billing export"})
    raw = re.search(r'class="token-value">([^<]+)<', created.text).group(1)
    again = client.get(reverse("me:home"))

    assert token_authenticate(raw).user == user
    assert raw not in again.text
    assert "no-store" in created["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    client.post(reverse("me:token-revoke", args=[token.pk]))
    assert token_authenticate(raw) is None


def test_it_does_not_find_another_users_token_to_revoke(client):
    signed_in(client, role=Role.OPERATOR)
    token = factories.ApiTokenFactory()

    response = client.post(reverse("me:token-revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_changes_the_password_with_djangos_view_and_audits_it(client):
    user = signed_in(client, role=Role.VIEWER)

    response = client.post(
        reverse("me:password"),
        {"old_password": factories.DEFAULT_PASSWORD, "new_password1": "An-0ther-long-pass",
         "new_password2": "An-0ther-long-pass"},
    )  # fmt: skip

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("An-0ther-long-pass")
    assert AuditEvent.objects.filter(action="user.password_changed", actor=user).exists()
