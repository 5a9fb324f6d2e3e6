"""Lookout adapter behaviour over real HTTP against the sandbox: tokens, orders, mapping, errors."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from decimal import Decimal

import pytest
import requests

from tests.sandbox_fixtures import make_adapter
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorNotFound,
    VendorOutcomeUnknown,
    VendorTransientError,
    VendorUnsupported,
)
from vendors.lookout.adapter import LookoutAdapter
from vendors.types import (
    Contact,
    Metric,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
)

TOKEN = "/oauth2/token"


@pytest.fixture
def box(sandbox):
    return sandbox.sandboxes["lookout"]


@pytest.fixture
def adapter(sandbox) -> LookoutAdapter:
    return make_adapter(sandbox, "lookout")


def spec(**overrides) -> TenantSpec:
    suffix = uuid.uuid4().hex[:8]
    values = {
        "name": f"Adapter Test {suffix}",
        "reference": f"CP-{suffix}",
        "product_code": "MES_ADVANCED",
        "seats": 8,
        "contact": Contact(email=f"it-{suffix}@example.com", first_name="Grace", last_name="Ops"),
        "extra": {"contact_first_name": "Grace", "contact_last_name": "Ops"},
    }
    values.update(overrides)
    return TenantSpec(**values)


def calls(sandbox, since: int) -> list[tuple[str, str, int | None]]:
    return [(e.method, e.path, e.status) for e in sandbox.journal.entries("lookout", since=since)]


def last_month() -> dt.date:
    return (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# -- auth ------------------------------------------------------------------------------------


def test_it_fetches_one_token_and_reuses_it(sandbox, adapter):
    adapter.test_connection()
    adapter.list_products()
    list(adapter.iter_tenants())
    tokens = [c for c in calls(sandbox, 0) if c[1] == TOKEN]
    assert tokens == [("POST", TOKEN, 200)]


def test_it_fetches_a_new_token_once_after_a_401(sandbox, box, adapter):
    adapter.test_connection()
    box.expire_tokens()
    since = sandbox.journal.last_seq
    adapter.test_connection()
    assert calls(sandbox, since) == [
        ("GET", "/api/partners/v1/tenants", 401),
        ("POST", TOKEN, 200),
        ("GET", "/api/partners/v1/tenants", 200),
    ]


def test_it_renews_a_token_before_lookout_expires_it(sandbox, box, adapter):
    box.configure(token_lifetime=1)
    adapter.test_connection()
    time.sleep(1.0)
    since = sandbox.journal.last_seq
    adapter.test_connection()
    assert [c[2] for c in calls(sandbox, since)] == [200, 200]  # token, then the call: no 401


def test_it_raises_auth_error_when_the_application_key_is_refused(sandbox, box):
    adapter = LookoutAdapter(sandbox.vendor_url("lookout"), box.invalid_credentials())
    with pytest.raises(VendorAuthError, match="not valid"):
        adapter.test_connection()
    assert calls(sandbox, 0) == [("POST", TOKEN, 401)]


def test_it_keeps_the_application_key_out_of_every_api_call(sandbox, adapter):
    adapter.test_connection()
    key = adapter.credentials["application_key"]
    prepared = adapter.session.prepare_request(
        requests.Request("GET", adapter.url("/api/partners/v1/tenants"))
    )
    adapter.authenticate(prepared)
    assert key not in prepared.headers["Authorization"]


# -- mapping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", TenantStatus.ACTIVE),
        ("trial", TenantStatus.TRIAL),
        ("suspended", TenantStatus.SUSPENDED),
        ("cancelled", TenantStatus.CANCELLED),
    ],
)
def test_it_maps_each_entity_state(box, adapter, status, expected):
    tenant_id = box.snapshot()["tenants"][0]["externalPartnerId"]
    box.set_tenant_status(tenant_id, status)
    tenant = adapter.get_tenant(tenant_id)
    assert tenant.status is expected
    assert tenant.subscriptions[0].status.value == expected.value


def test_it_maps_an_unknown_entity_state_to_unknown(box, adapter):
    tenant_id = box.snapshot()["tenants"][0]["externalPartnerId"]
    with box.lock:
        box.state.tenants[tenant_id].state = "ARCHIVED"
    tenant = adapter.get_tenant(tenant_id)
    assert tenant.status is TenantStatus.UNKNOWN
    assert tenant.subscriptions[0].status is SubscriptionStatus.UNKNOWN
    assert tenant.raw["state"] == "ARCHIVED"


def test_it_maps_the_subscription_fields(box, adapter):
    created = adapter.create_tenant(spec(seats=12), str(uuid.uuid4()))
    sub = created.subscriptions[0]
    raw = box.snapshot()["tenants"][-1]["subscriptions"][0]
    assert sub.external_id == created.external_id == created.reference
    assert (sub.product_code, sub.seats, sub.term) == ("MES_ADVANCED", 12, "1 YEAR")
    assert sub.auto_renew is True and sub.is_trial is False
    assert sub.ends == dt.date.fromisoformat(raw["renewalDate"][:10])
    assert sub.product_name == "Lookout Mobile Endpoint Security Advanced"


def test_it_reads_the_same_tenants_as_the_sandbox_holds(sandbox, box, adapter):
    sandbox.reset(["lookout"], seed_tenants=30)
    box = sandbox.sandboxes["lookout"]
    expected = {
        t["externalPartnerId"]: (t["name"], t["state"], t["subscriptions"][0]["seatTotal"])
        for t in box.snapshot()["tenants"]
    }
    seen = {
        t.external_id: (t.name, t.raw["state"], t.subscriptions[0].seats)
        for t in adapter.iter_tenants()
    }
    assert seen == expected


def test_it_declares_that_lookout_cannot_answer_for_a_past_month():
    assert LookoutAdapter.usage_history is False


def test_it_refuses_a_past_month_answer_that_ignored_the_filter(sandbox, box, adapter):
    """Default reading: the filter's format is not documented, so the answer is today's."""
    tenant = box.snapshot()["tenants"][0]
    since = sandbox.journal.last_seq
    with pytest.raises(VendorUnsupported, match="past month cannot be read") as refused:
        adapter.get_usage(tenant["externalPartnerId"], last_month())
    assert refused.value.body["licensesUsed"] == tenant["licensesUsed"]
    assert [e.query for e in sandbox.journal.entries("lookout", since=since)][-1] == (
        f"filter={last_month():%Y-%m}"
    )


def test_it_maps_a_past_month_when_the_answer_names_the_filter(sandbox, adapter):
    sandbox.set_variant("lookout", usage_filter="month")
    box = sandbox.sandboxes["lookout"]
    month = last_month()
    tenant = next(t for t in box.snapshot()["tenants"] if t["usage"])
    figures = tenant["usage"][month.strftime("%Y-%m")]
    usage = adapter.get_usage(tenant["externalPartnerId"], month)
    assert {(u.metric, u.quantity, u.vendor_field, u.unit) for u in usage} == {
        (
            Metric.SEATS_PURCHASED,
            Decimal(figures["licensesPurchased"]),
            "licensesPurchased",
            "seats",
        ),
        (Metric.SEATS_USED, Decimal(figures["licensesUsed"]), "licensesUsed", "seats"),
    }
    assert {u.period for u in usage} == {month}
    assert adapter.get_usage(tenant["externalPartnerId"], dt.date(2001, 1, 1)) == []


def test_it_reads_the_current_month_from_live_figures(box, adapter):
    tenant = box.snapshot()["tenants"][0]
    usage = adapter.get_usage(tenant["externalPartnerId"], dt.date.today())
    by_metric = {u.metric: u.quantity for u in usage}
    assert by_metric[Metric.SEATS_USED] == tenant["licensesUsed"]
    assert by_metric[Metric.SEATS_PURCHASED] == tenant["subscriptions"][0]["seatTotal"]


# -- orders ----------------------------------------------------------------------------------


def test_it_sends_the_idempotency_key_as_the_transaction_id(box, adapter):
    key = str(uuid.uuid4())
    created = adapter.create_tenant(spec(), key)
    orders = {o["transactionId"]: o for o in box.snapshot()["orders"]}
    assert orders[key]["externalPartnerId"] == created.external_id
    assert orders[key]["orderState"] == "COMPLETED"
    assert created.status is TenantStatus.ACTIVE


def test_it_polls_a_slow_order_until_it_completes(sandbox, box, adapter):
    box.configure(order_polls_to_complete=3)
    key = str(uuid.uuid4())
    adapter.create_tenant(spec(), key)
    polls = [c for c in calls(sandbox, 0) if c[1] == f"/api/partners/v1/orders/{key}"]
    assert len(polls) == 3


def test_it_gives_up_on_a_pending_order_and_finishes_it_on_retry_with_the_same_key(
    sandbox, box, adapter
):
    box.configure(order_polls_to_complete=1000)
    adapter.order_poll_attempts = 2
    the_spec, key = spec(), str(uuid.uuid4())
    with pytest.raises(VendorTransientError, match="still"):
        adapter.create_tenant(the_spec, key)
    box.configure(order_polls_to_complete=0)
    tenant = adapter.create_tenant(the_spec, key)
    assert tenant.external_id == the_spec.reference and tenant.status is TenantStatus.ACTIVE
    assert sandbox.journal.count_actions("lookout", "create_tenant") == 1


def test_it_recovers_when_the_answer_to_a_create_was_lost(sandbox, adapter):
    adapter.test_connection()
    the_spec, key = spec(), str(uuid.uuid4())
    sandbox.set_faults("lookout", apply_then_drop_rate=1.0, only_writes=True, max_faults=1)
    with pytest.raises(VendorOutcomeUnknown):
        adapter.create_tenant(the_spec, key)
    tenant = adapter.create_tenant(the_spec, key)
    assert tenant.external_id == the_spec.reference
    assert sandbox.journal.count_actions("lookout", "create_tenant") == 1


def test_it_returns_our_tenant_when_its_reference_exists_under_another_key(sandbox, adapter):
    the_spec = spec()
    first = adapter.create_tenant(the_spec, str(uuid.uuid4()))
    second = adapter.create_tenant(the_spec, str(uuid.uuid4()))
    assert second.external_id == first.external_id
    assert sandbox.journal.count_actions("lookout", "create_tenant") == 1


def test_it_creates_a_trial_and_converts_it_with_a_renew_order(sandbox, adapter):
    tenant = adapter.create_tenant(spec(trial=True), str(uuid.uuid4()))
    sub = tenant.subscriptions[0]
    assert tenant.status is TenantStatus.TRIAL and sub.is_trial and sub.trial_ends
    since = sandbox.journal.last_seq
    converted = adapter.convert_trial(tenant.external_id, seats=20, idempotency_key="conv-1")
    assert converted.status is TenantStatus.ACTIVE
    assert (converted.subscriptions[0].is_trial, converted.subscriptions[0].seats) == (False, 20)
    assert ("POST", "/api/partners/v1/orders/renew", 200) in calls(sandbox, since)
    again = adapter.convert_trial(tenant.external_id, idempotency_key="conv-2")
    assert again.status is TenantStatus.ACTIVE
    assert sandbox.journal.count_actions("lookout", "convert_trial") == 1


def test_it_changes_plan_and_seats_in_one_modify_order(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    change = SubscriptionChange(seats=30, product_code="MES_PREMIUM")
    changed = adapter.change_subscription(tenant.external_id, change, str(uuid.uuid4()))
    assert (changed.subscriptions[0].product_code, changed.subscriptions[0].seats) == (
        "MES_PREMIUM",
        30,
    )
    modify = [c for c in calls(sandbox, 0) if c[1] == "/api/partners/v1/orders/modify"]
    assert len(modify) == 1


def test_it_sends_no_order_when_the_seats_already_match(sandbox, adapter):
    tenant = adapter.create_tenant(spec(seats=8), str(uuid.uuid4()))
    since = sandbox.journal.last_seq
    adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=8), "same")
    assert not [e for e in sandbox.journal.entries("lookout", since=since) if e.write]


def test_it_maps_a_failed_order_to_a_conflict(box, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    adapter.cancel(tenant.external_id, idempotency_key=str(uuid.uuid4()))
    with pytest.raises(VendorConflict, match="cancelled"):
        adapter.change_subscription(
            tenant.external_id, SubscriptionChange(seats=3), str(uuid.uuid4())
        )


def test_it_cancels_once_however_often_it_is_asked(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    assert adapter.cancel(tenant.external_id).status is TenantStatus.CANCELLED
    assert adapter.cancel(tenant.external_id).status is TenantStatus.CANCELLED
    assert sandbox.journal.count_actions("lookout", "cancel") == 1


def test_it_shows_lookouts_message_and_trace_id_for_a_bad_request(adapter):
    with pytest.raises(VendorBadRequest) as caught:
        adapter.create_tenant(spec(extra={**spec().extra, "external_org_id": "NO-SUCH-ORG"}), "k")
    assert "Unknown externalOrgId" in caught.value.message
    assert "traceId" in caught.value.message
    assert caught.value.status == 400


@pytest.mark.parametrize("missing", ["contact_first_name", "contact_last_name"])
def test_it_refuses_a_spec_without_an_administrator_name_before_any_call(sandbox, adapter, missing):
    """A one-word contact name has no last name: the options are required, not guessed."""
    extra = {k: v for k, v in spec().extra.items() if k != missing}
    with pytest.raises(VendorBadRequest) as refused:
        adapter.create_tenant(spec(contact=Contact(email="x@example.com"), extra=extra), "k")
    assert list(refused.value.field_errors) == [missing]
    assert sandbox.journal.entries("lookout") == []


def test_it_sends_the_administrator_from_the_create_options(box, adapter):
    extra = {
        "contact_first_name": "Cher",
        "contact_last_name": "Sarkisian",
        "contact_email": "cher@example.com",
    }
    created = adapter.create_tenant(
        spec(contact=Contact(email="x@example.com", first_name="Cher"), extra=extra), "k"
    )
    stored = box.state.tenants[created.external_id].contact
    assert stored == {"email": "cher@example.com", "first_name": "Cher", "last_name": "Sarkisian"}
    assert {o.name for o in LookoutAdapter.create_options if o.required} == {
        "contact_first_name",
        "contact_last_name",
    }


@pytest.mark.parametrize("reading", ["absent", "served"])
def test_it_reads_a_tenant_whether_or_not_lookout_serves_the_undocumented_get(
    sandbox, adapter, reading
):
    sandbox.set_variant("lookout", tenant_get=reading)
    box = sandbox.sandboxes["lookout"]
    wanted = box.snapshot()["tenants"][1]
    first = adapter.get_tenant(wanted["externalPartnerId"])
    since = sandbox.journal.last_seq
    second = adapter.get_tenant(wanted["externalPartnerId"])
    assert first.name == second.name == wanted["name"]
    detail_calls = [
        e
        for e in sandbox.journal.entries("lookout", since=since)
        if e.path == f"/api/partners/v1/tenants/{wanted['externalPartnerId']}"
    ]
    # Once the route proved absent the adapter stops asking it.
    assert len(detail_calls) == (1 if reading == "served" else 0)
    with pytest.raises(VendorNotFound):
        adapter.get_tenant("NOBODY")


def test_it_creates_a_managed_tenant_under_an_org(sandbox, adapter):
    sandbox.reset(["lookout"], seed_tenants=30)
    adapter = make_adapter(sandbox, "lookout")
    org_id = sandbox.sandboxes["lookout"].snapshot()["orgs"][0]["externalOrgId"]
    the_spec = spec(extra={"external_org_id": org_id})
    the_spec = spec(extra={**the_spec.extra, **spec().extra})
    tenant = adapter.create_tenant(the_spec, str(uuid.uuid4()))
    assert sandbox.sandboxes["lookout"].state.tenants[tenant.external_id].external_org_id == org_id
