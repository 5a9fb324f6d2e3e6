"""API tokens from the admin: created through the service (shown once), revoked by an action."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages

from portal.accounts.models import ApiToken
from portal.accounts.tokens import token_authenticate
from tests.factories import SuperUserFactory, UserFactory


def test_an_admin_creates_a_token_seen_once_and_revokes_it(client, db):
    admin_user, owner = SuperUserFactory(), UserFactory()
    client.force_login(admin_user)

    answer = client.post(
        "/admin/accounts/apitoken/add/", {"user": owner.pk, "name": "billing export"}, follow=True
    )

    shown = " ".join(str(m) for m in get_messages(answer.wsgi_request))
    raw = re.search(r"(cpt_\S+)", shown).group(1)
    token = ApiToken.objects.get(user=owner, name="billing export")
    assert token.key_hash != raw and raw not in token.key_hash
    assert token_authenticate(raw) == token
    assert raw not in client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()

    client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert token_authenticate(raw) is None
