"""Support works in the Django admin: every page renders, payloads are read-only, secrets never show."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from portal.catalog.models import VendorConnection
from portal.core import crypto
from portal.sync.models import DetailRead, SyncPage
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "sk-live-4f9c1e2b7a6d5c3e"
OTHER_SECRET = "rotated-0b8e7f6a5d4c3b2a"
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _notice_rows(user) -> None:
    from portal.notifications.models import Delivery, MailState, Notice, NotificationPreference

    Notice.objects.create(
        user=user, kind="operation.failed", event_id="3b8f5c2a-9d4e-4f61-8a7b-0c1d2e3f4a5b",
        title="Operation #1 failed", mail_state=MailState.SENT,
    )  # fmt: skip
    NotificationPreference.objects.create(
        user=user, kind="operation.failed", delivery=Delivery.DIGEST
    )


@pytest.fixture
def every_model(django_user_model):
    """One row of every model (and their relations), with a connection holding a known secret."""
    connection_ = factories.VendorConnectionFactory(
        credentials={"application_key": SECRET}, vendor="lookout"
    )
    tenant = factories.TenantFactory(
        connection=connection_, raw={"id": "T-1", "plan": "<b>gold</b>"}
    )
    subscription = factories.SubscriptionFactory(tenant=tenant)
    usage = factories.UsageRecordFactory(tenant=tenant, subscription=subscription)
    factories.UsageAdjustmentFactory(record=usage)
    factories.MonthCloseFactory(connection=connection_)
    operation = factories.OperationFactory(tenant=tenant, subscription=subscription)
    factories.OperationAttemptFactory(operation=operation)
    factories.OperationBatchFactory()
    run = factories.SyncRunFactory(connection=connection_)
    SyncPage.objects.create(
        run=run, number=1, cursor={"offset": 0}, external_ids=["T-1"], applied_at=timezone.now()
    )
    factories.DiscrepancyFactory(tenant=tenant, subscription=subscription)
    factories.WebhookEventFactory(connection=connection_)
    factories.VendorCallStatFactory(connection=connection_)
    factories.AuditEventFactory(customer=tenant.customer)
    factories.ProfileFactory(reseller=factories.ResellerFactory())
    factories.ApiTokenFactory()
    factories.WebhookAttemptFactory()
    factories.ConnectionTotalsFactory(connection=connection_)
    factories.SeatChangeFactory(subscription=subscription)
    DetailRead.objects.create(
        connection=connection_,
        key="lic-1",
        tenant_external_id="T-1",
        row_fingerprint="f",
        detail={"seats": 3},
        read_at=timezone.now(),
    )
    factories.BillingLineFactory(price__product__connection=connection_, tenant=tenant)
    statement = factories.StatementFactory(connection=connection_)
    factories.StatementRowFactory(statement=statement, tenant=tenant)
    factories.StatementMappingFactory(connection=connection_)
    factories.ResellerMarkupFactory()
    factories.PriceOverrideFactory()
    factories.ApprovalFactory(operation__tenant=tenant)
    _notice_rows(factories.ProfileFactory().user)
    Group.objects.create(name="Support")
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    CrontabSchedule.objects.create(minute="5", hour="2")
    SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=-0.1)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    PeriodicTask.objects.create(name="ping", task="portal.ping", interval=every_minute)
    return connection_


def admin_urls(model, model_admin, request):
    """Every admin page of ``model`` a superuser may open, for its first row."""
    info = (model._meta.app_label, model._meta.model_name)
    urls = [
        reverse("admin:{}_{}_changelist".format(*info)),
        reverse("admin:{}_{}_changelist".format(*info)) + "?q=a",
    ]
    if model_admin.has_add_permission(request):
        urls.append(reverse("admin:{}_{}_add".format(*info)))
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no {model._meta.label} row to open"
    urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    urls.append(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
    if model_admin.has_delete_permission(request, obj):
        urls.append(reverse("admin:{}_{}_delete".format(*info), args=[obj.pk]))
    return urls


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED]
)
def test_it_renders_every_admin_page_for_a_superuser(admin_client, every_model, model, model_admin):
    request = admin_client.get(reverse("admin:index")).wsgi_request
    for url in admin_urls(model, model_admin, request):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_it_registers_every_model_of_ours_in_the_admin():
    from django.apps import apps

    ours = {m for m in apps.get_models() if m.__module__.startswith("portal.")}
    assert ours - set(admin.site._registry) == set()


def test_it_never_shows_credentials_on_any_admin_page(admin_client, every_model):
    request = admin_client.get(reverse("admin:index")).wsgi_request
    pages = [reverse("admin:index")]
    for model, model_admin in REGISTERED:
        pages += admin_urls(model, model_admin, request)
    pages.append(
        reverse("admin:autocomplete")
        + "?app_label=catalog&model_name=product&field_name=connection&term="
    )

    bodies = {url: admin_client.get(url).content.decode() for url in pages}

    assert len(bodies) > 2 * len(REGISTERED)
    leaked = [url for url, body in bodies.items() if SECRET in body]
    assert leaked == []


def test_it_stores_credentials_encrypted_not_in_the_clear(every_model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM catalog_vendorconnection WHERE id = %s", [every_model.pk]
        )
        (stored,) = cursor.fetchone()

    assert SECRET not in stored
    assert json.loads(crypto.decrypt(stored)) == {"application_key": SECRET}


def test_it_keeps_credentials_when_the_field_is_left_empty(admin_client, every_model):
    url = reverse("admin:catalog_vendorconnection_change", args=[every_model.pk])
    form = {
        "vendor": "lookout",
        "name": "Renamed",
        "base_url": every_model.base_url,
        "enabled": "on",
    }

    response = admin_client.post(url, {**form, "new_credentials": ""})

    assert response.status_code == 302
    every_model.refresh_from_db()
    assert every_model.name == "Renamed"
    assert every_model.credentials == {"application_key": SECRET}


def test_it_replaces_credentials_without_echoing_them(admin_client, every_model):
    url = reverse("admin:catalog_vendorconnection_change", args=[every_model.pk])
    form = {"vendor": "lookout", "name": every_model.name, "base_url": every_model.base_url}
    new = json.dumps({"application_key": OTHER_SECRET})

    response = admin_client.post(url, {**form, "new_credentials": new}, follow=True)
    page = admin_client.get(url).content.decode()

    assert response.status_code == 200
    assert OTHER_SECRET not in response.content.decode()
    assert OTHER_SECRET not in page
    assert VendorConnection.objects.get(pk=every_model.pk).credentials == {
        "application_key": OTHER_SECRET
    }


def test_it_refuses_credentials_missing_a_vendor_field_and_does_not_echo_them(
    admin_client, every_model
):
    url = reverse("admin:catalog_vendorconnection_change", args=[every_model.pk])
    form = {"vendor": "lookout", "name": every_model.name, "base_url": every_model.base_url}

    response = admin_client.post(url, {**form, "new_credentials": json.dumps({"x": OTHER_SECRET})})

    assert response.status_code == 200
    assert "Missing credential fields: application_key" in response.content.decode()
    assert VendorConnection.objects.get(pk=every_model.pk).credentials == {
        "application_key": SECRET
    }


def test_it_shows_raw_payloads_pretty_printed_and_read_only(admin_client, every_model):
    tenant = every_model.tenants.get()

    body = admin_client.get(reverse("admin:customers_tenant_change", args=[tenant.pk])).content
    page = body.decode()

    assert (
        '<pre style="max-height:30em;overflow:auto;white-space:pre-wrap">{\n  &quot;id&quot;'
        in page
    )
    assert "&lt;b&gt;gold&lt;/b&gt;" in page  # escaped: a vendor payload cannot inject markup
    assert 'name="raw"' not in page


def test_support_filters_customers_by_vendor_in_the_admin(admin_client):
    from tests.factories import TenantFactory, VendorConnectionFactory

    at_redstor = TenantFactory(connection=VendorConnectionFactory(vendor="redstor")).customer
    elsewhere = TenantFactory(connection=VendorConnectionFactory(vendor="lookout")).customer

    page = admin_client.get("/admin/customers/customer/?tenants__connection__vendor__exact=redstor")

    assert page.status_code == 200
    shown = {c.pk for c in page.context["cl"].result_list}
    assert at_redstor.pk in shown and elsewhere.pk not in shown
