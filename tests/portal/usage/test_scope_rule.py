"""One scope rule: the usage review's SQL and the ORM querysets see exactly the same customers.

``portal.accounts.scoping`` states the rule once; the review's raw SQL compiles it into a
subquery. Held here against the same data for every kind of user, with and without the
reseller filter.
"""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.usage.selectors import ReviewFilter, usage_review_rows
from tests.factories import (
    CustomerFactory,
    ProfileFactory,
    ResellerFactory,
    SuperUserFactory,
    UserFactory,
)

from .conftest import PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(seat_usage):
    north = ResellerFactory(name="North")
    north_sub = ResellerFactory(name="North Sub", parent=north)
    south = ResellerFactory(name="South")
    # A reseller whose path is a text prefix of another's would leak under a naive LIKE.
    customers = [
        CustomerFactory(parent=north),
        CustomerFactory(parent=north_sub),
        CustomerFactory(parent=south),
        CustomerFactory(),
    ]
    for customer in customers:
        seat_usage(customer=customer)
    return {"north": north, "north_sub": north_sub, "south": south}


def _users(world):
    return {
        "distributor": SuperUserFactory(),
        "north": ProfileFactory(role=Role.VIEWER, reseller=world["north"]).user,
        "north_sub": ProfileFactory(role=Role.OPERATOR, reseller=world["north_sub"]).user,
        "south": ProfileFactory(role=Role.VIEWER, reseller=world["south"]).user,
        "no role": UserFactory(),
    }


@pytest.mark.parametrize("reseller", [None, "north", "south"])
def test_the_review_sql_and_the_orm_scope_agree_for_every_user(world, reseller):
    filters = ReviewFilter(period=PERIOD, reseller=world[reseller] if reseller else None)
    seen = {}
    for name, user in _users(world).items():
        by_sql = {row["customer_id"] for row in usage_review_rows(user=user, filters=filters)}
        by_orm = set(filters.usage(user).values_list("tenant__customer_id", flat=True))

        assert by_sql == by_orm, name
        seen[name] = len(by_orm)
    # Not an empty-versus-empty comparison: the scopes differ and someone sees rows.
    assert seen["distributor"] >= seen["north"] >= seen["north_sub"] >= 1 or reseller == "south"
    assert seen["no role"] == 0


def test_a_profile_with_a_role_that_is_not_ours_sees_nothing(world):
    stray = ProfileFactory(role="").user
    assert usage_review_rows(user=stray, filters=ReviewFilter(period=PERIOD)) == []
