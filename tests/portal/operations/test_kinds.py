"""Every operation kind is one spec, and every layer reads it: the API's required fields, the
pages' forms and menus, the rules' capability, verify's call and check, the engine's intent."""

from __future__ import annotations

import pytest

from portal.operations import kinds, services
from portal.operations.models import OperationKind
from tests.factories import ProfileFactory, UserFactory
from tests.portal.api.conftest import client_for


def test_every_kind_has_one_complete_spec():
    assert set(kinds.KINDS) == set(OperationKind.values)
    for kind, spec in kinds.KINDS.items():
        assert spec.kind == kind and spec.label == OperationKind(kind).label
        assert spec.service.__module__ == services.__name__, kind
        assert callable(spec.send) and callable(spec.effect)
        if spec.target is kinds.Target.SUBSCRIPTION:
            assert spec.form is not None, f"{kind} needs a page form"
            assert set(spec.inputs) <= set(spec.form.base_fields), kind


def test_the_menus_are_the_kinds_by_target():
    assert set(kinds.TENANT_KINDS) == {"suspend", "resume", "cancel"}
    assert "change_seats" in kinds.SUBSCRIPTION_KINDS
    assert not set(kinds.TENANT_KINDS) & set(kinds.SUBSCRIPTION_KINDS)


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown operation kind 'renew'"):
        kinds.spec("renew")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", OperationKind.values)
def test_the_api_asks_for_exactly_the_fields_of_the_spec(kind):
    api = client_for(ProfileFactory(user=UserFactory(), role="admin").user)
    answer = api.post(
        "/api/v1/operations/", {"kind": kind}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert answer.status_code == 400
    assert set(answer.json()["details"]) == set(kinds.spec(kind).fields)


def test_the_api_schema_describes_each_kind_from_the_spec():
    text = kinds.requirements()
    for kind, spec in kinds.KINDS.items():
        assert f"{kind} needs {', '.join(spec.fields)}" in text
