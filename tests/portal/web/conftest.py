"""Signed-in clients for each role, and a small populated portal for the page tests."""

from __future__ import annotations

import pytest
from django.test import Client

from portal.accounts.models import Role
from tests.factories import (
    CustomerFactory,
    ProfileFactory,
    ResellerFactory,
    SuperUserFactory,
    TenantFactory,
    UserFactory,
    VendorConnectionFactory,
)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(db) -> Client:
    return signed_in(SuperUserFactory())


@pytest.fixture
def operator(db):
    return ProfileFactory(role=Role.OPERATOR).user


@pytest.fixture
def operator_client(operator) -> Client:
    return signed_in(operator)


@pytest.fixture
def viewer_client(db) -> Client:
    return signed_in(ProfileFactory(role=Role.VIEWER).user)


@pytest.fixture
def reseller(db):
    return ResellerFactory(name="Northwind MSP")


@pytest.fixture
def scoped_client(reseller) -> Client:
    """An operator of one reseller: sees only that reseller's subtree."""
    return signed_in(ProfileFactory(role=Role.OPERATOR, reseller=reseller).user)


@pytest.fixture
def no_role_client(db) -> Client:
    return signed_in(UserFactory(is_staff=False))


@pytest.fixture
def world(reseller):
    """A reseller with one customer inside and one customer outside it, each with a tenant."""
    connection = VendorConnectionFactory(vendor="bitdefender", name="GravityZone main")
    inside = CustomerFactory(name="Inside Ltd", parent=reseller)
    outside = CustomerFactory(name="Outside Ltd")
    return {
        "connection": connection,
        "inside": inside,
        "outside": outside,
        "inside_tenant": TenantFactory(customer=inside, connection=connection),
        "outside_tenant": TenantFactory(customer=outside, connection=connection),
    }
