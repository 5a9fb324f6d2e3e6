"""Fixtures for API tests: users per role and scope, and clients that send their API token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from portal.accounts.models import Role
from portal.accounts.tokens import token_create
from tests.factories import ProfileFactory, ResellerFactory, UserFactory


def token_for(user) -> str:
    return token_create(user=user, name="tests")[1]


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    return client


@pytest.fixture
def make_user(db):
    def make(role: str = Role.OPERATOR, reseller=None):
        return ProfileFactory(user=UserFactory(), role=role, reseller=reseller).user

    return make


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR)


@pytest.fixture
def viewer(make_user):
    return make_user(Role.VIEWER)


@pytest.fixture
def reseller(db):
    return ResellerFactory()


@pytest.fixture
def scoped_operator(make_user, reseller):
    """An operator of one reseller: sees only that reseller's subtree."""
    return make_user(Role.OPERATOR, reseller=reseller)


@pytest.fixture
def api(admin):
    """A client acting as a distributor admin through an API token."""
    return client_for(admin)
