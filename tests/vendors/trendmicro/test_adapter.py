"""Trend Micro adapter behaviour against the LMPI sandbox over real HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from tests.sandbox_fixtures import make_adapter
from vendors.errors import VendorAuthError, VendorBadRequest, VendorConflict, VendorNotFound
from vendors.sandbox.seeding import last_months
from vendors.trendmicro.adapter import TrendMicroAdapter
from vendors.types import (
    Contact,
    Metric,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
)

V = "trendmicro"


def spec(**overrides) -> TenantSpec:
    suffix = uuid.uuid4().hex[:8]
    values = {
        "name": f"Adapter Test {suffix}",
        "reference": f"CP-{suffix}",
        "product_code": "NNZBXXE1X",
        "seats": 5,
        "contact": Contact(email=f"ops-{suffix}@example.com", first_name="Ada", last_name="Ops"),
    }
    return TenantSpec(**{**values, **overrides})


def snapshot_tenant(server, external_id: str) -> dict:
    return next(
        t for t in server.sandboxes[V].snapshot()["tenants"] if t["external_id"] == external_id
    )


def test_it_signs_paths_below_the_mount_prefix_and_sends_every_lmpi_header(sandbox):
    adapter = make_adapter(sandbox, V)
    adapter.test_connection()
    [entry] = sandbox.journal.entries(V)
    assert (entry.path, entry.status) == ("/LMPI/v2/partners/product", 200)
    # The same adapter at a base URL with a trailing slash signs the same URI.
    again = TrendMicroAdapter(sandbox.vendor_url(V) + "/", sandbox.sandboxes[V].credentials())
    again.test_connection()


def test_it_raises_an_auth_error_carrying_the_signature_subject_for_a_wrong_secret(sandbox):
    creds = {**sandbox.sandboxes[V].credentials(), "secret_key": "not-the-secret"}
    adapter = TrendMicroAdapter(sandbox.vendor_url(V), creds)
    with pytest.raises(VendorAuthError) as caught:
        adapter.list_products()
    assert caught.value.status == 401
    assert caught.value.body["error_subject"] == "AuthenticationFailureSignature"


def test_it_lists_one_product_per_code_with_trial_availability(sandbox):
    products = make_adapter(sandbox, V).list_products()
    assert [p.code for p in products] == ["NNZBXXE1X", "CCZBXXE1X", "TMEAXXE1X", "DSZBXXE1X"]
    assert all(p.trial_available for p in products)
    assert {r["version"] for r in products[0].raw["versions"]} == {"Full", "Trial"}


@pytest.mark.parametrize(
    ("status", "tenant_status", "subscription_status"),
    [
        ("active", TenantStatus.ACTIVE, SubscriptionStatus.ACTIVE),
        ("trial", TenantStatus.TRIAL, SubscriptionStatus.TRIAL),
        ("suspended", TenantStatus.SUSPENDED, SubscriptionStatus.SUSPENDED),
        ("cancelled", TenantStatus.CANCELLED, SubscriptionStatus.CANCELLED),
    ],
)
def test_it_maps_statuses_the_vendor_set_behind_our_back(
    sandbox, status, tenant_status, subscription_status
):
    external_id = sandbox.sandboxes[V].snapshot()["tenants"][0]["external_id"]
    sandbox.sandboxes[V].set_tenant_status(external_id, status)
    tenant = make_adapter(sandbox, V).get_tenant(external_id)
    assert tenant.status is tenant_status
    assert {s.status for s in tenant.subscriptions} == {subscription_status}
    assert all(s.is_trial is (status == "trial") for s in tenant.subscriptions)


def test_it_reads_every_tenant_field_by_field_like_the_sandbox(sandbox):
    sandbox.reset([V], seed_tenants=12)
    adapter = make_adapter(sandbox, V)
    adapter.page_size = 5
    tenants = {t.external_id: t for t in adapter.iter_tenants()}
    expected = sandbox.sandboxes[V].snapshot()["tenants"]
    assert len(tenants) == len(expected) == 12
    for want in expected:
        got = tenants[want["external_id"]]
        assert (got.name, got.status.value) == (want["name"], want["status"])
        assert [
            (s.external_id, s.product_code, s.seats, s.status.value, s.is_trial, str(s.ends))
            for s in got.subscriptions
        ] == [
            (
                s["subscription_id"],
                s["product_code"],
                s["seats"],
                s["status"],
                s["is_trial"],
                s["ends"],
            )
            for s in want["subscriptions"]
        ]
        assert got == adapter.get_tenant(want["external_id"])


def test_it_lists_subscriptions_once_rather_than_per_customer(sandbox):
    sandbox.reset([V], seed_tenants=30)
    adapter = make_adapter(sandbox, V)
    adapter.page_size = 10
    list(adapter.iter_tenant_pages())
    paths = [e.path for e in sandbox.journal.entries(V)]
    assert paths.count("/LMPI/v2.5/customers/subscriptions") == 9  # 90 subscriptions / 10
    assert paths.count("/LMPI/v3/customers") == 3
    assert not any(p.endswith("/getid") for p in paths)


def test_it_maps_usage_to_the_sandbox_figures_exactly(sandbox):
    adapter = make_adapter(sandbox, V)
    month = last_months(3)[0]
    want = next(t for t in sandbox.sandboxes[V].snapshot()["tenants"] if t["status"] == "active")
    usage = adapter.get_usage(want["external_id"], month)
    got = {(u.subscription_external_id, u.metric, u.vendor_field, u.quantity) for u in usage}
    expected = set()
    for sub in want["subscriptions"]:
        figures = sub["usage"][month.isoformat()]
        expected.add(
            (
                sub["subscription_id"],
                Metric.SEATS_PURCHASED,
                "provisioned",
                Decimal(figures["provisioned"]),
            )
        )
        expected.add((sub["subscription_id"], Metric.SEATS_USED, "used", Decimal(figures["used"])))
    assert got == expected
    assert all(u.period == month and u.unit == "seats" for u in usage)


def test_it_reads_usage_the_vendor_changed(sandbox):
    external_id = sandbox.sandboxes[V].snapshot()["tenants"][0]["external_id"]
    sandbox.sandboxes[V].set_tenant_status(external_id, "active")
    month = last_months(1)[0]
    sandbox.sandboxes[V].set_usage(external_id, month, {"provisioned": 40, "used": 33})
    usage = make_adapter(sandbox, V).get_usage(external_id, month)
    main = snapshot_tenant(sandbox, external_id)["subscriptions"][0]["subscription_id"]
    figures = {u.vendor_field: u.quantity for u in usage if u.subscription_external_id == main}
    assert figures == {"provisioned": Decimal(40), "used": Decimal(33)}


def test_it_keeps_our_reference_in_the_customer_note_and_finds_it(sandbox):
    adapter = make_adapter(sandbox, V)
    wanted = spec()
    tenant = adapter.create_tenant(wanted, idempotency_key=str(uuid.uuid4()))
    assert snapshot_tenant(sandbox, tenant.external_id)["note"] == f"portal-ref:{wanted.reference}"
    assert tenant.reference == wanted.reference
    assert adapter.find_tenant(wanted.reference).external_id == tenant.external_id
    assert adapter.find_tenant("CP-nobody", "no such name") is None


def test_it_finishes_a_create_that_stopped_after_the_customer(sandbox):
    adapter = make_adapter(sandbox, V)
    wanted = spec(seats=9)
    sandbox.set_faults(
        V, error_rate=1.0, only_writes=True, path_contains="/subscriptions", max_faults=1
    )
    with pytest.raises(Exception):  # noqa: B017 - the subscription call failed with a 500
        adapter.create_tenant(wanted, idempotency_key="k1")
    half = adapter.find_tenant(wanted.reference)
    assert half.subscriptions == () and half.status is TenantStatus.PENDING
    done = adapter.create_tenant(wanted, idempotency_key="k1")
    assert done.external_id == half.external_id and done.subscriptions[0].seats == 9
    assert sandbox.journal.count_actions(V, "create_tenant") == 1
    assert sandbox.journal.count_actions(V, "create_subscription") == 1


def test_it_does_not_adopt_a_namesake_without_our_reference(sandbox):
    adapter = make_adapter(sandbox, V)
    first = adapter.create_tenant(spec(name="Same Name Ltd"), idempotency_key="a")
    second = adapter.create_tenant(spec(name="Same Name Ltd"), idempotency_key="b")
    assert first.external_id != second.external_id
    assert sandbox.journal.count_actions(V, "create_tenant") == 2


def test_it_puts_the_vendor_field_error_on_the_field(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(), idempotency_key="k")
    with pytest.raises(VendorBadRequest) as caught:
        adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=0), "k2")
    assert list(caught.value.field_errors) == ["units_per_license"]
    assert caught.value.body["error_subject"] == "InvalidParametersUnitsPerLicense"


def test_it_raises_not_found_for_a_tenant_the_vendor_removed(sandbox):
    external_id = sandbox.sandboxes[V].snapshot()["tenants"][0]["external_id"]
    sandbox.sandboxes[V].remove_tenant(external_id)
    with pytest.raises(VendorNotFound):
        make_adapter(sandbox, V).get_tenant(external_id)


def test_it_repeats_seat_changes_and_suspends_without_a_second_change(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(), idempotency_key="k")
    for _ in range(2):
        adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=11), "s")
        adapter.suspend(tenant.external_id)
    assert sandbox.journal.count_actions(V, "change_seats") == 1
    assert sandbox.journal.count_actions(V, "suspend") == 1


def test_it_cannot_suspend_a_trial_only_tenant(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(trial=True), idempotency_key="k")
    assert tenant.status is TenantStatus.TRIAL
    with pytest.raises(VendorConflict):
        adapter.suspend(tenant.external_id)


def test_it_cancels_every_subscription_when_none_is_named(sandbox):
    external_id = sandbox.sandboxes[V].snapshot()["tenants"][0]["external_id"]
    sandbox.sandboxes[V].set_tenant_status(external_id, "active")
    tenant = make_adapter(sandbox, V).cancel(external_id)
    assert tenant.status is TenantStatus.CANCELLED
    assert sandbox.journal.count_actions(V, "cancel") == 3


def test_it_converts_a_trial_keeping_the_subscription_id(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(trial=True, seats=3), idempotency_key="k")
    trial = tenant.subscriptions[0]
    assert trial.trial_ends and trial.trial_ends > dt.date.today()
    converted = adapter.convert_trial(tenant.external_id, trial.external_id, seats=20)
    sub = converted.subscriptions[0]
    assert (sub.external_id, sub.seats, sub.is_trial, sub.auto_renew) == (
        trial.external_id,
        20,
        False,
        True,
    )
    assert adapter.convert_trial(tenant.external_id, trial.external_id) == converted
    assert sandbox.journal.count_actions(V, "convert_trial") == 1
