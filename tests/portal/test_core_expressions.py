"""JSONMerge: a shallow merge into a JSON object column, done by the database in one UPDATE."""

from __future__ import annotations

import pytest
from django.db.models import JSONField, Value

from portal.core.expressions import JSONMerge
from portal.customers.models import Tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def merged(start, values: dict):
    tenant = TenantFactory(intended=start)
    Tenant.objects.filter(pk=tenant.pk).update(intended=JSONMerge("intended", values))
    tenant.refresh_from_db()
    return tenant.intended


def test_it_sets_the_given_keys_and_keeps_the_others():
    intent = {"seats": 4, "addons": ["b", "a"], "is_trial": False, "name": 'say "hi"'}

    assert merged({"status": "suspended", "seats": 3}, intent) == {"status": "suspended", **intent}


def test_it_stores_values_as_json_not_as_text():
    result = merged({}, {"seats": 5, "is_trial": True, "addons": [], "note": None})

    assert result == {"seats": 5, "is_trial": True, "addons": [], "note": None}


@pytest.mark.parametrize("start", [Value(None, JSONField()), [1, 2], "text"])
def test_it_treats_a_column_that_holds_no_object_as_empty(start):
    assert merged(start, {"status": "active"}) == {"status": "active"}


def test_it_changes_only_the_rows_filtered():
    other = TenantFactory(intended={"status": "active"})

    merged({}, {"status": "suspended"})

    other.refresh_from_db()
    assert other.intended == {"status": "active"}


@pytest.mark.parametrize("values", [{}, {"a-b": 1}, {'x"]': 1}])
def test_it_refuses_keys_that_are_not_identifiers(values):
    with pytest.raises(ValueError):
        JSONMerge("intended", values)
