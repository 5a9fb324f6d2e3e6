"""Sign-in lockout, CSRF refusal, request size limits and the security headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts.models import Role
from tests import factories
from tests.portal.test_foundation_settings import SETTINGS_ENV, production_env

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[3]


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_it_locks_a_username_out_after_five_failures_even_with_the_right_password(client):
    user = factories.ProfileFactory(role=Role.VIEWER).user

    failures = [sign_in(client, user.username, "wrong").status_code for _ in range(5)]
    locked = sign_in(client, user.username, factories.DEFAULT_PASSWORD)

    assert failures[:4] == [200] * 4  # the form again, with an error
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out (the pair username + address is).
    assert (
        sign_in(Client(), user.username, factories.DEFAULT_PASSWORD, "10.0.0.2").status_code == 302
    )


def test_it_signs_in_and_forgets_failures_after_a_success(client):
    user = factories.ProfileFactory(role=Role.VIEWER).user
    for _ in range(4):
        sign_in(client, user.username, "wrong")

    assert sign_in(client, user.username, factories.DEFAULT_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, user.username, "wrong")
    assert sign_in(client, user.username, factories.DEFAULT_PASSWORD).status_code == 302


def test_it_refuses_a_form_post_without_the_csrf_token():
    admin = factories.ProfileFactory(role=Role.ADMIN).user
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    refused = client.post(reverse("me:home"), {"name": "sneaky"})
    sign_in_refused = Client(enforce_csrf_checks=True).post(
        reverse("login"), {"username": admin.username, "password": factories.DEFAULT_PASSWORD}
    )

    assert refused.status_code == 403
    assert sign_in_refused.status_code == 403
    assert not admin.api_tokens.exists()


def test_it_accepts_the_same_post_with_the_token():
    user = factories.ProfileFactory(role=Role.VIEWER).user
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("me:home"))

    response = client.post(
        reverse("me:home"), {"name": "ok", "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    )

    assert response.status_code == 200 and user.api_tokens.count() == 1


def test_it_refuses_a_request_body_over_the_limit(client):
    client.force_login(factories.ProfileFactory(role=Role.VIEWER).user)

    response = client.post(reverse("me:home"), {"name": "x" * (1024 * 1024 + 1)})

    assert response.status_code == 400


def test_it_sends_a_strict_content_security_policy_and_frame_denial(client):
    response = client.get(reverse("login"))

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy["script-src"] + policy["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


PRODUCTION_REQUEST = """
import django, json
django.setup()
from django.test import Client
r = Client().get("/healthz", secure=True, HTTP_HOST="portal.example.com")
print(json.dumps({"status": r.status_code, "headers": dict(r.headers)}))
from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
      "CSRF_COOKIE_SECURE", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SECURE_SSL_REDIRECT")}))
"""


def test_it_sends_hsts_and_secure_cookies_with_production_settings(tmp_path):
    (
        tmp_path / "var"
    ).mkdir()  # the SQLite file of this check; production's REDIS_URL makes no folder
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(
        production_env(),
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="portal.settings.production",
    )

    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_REQUEST],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    answer, settings = (json.loads(line) for line in result.stdout.splitlines()[-2:])
    headers = answer["headers"]
    assert answer["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert settings == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "__Host-portal_session",
        "CSRF_COOKIE_NAME": "__Host-portal_csrftoken",
        "SECURE_SSL_REDIRECT": True,
    }
