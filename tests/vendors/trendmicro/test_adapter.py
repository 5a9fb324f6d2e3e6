"""Trend Micro adapter behaviour against the LMPI sandbox over real HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from tests.sandbox_fixtures import make_adapter
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorNotFound,
    VendorOutcomeUnknown,
)
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
        "extra": {"city": "Leeds", "state": "West Yorkshire"},
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


@pytest.mark.parametrize(
    "variant",
    [{}, {"customer_get": "served"}, {"customer_get": "served", "unknown_id": "400"}],
    ids=["get-absent", "get-served", "get-served-unknown-400"],
)
def test_it_raises_not_found_for_a_tenant_the_vendor_removed(sandbox, variant):
    sandbox.set_variant(V, **variant)
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


def test_it_converts_a_trial_by_subscribing_the_full_plan_then_disabling_the_trial(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(trial=True, seats=3), idempotency_key="k")
    trial = tenant.subscriptions[0]
    assert trial.trial_ends and trial.trial_ends > dt.date.today()
    since = sandbox.journal.entries(V)[-1].seq
    converted = adapter.convert_trial(tenant.external_id, trial.external_id, seats=20)
    paid = converted.subscriptions[0]
    assert (paid.seats, paid.is_trial, paid.auto_renew, paid.status) == (
        20,
        False,
        True,
        SubscriptionStatus.ACTIVE,
    )
    [left] = [s for s in converted.subscriptions if s.external_id == trial.external_id]
    assert left.status is SubscriptionStatus.CANCELLED
    done = [(e.method, e.actions) for e in sandbox.journal.entries(V, since=since) if e.write]
    assert done == [("POST", ["create_subscription"]), ("PUT", ["cancel"])]
    assert adapter.convert_trial(tenant.external_id, trial.external_id) == converted
    assert sandbox.journal.count_actions(V, "create_subscription") == 2  # the trial, the paid one


def test_it_finishes_a_conversion_whose_answer_was_lost_exactly_once(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(trial=True, seats=3), idempotency_key="k")
    trial = tenant.subscriptions[0]
    sandbox.set_faults(V, apply_then_drop_rate=1.0, only_writes=True, max_faults=1)
    with pytest.raises(VendorOutcomeUnknown):
        adapter.convert_trial(tenant.external_id, trial.external_id, seats=20)
    half = adapter.get_tenant(tenant.external_id)
    assert {(s.is_trial, s.status) for s in half.subscriptions} == {
        (True, SubscriptionStatus.TRIAL),
        (False, SubscriptionStatus.ACTIVE),
    }
    done = adapter.convert_trial(tenant.external_id, trial.external_id, seats=20)
    assert [
        s.is_trial for s in done.subscriptions if s.status is not SubscriptionStatus.CANCELLED
    ] == [False]
    assert sandbox.journal.count_actions(V, "create_subscription") == 2  # the trial, the paid one
    assert sandbox.journal.count_actions(V, "cancel") == 1


def test_it_converts_a_trial_the_vendor_turns_in_place_without_disabling_it(sandbox):
    sandbox.set_variant(V, trial_conversion="in_place")
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(trial=True, seats=3), idempotency_key="k")
    trial = tenant.subscriptions[0]
    converted = adapter.convert_trial(tenant.external_id, trial.external_id, seats=20)
    [sub] = converted.subscriptions
    assert (sub.external_id, sub.seats, sub.is_trial) == (trial.external_id, 20, False)
    assert sandbox.journal.count_actions(V, "convert_trial") == 1
    assert sandbox.journal.count_actions(V, "cancel") == 0


def test_it_creates_the_customer_with_the_city_state_country_and_user_given(sandbox):
    adapter = make_adapter(sandbox, V)
    wanted = spec(
        extra={
            "city": "Munich",
            "state": "Bavaria",
            "country": "DE",
            "login_name": "admin-munich",
            "first_name": "Max",
            "last_name": "Muster",
            "email": "max@example.de",
            "service_plan_id": "",
        }
    )
    tenant = adapter.create_tenant(wanted, idempotency_key="k")
    got = snapshot_tenant(sandbox, tenant.external_id)
    assert (got["city"], got["state"], got["country"]) == ("Munich", "Bavaria", "DE")
    user = sandbox.sandboxes[V].state.customers[tenant.external_id].user
    assert (user["login_name"], user["first_name"], user["last_name"], user["email"]) == (
        "admin-munich",
        "Max",
        "Muster",
        "max@example.de",
    )


def test_it_declares_the_documented_customer_fields_as_create_options():
    options = {o.name: o for o in TrendMicroAdapter.create_options}
    assert [
        (n, options[n].required, options[n].min_value, options[n].max_value)
        for n in (
            "city",
            "state",
        )
    ] == [("city", True, 1, 64), ("state", True, 1, 64)]
    assert (options["country"].min_value, options["country"].max_value) == (2, 2)
    assert {"login_name", "first_name", "last_name", "email", "service_plan_id"} <= set(options)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"state": "England"}, "city"),
        ({"city": "Leeds", "state": "E" * 65}, "state"),
        ({"city": "Leeds", "state": "England", "country": "GBR"}, "country"),
    ],
)
def test_it_refuses_a_customer_without_valid_documented_fields_before_any_write(
    sandbox, extra, field
):
    adapter = make_adapter(sandbox, V)
    with pytest.raises(VendorBadRequest) as caught:
        adapter.create_tenant(spec(extra=extra), idempotency_key="k")
    assert list(caught.value.field_errors) == [field]
    assert sandbox.journal.entries(V) == []  # not even a read


def test_it_refuses_a_user_without_a_last_name_before_any_write(sandbox):
    adapter = make_adapter(sandbox, V)
    wanted = spec(contact=Contact(email="solo@example.com", first_name="Solo"))
    with pytest.raises(VendorBadRequest) as caught:
        adapter.create_tenant(wanted, idempotency_key="k")
    assert list(caught.value.field_errors) == ["last_name"]
    assert sandbox.journal.entries(V) == []  # not even a read


def test_it_reads_a_customer_through_the_listing_when_the_get_is_refused(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(), idempotency_key="k")
    since = sandbox.journal.entries(V)[-1].seq
    for _ in range(2):
        assert adapter.get_tenant(tenant.external_id) == tenant
    customer_path = f"/LMPI/v2/customers/{tenant.external_id}"
    asked = [
        (e.path, e.status) for e in sandbox.journal.entries(V, since=since) if "customers" in e.path
    ]
    assert asked.count((customer_path, 405)) <= 1  # asked at most once, then never again
    assert ("/LMPI/v3/customers", 200) in asked
    with pytest.raises(VendorNotFound):
        adapter.get_tenant(str(uuid.uuid4()))


def test_it_reads_a_customer_with_the_get_when_the_vendor_answers_it(sandbox):
    sandbox.set_variant(V, customer_get="served")
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(), idempotency_key="k")
    since = sandbox.journal.entries(V)[-1].seq
    assert adapter.get_tenant(tenant.external_id) == tenant
    paths = [e.path for e in sandbox.journal.entries(V, since=since)]
    assert f"/LMPI/v2/customers/{tenant.external_id}" in paths
    assert "/LMPI/v3/customers" not in paths
    with pytest.raises(VendorNotFound):
        adapter.get_tenant(str(uuid.uuid4()))


def test_it_lists_more_customers_than_the_documented_page_size(sandbox):
    sandbox.reset([V], seed_tenants=130)
    adapter = make_adapter(sandbox, V)  # limit 100, the documented maximum (default 25)
    ids = [t.external_id for t in adapter.iter_tenants()]
    assert len(ids) == len(set(ids)) == 130
    pages = [e.query for e in sandbox.journal.entries(V) if e.path == "/LMPI/v3/customers"]
    assert len(pages) == 2 and all("limit=100" in q for q in pages)


def test_it_suspends_keeping_the_licences_to_their_current_end(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(), idempotency_key="k")
    ends = tenant.subscriptions[0].ends
    suspended = adapter.suspend(tenant.external_id)
    assert suspended.status is TenantStatus.SUSPENDED
    assert suspended.subscriptions[0].ends == ends
    [entry] = sandbox.journal.entries(V, action="suspend")
    assert entry.detail["license_expiration_date"].startswith(ends.isoformat())


def test_it_fetches_the_month_report_once_for_every_tenant_of_a_pull(sandbox):
    sandbox.reset([V], seed_tenants=6)
    adapter = make_adapter(sandbox, V)
    month = last_months(2)[0]  # a past month, asked for by report_cycle_year/_month
    for tenant in sandbox.sandboxes[V].snapshot()["tenants"]:
        adapter.get_usage(tenant["external_id"], month)
    reports = [e for e in sandbox.journal.entries(V) if e.path == "/LMPI/v2/reports/summary"]
    assert len(reports) == 1


def test_it_tells_namesakes_apart_by_city_and_state(sandbox):
    adapter = make_adapter(sandbox, V)
    leeds = adapter.create_tenant(spec(name="Twin Ltd", seats=4), idempotency_key="a")
    york = adapter.create_tenant(
        spec(name="Twin Ltd", seats=9, extra={"city": "York", "state": "North Yorkshire"}),
        idempotency_key="b",
    )
    month = dt.date.today().replace(day=1)
    for tenant, seats in ((leeds, 4), (york, 9)):
        usage = adapter.get_usage(tenant.external_id, month)
        assert {(u.vendor_field, u.quantity, u.subscription_external_id) for u in usage} == {
            ("provisioned", Decimal(seats), tenant.subscriptions[0].external_id),
            ("used", Decimal(0), tenant.subscriptions[0].external_id),
        }


def test_it_tells_namesakes_of_one_place_apart_by_service_plan(sandbox):
    adapter = make_adapter(sandbox, V)
    first = adapter.create_tenant(spec(name="Twin Ltd", seats=4), idempotency_key="a")
    second = adapter.create_tenant(
        spec(name="Twin Ltd", seats=9, product_code="CCZBXXE1X"), idempotency_key="b"
    )
    month = dt.date.today().replace(day=1)
    got = {
        t.external_id: {u.quantity for u in adapter.get_usage(t.external_id, month)}
        for t in (first, second)
    }
    assert got == {first.external_id: {4, 0}, second.external_id: {9, 0}}


def test_it_refuses_usage_it_cannot_attribute_rather_than_guess(sandbox):
    adapter = make_adapter(sandbox, V)
    first = adapter.create_tenant(spec(name="Twin Ltd", seats=4), idempotency_key="a")
    second = adapter.create_tenant(spec(name="Twin Ltd", seats=9), idempotency_key="b")
    month = dt.date.today().replace(day=1)
    for tenant, other in ((first, second), (second, first)):
        with pytest.raises(VendorConflict) as caught:
            adapter.get_usage(tenant.external_id, month)
        assert other.external_id in str(caught.value)
