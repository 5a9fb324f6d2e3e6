"""Bitdefender adapter behaviour against the sandbox over real HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

import pytest

from tests.sandbox_fixtures import make_adapter
from tests.vendors.variants import readings
from vendors.bitdefender.adapter import BitdefenderAdapter
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorNotFound,
    VendorOutcomeUnknown,
    VendorUnexpectedAnswer,
)
from vendors.ratelimit import RateLimit
from vendors.types import (
    Contact,
    Metric,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
)

VENDOR = "bitdefender"
EDR, SA, HD = "manageEventCorrelator", "manageSandboxAnalyzer", "manageHyperDetect"


@pytest.fixture
def adapter(sandbox):
    return make_adapter(sandbox, VENDOR)


def spec(**overrides) -> TenantSpec:
    suffix = uuid.uuid4().hex[:8]
    values = {
        "name": f"Adapter Test {suffix}",
        "reference": f"CP-{suffix}",
        "product_code": "endpointSecurity",
        "seats": 10,
        "contact": Contact(email=f"it-{suffix}@example.com", first_name="Ada", last_name="Ops"),
    }
    return TenantSpec(**{**values, **overrides})


def state(sandbox):
    return sandbox.sandboxes[VENDOR].state


def test_it_sends_the_api_key_as_the_basic_auth_user_name(sandbox, adapter):
    adapter.test_connection()
    entry = sandbox.journal.entries(VENDOR)[-1]
    api_key = sandbox.sandboxes[VENDOR].credentials()["api_key"]
    assert entry.credential == hashlib.sha256(api_key.encode()).hexdigest()[:12]
    assert entry.path == "/api/v1.0/jsonrpc/companies" and entry.status == 200


def test_it_accepts_the_access_url_with_or_without_api(sandbox):
    credentials = sandbox.sandboxes[VENDOR].credentials()
    for base in (sandbox.vendor_url(VENDOR), sandbox.vendor_url(VENDOR) + "/api/"):
        BitdefenderAdapter(base, credentials).test_connection()
    assert BitdefenderAdapter.default_base_url.endswith("/api")


def test_it_raises_auth_error_for_a_key_without_the_licensing_api(sandbox):
    limited = sandbox.sandboxes[VENDOR].companies_only_credentials()
    adapter = BitdefenderAdapter(sandbox.vendor_url(VENDOR), limited)
    adapter.test_connection()
    with pytest.raises(VendorAuthError) as caught:
        adapter.list_products()
    assert caught.value.status == 403 and "Licensing" in caught.value.message


def test_it_lists_endpoint_security_and_the_addons_the_partner_licence_allows(sandbox, adapter):
    root = state(sandbox).root
    root.licence.flags["manageExchange"] = False
    products = adapter.list_products()
    assert products[0].code == "endpointSecurity" and products[0].trial_available
    addons = {p.code for p in products[1:]}
    assert EDR in addons and "manageExchange" not in addons
    assert set(products[0].addons) == addons


@pytest.mark.parametrize(
    ("status", "tenant_status", "subscription_status", "is_trial"),
    [
        ("active", TenantStatus.ACTIVE, SubscriptionStatus.ACTIVE, False),
        ("trial", TenantStatus.TRIAL, SubscriptionStatus.TRIAL, True),
        ("suspended", TenantStatus.SUSPENDED, SubscriptionStatus.SUSPENDED, False),
        ("cancelled", TenantStatus.CANCELLED, SubscriptionStatus.CANCELLED, False),
    ],
)
def test_it_maps_licence_and_suspension_to_statuses(
    sandbox, adapter, status, tenant_status, subscription_status, is_trial
):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    sandbox.sandboxes[VENDOR].set_tenant_status(tenant.external_id, status)
    fetched = adapter.get_tenant(tenant.external_id)
    assert fetched.status is tenant_status
    sub = fetched.subscriptions[0]
    assert sub.status is subscription_status and sub.is_trial is is_trial
    assert fetched.raw["licence"]["subscriptionType"] in (3, 5)


def test_it_maps_an_unknown_licence_type_to_unknown(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    state(sandbox).companies[tenant.external_id].licence.subscriptionType = 42
    fetched = adapter.get_tenant(tenant.external_id)
    assert fetched.status is TenantStatus.UNKNOWN
    assert fetched.subscriptions[0].status is SubscriptionStatus.UNKNOWN


def test_it_reports_a_shared_pool_licence_as_no_seat_count(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    sandbox.sandboxes[VENDOR].set_seats(tenant.external_id, 0)
    assert adapter.get_tenant(tenant.external_id).subscriptions[0].seats is None


def test_it_raises_not_found_for_an_unknown_company(adapter):
    with pytest.raises(VendorNotFound):
        adapter.get_tenant("f" * 24)


def test_it_raises_bad_request_with_the_parameter_for_invalid_params(adapter):
    with pytest.raises(VendorBadRequest) as caught:
        adapter.create_tenant(spec(name="N" * 65), str(uuid.uuid4()))
    assert list(caught.value.field_errors) == ["name"]


def test_it_raises_conflict_when_the_name_belongs_to_a_company_that_is_not_ours(sandbox, adapter):
    first = spec()
    adapter.create_tenant(first, str(uuid.uuid4()))
    with pytest.raises(VendorConflict):
        adapter.create_tenant(spec(name=first.name), str(uuid.uuid4()))
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1


def test_it_stores_our_reference_and_finds_the_tenant_by_it_alone(sandbox, adapter):
    wanted = spec()
    created = adapter.create_tenant(wanted, str(uuid.uuid4()))
    assert created.reference == wanted.reference
    assert state(sandbox).companies[created.external_id].address == f"portal-ref:{wanted.reference}"
    assert adapter.find_tenant(wanted.reference).external_id == created.external_id
    assert adapter.find_tenant("CP-nobody") is None


def test_it_creates_once_when_the_first_answer_was_lost(sandbox, adapter):
    adapter.test_connection()
    wanted, key = spec(), str(uuid.uuid4())
    sandbox.set_faults(VENDOR, apply_then_drop_rate=1.0, only_writes=True, max_faults=1)
    with pytest.raises(VendorOutcomeUnknown):
        adapter.create_tenant(wanted, key)
    again = adapter.create_tenant(wanted, key)
    assert again.name == wanted.name and again.reference == wanted.reference
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1


def test_it_creates_a_trial_as_a_monthly_subscription_trial_and_converts_it(sandbox, adapter):
    tenant = adapter.create_tenant(spec(trial=True, seats=3), str(uuid.uuid4()))
    assert tenant.status is TenantStatus.TRIAL
    assert tenant.raw["licence"]["subscriptionType"] == 5
    assert tenant.subscriptions[0].trial_ends is not None
    converted = adapter.convert_trial(tenant.external_id, seats=8)
    assert converted.status is TenantStatus.ACTIVE
    assert converted.subscriptions[0].seats == 8
    again = adapter.convert_trial(tenant.external_id)
    assert again.status is TenantStatus.ACTIVE
    assert sandbox.journal.count_actions(VENDOR, "convert_trial") == 1


def test_it_refuses_to_change_a_trial_before_it_is_converted(sandbox, adapter):
    tenant = adapter.create_tenant(spec(trial=True), str(uuid.uuid4()))
    with pytest.raises(VendorConflict):
        adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=20), "k")
    assert adapter.get_tenant(tenant.external_id).status is TenantStatus.TRIAL


def test_it_keeps_the_addons_when_only_the_seats_change(adapter):
    tenant = adapter.create_tenant(spec(addons=("manageEncryption",)), str(uuid.uuid4()))
    changed = adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=25), "k")
    sub = changed.subscriptions[0]
    assert sub.seats == 25 and sub.addons == ("manageEncryption",)


def test_it_asks_for_sandbox_analyzer_and_hyperdetect_with_edr(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    changed = adapter.change_subscription(
        tenant.external_id, SubscriptionChange(addons=(EDR, "manageExchange")), "k"
    )
    assert set(changed.subscriptions[0].addons) == {EDR, SA, HD, "manageExchange"}
    removed = adapter.change_subscription(tenant.external_id, SubscriptionChange(addons=()), "k")
    assert removed.subscriptions[0].addons == ()


def test_it_refuses_an_unknown_addon_before_calling_the_vendor(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    since = sandbox.journal.last_seq
    with pytest.raises(VendorBadRequest):
        adapter.change_subscription(tenant.external_id, SubscriptionChange(addons=("x",)), "k")
    assert not [e for e in sandbox.journal.entries(VENDOR, since=since) if e.write]


def test_it_cancels_by_ending_the_subscription_today_and_only_once(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    cancelled = adapter.cancel(tenant.external_id)
    sub = cancelled.subscriptions[0]
    assert cancelled.status is TenantStatus.CANCELLED
    assert sub.ends == dt.datetime.now(dt.UTC).date() and sub.auto_renew is False
    adapter.cancel(tenant.external_id)
    assert sandbox.journal.count_actions(VENDOR, "cancel") == 1
    assert state(sandbox).get(tenant.external_id) is not None  # kept, not deleted


def test_it_suspends_and_resumes_a_partner_with_its_customers(sandbox, adapter):
    msp = adapter.create_tenant(spec(extra={"company_type": "partner"}), str(uuid.uuid4()))
    child = adapter.create_tenant(
        spec(extra={"parent_external_id": msp.external_id}), str(uuid.uuid4())
    )
    assert child.parent_external_id == msp.external_id and msp.parent_external_id == ""
    adapter.suspend(msp.external_id)
    assert adapter.get_tenant(child.external_id).status is TenantStatus.SUSPENDED
    adapter.resume(msp.external_id)
    assert adapter.get_tenant(child.external_id).status is TenantStatus.ACTIVE


def test_it_walks_partner_companies_to_list_every_tenant_once_within_the_rate(sandbox):
    sandbox.set_variant(VENDOR, companies_list="served", parent_field="parentId")
    sandbox.reset([VENDOR], seed_tenants=40)
    adapter = make_adapter(sandbox, VENDOR)
    adapter.page_size = 7
    snapshot = sandbox.sandboxes[VENDOR].snapshot()
    tenants = list(adapter.iter_tenants())
    assert sorted(t.external_id for t in tenants) == sorted(t["id"] for t in snapshot["tenants"])
    expected_parent = {
        t["id"]: "" if t["parentId"] == snapshot["root_company_id"] else t["parentId"]
        for t in snapshot["tenants"]
    }
    assert any(expected_parent.values())
    assert "rate_limited" not in {e.outcome for e in sandbox.journal.entries(VENDOR)}
    for tenant in tenants:
        assert tenant.parent_external_id == expected_parent[tenant.external_id]
        assert tenant.status.value == next(
            s["status"] for s in snapshot["tenants"] if s["id"] == tenant.external_id
        )


def test_it_maps_usage_to_metrics_with_the_sandbox_figures(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    month = dt.date(2025, 2, 1)
    figures = {
        "endpointMonthlyUsage": 31,
        "edrMonthlyUsage": 12,
        "encryptionMonthlyUsage": 7,
        "atsMonthlyUsage": 12,
        "mspSecureMonthlyUsage": 3,
    }
    sandbox.sandboxes[VENDOR].set_usage(tenant.external_id, month, figures)
    usage = adapter.get_usage(tenant.external_id, dt.date(2025, 2, 17))
    by_field = {u.vendor_field: u for u in usage}
    assert by_field["endpointMonthlyUsage"].metric is Metric.ENDPOINTS
    assert by_field["edrMonthlyUsage"].metric is Metric.EDR_ENDPOINTS
    assert by_field["encryptionMonthlyUsage"].metric is Metric.ENCRYPTION_ENDPOINTS
    assert by_field["atsMonthlyUsage"].metric is Metric.ATS_ENDPOINTS
    assert "mspSecureMonthlyUsage" not in by_field  # unmapped: kept in raw only
    for name, value in figures.items():
        if name in by_field:
            assert by_field[name].quantity == Decimal(value)
    assert {u.period for u in usage} == {month}
    assert by_field["exchangeMonthlyUsage"].quantity == 0


def test_it_reads_seeded_usage_exactly_as_the_sandbox_holds_it(sandbox, adapter):
    snapshot = sandbox.sandboxes[VENDOR].snapshot()
    seeded = next(t for t in snapshot["tenants"] if t["usage"])
    month_key, figures = sorted(seeded["usage"].items())[-1]
    period = dt.date.fromisoformat(month_key + "-01")
    usage = {u.vendor_field: u.quantity for u in adapter.get_usage(seeded["id"], period)}
    for name, value in figures.items():
        assert usage[name] == value


# -- readings the documents leave open (the sandbox's variants) --------------------------------

READINGS = [
    pytest.param(r, id=",".join(f"{k}={v}" for k, v in r.items()) or "default")
    for r in readings(VENDOR)
]
LISTING_READINGS = [
    {},
    {"companies_list": "absent_404"},
    {"companies_list": "served"},
    {"name_match": "case_sensitive"},
    {"own_in_find": "included"},
]


def unthrottled_adapter(sandbox):
    """Both sides without a rate limit, for tests that list hundreds of companies."""
    sandbox.set_rate_limit(VENDOR, None)
    adapter = make_adapter(sandbox, VENDOR)
    adapter.rate_limit = RateLimit()
    return adapter


def test_it_declares_the_create_options_the_document_lets_a_company_carry():
    options = {o.name: o for o in BitdefenderAdapter.create_options}
    assert [v for v, _ in options["billing"].choices] == ["seats", "usage"]
    assert [v for v, _ in options["company_type"].choices] == ["customer", "partner"]
    assert {"parent_external_id", "state", "phone", "industry", "skip_2fa_period"} <= set(options)
    assert options["phone"].max_value == 32
    assert not any(o.required for o in options.values())


@pytest.mark.parametrize("variant", READINGS)
def test_it_creates_reads_and_changes_a_company_in_every_reading(sandbox, variant):
    if variant:
        sandbox.set_variant(VENDOR, **variant)
    adapter = make_adapter(sandbox, VENDOR)
    created = adapter.create_tenant(spec(addons=("manageExchange",)), str(uuid.uuid4()))
    sub = created.subscriptions[0]
    assert created.status is TenantStatus.ACTIVE and sub.seats == 10
    assert sub.addons == ("manageExchange",) and sub.starts is not None
    changed = adapter.change_subscription(
        created.external_id, SubscriptionChange(seats=12, addons=(EDR,)), "k"
    )
    assert changed.subscriptions[0].seats == 12
    assert set(changed.subscriptions[0].addons) == {EDR, SA, HD}
    assert adapter.suspend(created.external_id).status is TenantStatus.SUSPENDED
    assert adapter.resume(created.external_id).status is TenantStatus.ACTIVE
    with pytest.raises(VendorNotFound):
        adapter.get_tenant("f" * 24)


def test_it_reads_the_main_licence_and_the_addons_from_their_own_entries(sandbox):
    sandbox.set_variant(VENDOR, licence_info="addon_entries")
    adapter = make_adapter(sandbox, VENDOR)
    tenant = adapter.create_tenant(spec(addons=("manageEncryption",)), str(uuid.uuid4()))
    assert tenant.subscriptions[0].addons == ("manageEncryption",)
    assert tenant.subscriptions[0].seats == 10 and tenant.status is TenantStatus.ACTIVE
    assert {p.code for p in adapter.list_products()} >= {"endpointSecurity", EDR}


def test_it_fails_clearly_on_a_licence_answer_of_no_documented_shape(sandbox, adapter):
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    sandbox.sandboxes[VENDOR].methods["licensing", "getLicenseInfo"] = lambda request, raw: "x"
    with pytest.raises(VendorUnexpectedAnswer):
        adapter.get_tenant(tenant.external_id)


def test_it_creates_a_usage_billed_company_without_reserved_slots(sandbox, adapter):
    tenant = adapter.create_tenant(spec(seats=5, extra={"billing": "usage"}), str(uuid.uuid4()))
    assert tenant.subscriptions[0].seats is None and tenant.status is TenantStatus.ACTIVE
    assert state(sandbox).companies[tenant.external_id].licence.reservedSlots == 0


def test_it_creates_a_partner_trial_without_slots_or_flags_and_under_a_parent(sandbox, adapter):
    msp = adapter.create_tenant(
        spec(trial=True, extra={"company_type": "partner", "state": "GB-LND", "industry": "30"}),
        str(uuid.uuid4()),
    )
    company = state(sandbox).companies[msp.external_id]
    assert company.licence.subscriptionType == 4 and company.licence.reservedSlots == 0
    assert company.type == 0 and company.state == "GB-LND" and company.industry == 30
    child = adapter.create_tenant(
        spec(extra={"parent_external_id": msp.external_id}), str(uuid.uuid4())
    )
    assert child.parent_external_id == msp.external_id  # known from the create, parentId or not


def test_it_refuses_an_option_value_outside_its_declaration_before_any_call(sandbox, adapter):
    with pytest.raises(VendorBadRequest) as caught:
        adapter.create_tenant(spec(extra={"billing": "monthly", "color": "red"}), "k")
    assert set(caught.value.field_errors) == {"billing", "color"}
    assert sandbox.journal.entries(VENDOR) == []


@pytest.mark.parametrize("variant", LISTING_READINGS, ids=lambda v: str(v) or "default")
def test_it_lists_past_the_search_cap_with_names_sharing_long_prefixes(sandbox, variant):
    sandbox.set_variant(VENDOR, **variant)
    sandbox.reset([VENDOR], seed_tenants=20)
    adapter = unthrottled_adapter(sandbox)
    for index in range(230):
        adapter.create_tenant(spec(name=f"Acme Shared Prefix {index:03d}"), str(index))
    tenants = [t for page in adapter.iter_tenant_pages() for t in page]
    expected = {t["id"] for t in sandbox.sandboxes[VENDOR].snapshot()["tenants"]}
    assert len(tenants) == len(expected) == 250
    assert {t.external_id for t in tenants} == expected


def test_it_finds_a_company_by_reference_when_its_name_is_beyond_the_cap(sandbox):
    sandbox.set_variant(VENDOR, companies_list="served")
    adapter = unthrottled_adapter(sandbox)
    for index in range(101):
        adapter.create_tenant(spec(name=f"Crowded {index:03d}"), str(index))
    wanted = spec(name="Crowded")
    created = adapter.create_tenant(wanted, "k")
    found = adapter.find_tenant(wanted.reference, wanted.name)
    assert found is not None and found.external_id == created.external_id


def test_it_never_creates_twice_a_company_the_documented_search_cannot_reach(sandbox):
    """Without getCompaniesList, a name with over 100 longer namesakes answered before it is
    out of reach (listing.py); createCompany's unique name still refuses a second one."""
    adapter = unthrottled_adapter(sandbox)
    for index in range(101):
        adapter.create_tenant(spec(name=f"Crowded {index:03d}"), str(index))
    wanted = spec(name="Crowded")
    adapter.create_tenant(wanted, "k")
    with pytest.raises(VendorConflict):
        adapter.create_tenant(wanted, "k")
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 102


def test_it_sets_the_subscription_on_the_companies_api_when_licensing_has_no_such_method(sandbox):
    sandbox.set_variant(VENDOR, subscription_api="companies")
    adapter = make_adapter(sandbox, VENDOR)
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=14), "k")
    adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=15), "k")
    paths = [e.path for e in sandbox.journal.entries(VENDOR) if e.write]
    assert paths.count("/api/v1.0/jsonrpc/licensing") == 1  # asked once, then remembered
    assert adapter.get_tenant(tenant.external_id).subscriptions[0].seats == 15


def test_it_keeps_sandbox_analyzer_when_edr_goes_off_whatever_the_rule_does(sandbox):
    sandbox.set_variant(VENDOR, edr_rule="edr_wins")
    adapter = make_adapter(sandbox, VENDOR)
    tenant = adapter.create_tenant(spec(addons=(EDR,)), str(uuid.uuid4()))
    changed = adapter.change_subscription(tenant.external_id, SubscriptionChange(addons=(SA,)), "k")
    assert changed.subscriptions[0].addons == (SA,)


def test_it_resumes_with_the_company_id_alone_when_recursive_is_refused(sandbox):
    sandbox.set_variant(VENDOR, activate_params="company_only")
    adapter = make_adapter(sandbox, VENDOR)
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    adapter.suspend(tenant.external_id)
    assert adapter.resume(tenant.external_id).status is TenantStatus.ACTIVE
    assert sandbox.journal.count_actions(VENDOR, "resume") == 1


def test_it_never_lists_the_keys_own_company(sandbox):
    sandbox.set_variant(VENDOR, own_in_find="included")
    adapter = make_adapter(sandbox, VENDOR)
    own = sandbox.sandboxes[VENDOR].snapshot()["root_company_id"]
    assert own not in {t.external_id for t in adapter.iter_tenants()}
