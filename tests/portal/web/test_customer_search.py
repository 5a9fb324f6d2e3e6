"""The customer search finds a term anywhere in name, reference, CRM reference or e-mail, on
every database (SQLite answers it from its FTS5 trigram index, PostgreSQL from trigram GIN)."""

from __future__ import annotations

import pytest
from django.db import connection

from portal.customers.filters import CustomerFilterSet
from portal.customers.models import Customer
from tests import factories

pytestmark = pytest.mark.django_db


def found(term: str) -> list[str]:
    filterset = CustomerFilterSet({"q": term}, queryset=Customer.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("name", flat=True))


@pytest.fixture
def customers():
    factories.CustomerFactory(
        name="Fabrikam Ltd", external_ref="PSA-4471", contact_email="it@fabrikam.example"
    )
    factories.CustomerFactory(name="Contoso Pharma", contact_email="ops@contoso.example")
    factories.CustomerFactory(name='Quote "Q" Co', contact_email="q@quote.example")
    return Customer.objects.get(name="Fabrikam Ltd")


def test_it_matches_a_substring_of_each_column_in_any_case(customers):
    assert found("BRIKA") == ["Fabrikam Ltd"]  # name, other case
    assert found("sa-447") == ["Fabrikam Ltd"]  # CRM reference
    assert found("@contoso.") == ["Contoso Pharma"]  # e-mail
    assert found(customers.reference[-6:]) == ["Fabrikam Ltd"]  # our reference
    assert found('"q"') == ['Quote "Q" Co']  # quotes are text, not query syntax
    assert found("example") == ["Contoso Pharma", "Fabrikam Ltd", 'Quote "Q" Co']
    assert found("nowhere") == []


def test_a_term_shorter_than_a_trigram_still_searches(customers):
    assert found("Co") == ["Contoso Pharma", 'Quote "Q" Co']


def test_the_index_follows_renames_and_deletes(customers):
    customers.name = "Northwind Traders"
    customers.save()
    assert found("fabrikam") == ["Northwind Traders"]  # still its e-mail
    assert found("northwind") == ["Northwind Traders"]
    customers.delete()
    assert found("northwind") == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's full-text index")
def test_sqlite_answers_from_the_full_text_index(customers):
    filterset = CustomerFilterSet({"q": "brika"}, queryset=Customer.objects.all())
    sql = str(filterset.qs.query)
    assert "customer_search MATCH" in sql
