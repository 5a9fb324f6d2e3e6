"""Tokens (hashed, shown once, revocable), session auth, throttling per token, one error shape."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from portal.accounts.models import ApiToken, Role
from portal.accounts.tokens import token_create, token_revoke
from portal.audit.models import AuditEvent
from tests.factories import CustomerFactory


def _bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_it_stores_only_the_hash_and_returns_the_token_once(operator):
    token, raw = token_create(user=operator, name="billing")

    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix) and len(stored.prefix) == 12
    assert AuditEvent.objects.filter(action="api_token.created", object_id=str(token.pk)).exists()


def test_it_authenticates_a_token_and_marks_it_used(operator):
    token, raw = token_create(user=operator, name="billing")
    assert _bearer(raw).get("/api/v1/customers/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_refuses_a_revoked_token_with_the_error_shape(operator):
    token, raw = token_create(user=operator, name="billing")
    token_revoke(token=token, actor=operator)

    answer = _bearer(raw).get("/api/v1/customers/")

    assert answer.status_code == 401
    assert answer.json() == {
        "code": "authentication_failed",
        "message": "Invalid or revoked API token.",
        "details": {},
    }
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_unknown_tokens_and_tokens_of_inactive_users(operator):
    assert _bearer("cpt_not-a-real-token").get("/api/v1/customers/").status_code == 401
    _, raw = token_create(user=operator, name="billing")
    operator.is_active = False
    operator.save()
    assert _bearer(raw).get("/api/v1/customers/").status_code == 401


def test_it_requires_authentication_everywhere(db):
    answer = APIClient().get("/api/v1/tenants/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


def test_it_accepts_a_browser_session(client, operator):
    client.force_login(operator)
    assert client.get("/api/v1/customers/").status_code == 200


def test_it_refuses_users_without_a_role(make_user, db):
    from tests.factories import UserFactory

    user = UserFactory()
    _, raw = token_create(user=user, name="no role")
    answer = _bearer(raw).get("/api/v1/customers/")
    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"


def test_it_throttles_per_token(settings, operator):
    settings.API_THROTTLE_RATE = "3/min"
    from django.core.cache import cache

    cache.clear()
    first, second = _bearer(token_for_user(operator)), _bearer(token_for_user(operator))
    for _ in range(3):
        assert first.get("/api/v1/customers/").status_code == 200
    answer = first.get("/api/v1/customers/")
    assert answer.status_code == 429
    assert answer.json()["code"] == "throttled"
    assert answer.json()["details"]["retry_after"] > 0
    assert second.get("/api/v1/customers/").status_code == 200  # another token, another bucket
    cache.clear()


def token_for_user(user) -> str:
    return token_create(user=user, name="t")[1]


def test_it_answers_validation_errors_per_field(api):
    answer = api.post("/api/v1/customers/", {"kind": "planet"}, format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert set(body["details"]) >= {"name", "kind"}


def test_it_answers_unknown_paths_and_ids_as_json_404(api):
    for path in ("/api/v1/nothing-here/", "/api/v1/customers/999999/", "/api/v1/customers/1.5/"):
        answer = api.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["code"] == "not_found"


@pytest.mark.parametrize("value", ["1.5", "-3.4e38", "99999999999999999999999"])
def test_it_answers_400_for_ids_the_database_cannot_hold(api, value):
    CustomerFactory()
    answer = api.get("/api/v1/operations/", {"customer": value})
    assert answer.status_code == 400
    assert "customer" in answer.json()["details"]


def test_it_paginates_with_limit_and_offset(api):
    for _ in range(5):
        CustomerFactory()
    page = api.get("/api/v1/customers/", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5 and len(page["results"]) == 2
    assert "offset=4" in page["next"]


def test_it_orders_by_the_shared_filtersets_ordering(api):
    CustomerFactory(name="Bravo")
    CustomerFactory(name="Alpha")
    names = [
        c["name"] for c in api.get("/api/v1/customers/", {"ordering": "-name"}).json()["results"]
    ]
    assert names == ["Bravo", "Alpha"]


def test_it_gives_viewers_reads_but_no_writes(make_user):
    from tests.portal.api.conftest import client_for

    viewer = client_for(make_user(Role.VIEWER))
    assert viewer.get("/api/v1/customers/").status_code == 200
    answer = viewer.post("/api/v1/customers/", {"name": "X"}, format="json")
    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"
