"""The audit trail: scoped, filterable, exportable as CSV, and never editable."""

from __future__ import annotations

import csv
import io

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record
from portal.core.models import Source
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, role=Role.VIEWER, reseller=None):
    user = factories.ProfileFactory(role=role, reseller=reseller).user
    client.force_login(user)
    return user


@pytest.fixture
def two_resellers():
    a, b = factories.ResellerFactory(name="Alpha MSP"), factories.ResellerFactory(name="Beta MSP")
    ca = factories.CustomerFactory(parent=a, name="Alpha Child")
    cb = factories.CustomerFactory(parent=b, name="Beta Child")
    audit_record(action="customer.updated", obj=ca, customer=ca, source=Source.PAGE)
    audit_record(action="customer.updated", obj=cb, customer=cb, source=Source.API)
    audit_record(action="connection.updated", source=Source.ADMIN)
    return a, ca, cb


def test_it_lists_events_filtered_by_source_and_search(client, two_resellers):
    login(client)

    by_source = client.get(reverse("audit:list"), {"source": "api"})
    by_search = client.get(reverse("audit:list"), {"q": "Alpha Child"})

    assert by_source.status_code == 200
    assert "Beta Child" in by_source.text and "Alpha Child" not in by_source.text
    assert "Alpha Child" in by_search.text and "Beta Child" not in by_search.text


def test_it_shows_a_scoped_user_only_their_resellers_events(client, two_resellers):
    reseller, _, _ = two_resellers
    login(client, reseller=reseller)

    page = client.get(reverse("audit:list"))
    export = client.get(reverse("audit:export"))

    assert "Alpha Child" in page.text
    assert "Beta Child" not in page.text and "connection.updated" not in page.text
    body = b"".join(export.streaming_content).decode()
    assert "Alpha Child" in body and "Beta Child" not in body


def test_it_exports_the_filtered_events_as_csv_with_formulas_neutralised(client, two_resellers):
    login(client)
    audit_record(action="customer.updated", detail={"note": "x"}, actor_label="=HYPERLINK(1)")

    response = client.get(reverse("audit:export"), {"action": "customer."})

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["action"] for r in rows} == {"customer.updated"}
    assert len(rows) == 3
    assert "'=HYPERLINK(1)" in {r["actor"] for r in rows}


def test_it_lists_a_page_of_events_in_constant_queries(client, django_assert_max_num_queries):
    login(client)
    for n in range(30):
        audit_record(
            action="customer.updated", customer=factories.CustomerFactory(), detail={"n": n}
        )

    with django_assert_max_num_queries(8):
        response = client.get(reverse("audit:list"))

    assert response.status_code == 200


def test_it_never_changes_or_deletes_an_event():
    event = audit_record(action="customer.updated")

    event.action = "customer.deleted"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "customer.updated"


def test_it_refuses_anything_but_reading_on_the_audit_page(client):
    login(client, role=Role.ADMIN)

    assert client.post(reverse("audit:list")).status_code == 405


def test_it_renders_an_objects_history_scoped_to_the_reader(two_resellers):
    reseller, alpha_child, beta_child = two_resellers
    scoped = factories.ProfileFactory(role=Role.VIEWER, reseller=reseller).user
    request = RequestFactory().get("/")
    request.user = scoped
    template = Template("{% load audit_tags %}{% audit_history obj %}")

    own = template.render(Context({"request": request, "obj": alpha_child}))
    other = template.render(Context({"request": request, "obj": beta_child}))

    assert "customer.updated" in own
    assert "customer.updated" not in other


def test_it_records_every_admin_change_as_an_audit_event(admin_client):
    reseller = factories.ResellerFactory()
    profile = factories.ProfileFactory(role=Role.VIEWER)
    url = reverse("admin:accounts_profile_change", args=[profile.pk])

    response = admin_client.post(
        url, {"user": profile.user.pk, "role": Role.OPERATOR, "reseller": reseller.pk}
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.changed")
    assert event.source == Source.ADMIN and event.actor.username == "admin"
    assert event.object_type == "accounts.profile" and event.object_id == str(profile.pk)
    assert event.detail == {"fields": ["Role", "Reseller"]}
