"""EgnyteAdapter against the sandbox over real HTTP: auth, errors, mapping, idempotent writes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from tests.sandbox_fixtures import make_adapter
from vendors.egnyte.adapter import EgnyteAdapter, domain_name
from vendors.egnyte.webhooks import EVENT_TYPES
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorNotFound,
    VendorOutcomeUnknown,
    VendorTransientError,
    VendorUnsupported,
)
from vendors.ratelimit import InProcessRateLimiter, RateLimit
from vendors.types import (
    Contact,
    Metric,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
)

from .conftest import reseed

THIS_MONTH = dt.date.today().replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def adapter(sandbox) -> EgnyteAdapter:
    return make_adapter(sandbox, "egnyte", rate_limiter=InProcessRateLimiter())


@pytest.fixture
def fast_adapter(sandbox, unthrottled) -> EgnyteAdapter:
    """For tests about something other than rates: no client or server limit."""
    adapter = make_adapter(sandbox, "egnyte", rate_limiter=InProcessRateLimiter())
    adapter.rate_limit = RateLimit()
    return adapter


def spec(name: str = "", *, trial: bool = False, seats: int = 4, plan: str = "1") -> TenantSpec:
    suffix = uuid.uuid4().hex[:6]
    return TenantSpec(
        name=name or f"Adapter Test {suffix}",
        reference=f"CP-{suffix}",
        product_code=plan,
        seats=seats,
        trial=trial,
        contact=Contact(email="it@adapter-test.example", first_name="Ada", last_name="Test"),
    )


def egnyte_calls(sandbox, since: int = 0) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in sandbox.journal.entries("egnyte", since=since)]


# -- auth and errors -----------------------------------------------------------------------------


def test_it_authenticates_every_call_with_the_bearer_token_and_no_token_call(sandbox, adapter):
    adapter.test_connection()
    assert egnyte_calls(sandbox) == [("GET", "/pubapi/v1/msp/plans")]
    assert [e.outcome for e in sandbox.journal.entries("egnyte")] == ["ok"]


def test_it_treats_a_401_as_an_auth_error_without_retrying(sandbox):
    state = sandbox.sandboxes["egnyte"]
    adapter = EgnyteAdapter(sandbox.vendor_url("egnyte"), state.invalid_credentials())
    with pytest.raises(VendorAuthError) as caught:
        adapter.test_connection()
    assert caught.value.status == 401 and caught.value.body["code"] == "authentication_failed"
    assert len(sandbox.journal.entries("egnyte")) == 1


def test_it_treats_a_403_without_a_mashery_code_as_an_auth_error(sandbox):
    state = sandbox.sandboxes["egnyte"]
    adapter = EgnyteAdapter(sandbox.vendor_url("egnyte"), {"access_token": state.no_access_token})
    with pytest.raises(VendorAuthError) as caught:
        adapter.test_connection()
    assert caught.value.message == "MSP API access is not enabled for this key."


def test_it_resends_a_throttled_write_after_retry_after_and_creates_once(sandbox, fast_adapter):
    sandbox.set_faults("egnyte", throttle_rate=1.0, only_writes=True, max_faults=1, retry_after=1)
    tenant = fast_adapter.create_tenant(spec(), str(uuid.uuid4()))
    writes = [e for e in sandbox.journal.entries("egnyte") if e.write]
    assert [e.outcome for e in writes][:2] == ["fault:throttle", "ok"]
    assert writes[1].ts - writes[0].ts >= 0.9
    assert sandbox.journal.count_actions("egnyte", "create_tenant") == 1
    assert tenant.status is TenantStatus.ACTIVE


def test_it_gives_up_at_once_when_the_daily_quota_is_spent(sandbox, fast_adapter):
    sandbox.sandboxes["egnyte"].rate_limit_per_day = 1
    fast_adapter.test_connection()
    with pytest.raises(VendorTransientError) as caught:
        fast_adapter.test_connection()
    assert caught.value.status == 403 and caught.value.retry_after == 3600
    assert len(sandbox.journal.entries("egnyte")) == 2  # an hour is not waited out in-process


def test_it_maps_validation_errors_with_their_fields(fast_adapter):
    with pytest.raises(VendorBadRequest) as caught:
        fast_adapter.create_tenant(spec(plan="20202"), str(uuid.uuid4()))
    assert caught.value.field_errors == {"id": ["Only Connect plans are available here."]}


def test_it_raises_not_found_for_a_missing_or_malformed_external_id(sandbox, fast_adapter):
    with pytest.raises(VendorNotFound):
        fast_adapter.get_tenant("domain:nosuchdomain")
    with pytest.raises(VendorNotFound):
        fast_adapter.get_tenant("nosuchkind:x")


# -- reads and mapping ---------------------------------------------------------------------------


def test_it_lists_domains_then_protect_tenants_as_the_sandbox_has_them(sandbox, fast_adapter):
    snapshot = reseed(sandbox, 30).snapshot()["tenants"]
    tenants = list(fast_adapter.iter_tenants())
    assert [t.external_id for t in tenants] == [t["external_id"] for t in snapshot]
    for tenant, expected in zip(tenants, snapshot, strict=True):
        sub, want = tenant.subscriptions[0], expected["subscriptions"][0]
        assert tenant.name == expected["name"]
        assert (sub.product_code, sub.seats, sub.seats_used) == (
            want["product_code"],
            want["seats"],
            want["seats_used"],
        )
        assert sub.addons == tuple(want["addons"])
        assert tenant.raw["status"] == expected["status"]


@pytest.mark.parametrize(
    ("raw", "tenant_status", "subscription_status"),
    [
        ("active", TenantStatus.ACTIVE, SubscriptionStatus.ACTIVE),
        ("trial", TenantStatus.TRIAL, SubscriptionStatus.TRIAL),
        ("on hold", TenantStatus.SUSPENDED, SubscriptionStatus.SUSPENDED),
        ("locked", TenantStatus.SUSPENDED, SubscriptionStatus.SUSPENDED),
        ("reseller manual locked", TenantStatus.SUSPENDED, SubscriptionStatus.SUSPENDED),
        ("cc declined", TenantStatus.SUSPENDED, SubscriptionStatus.SUSPENDED),
        ("trial expired", TenantStatus.SUSPENDED, SubscriptionStatus.EXPIRED),
        ("cancelled", TenantStatus.CANCELLED, SubscriptionStatus.CANCELLED),
        ("frozen by aliens", TenantStatus.UNKNOWN, SubscriptionStatus.UNKNOWN),
    ],
)
def test_it_maps_every_egnyte_status_through_the_table(
    sandbox, fast_adapter, raw, tenant_status, subscription_status
):
    state = sandbox.sandboxes["egnyte"].state
    protect = next(iter(state.tenants.values()))
    protect.status = raw
    tenant = fast_adapter.get_tenant(f"protect:{protect.tenant}")
    assert tenant.status is tenant_status
    assert tenant.subscriptions[0].status is subscription_status
    assert tenant.subscriptions[0].is_trial is (raw in ("trial", "trial expired"))
    assert tenant.raw["status"] == raw


def test_it_maps_domain_usage_to_exactly_the_sandbox_figures(sandbox, fast_adapter):
    domain = next(d for d in sandbox.sandboxes["egnyte"].state.domains.values())
    usage = fast_adapter.get_usage(f"domain:{domain.domain}", dt.date.today())
    assert {(u.metric, u.vendor_field, u.quantity) for u in usage} == {
        (Metric.POWER_USERS, "usedPuLicences", Decimal(domain.power_used)),
        (Metric.SEATS_PURCHASED, "availablePuLicences", Decimal(domain.power_users)),
        (Metric.STANDARD_USERS, "usedSuLicences", Decimal(domain.standard_used)),
        (Metric.STORAGE_GB, "usedStorage", Decimal(domain.storage_used)),
    }
    assert {u.period for u in usage} == {THIS_MONTH}
    assert {u.unit for u in usage} == {"users", "seats", "GB"}


def test_it_maps_protect_content_under_protection_to_storage_gb(sandbox, fast_adapter):
    tenant = next(iter(sandbox.sandboxes["egnyte"].state.tenants.values()))
    sandbox.sandboxes["egnyte"].set_usage(f"protect:{tenant.tenant}", THIS_MONTH, {"cupUsed": 777})
    usage = fast_adapter.get_usage(f"protect:{tenant.tenant}", THIS_MONTH)
    assert [(u.metric, u.vendor_field, u.quantity) for u in usage] == [
        (Metric.STORAGE_GB, "cupUsed", Decimal(777))
    ]


def test_it_declares_that_egnyte_cannot_answer_for_a_past_month():
    assert EgnyteAdapter.usage_history is False


def test_it_refuses_an_answer_that_ignored_the_month(sandbox, fast_adapter):
    """Default reading: ``?month=`` is not documented, so the answer is today's figures."""
    domain = next(d for d in sandbox.sandboxes["egnyte"].state.domains.values())
    with pytest.raises(VendorUnsupported, match="past month cannot be read") as refused:
        fast_adapter.get_usage(f"domain:{domain.domain}", LAST_MONTH)
    assert refused.value.body["usedPuLicences"] == domain.power_used  # today's, not booked


def test_it_reads_a_past_month_only_from_an_answer_that_names_it(sandbox, fast_adapter):
    sandbox.set_variant("egnyte", usage_month="honoured")
    state = sandbox.sandboxes["egnyte"].state
    domain = next(d for d in state.domains.values() if d.status == "active")
    figures = domain.history[LAST_MONTH.strftime("%Y-%m")]
    usage = fast_adapter.get_usage(f"domain:{domain.domain}", LAST_MONTH)
    assert {(u.vendor_field, u.quantity) for u in usage} >= {
        ("usedPuLicences", Decimal(figures["usedPuLicences"]))
    }
    assert {u.period for u in usage} == {LAST_MONTH}
    assert fast_adapter.get_usage(f"domain:{domain.domain}", dt.date(2001, 1, 1)) == []


def test_it_reads_the_current_month_from_the_listings_a_tenth_of_a_call_per_tenant(
    sandbox, fast_adapter
):
    egnyte = reseed(sandbox, 45)
    since = sandbox.journal.last_seq
    units = [f"domain:{d}" for d in egnyte.state.domains] + [
        f"protect:{t}" for t in egnyte.state.tenants
    ]
    for external_id in units:
        assert fast_adapter.get_usage(external_id, THIS_MONTH)
    pages = -(-len(egnyte.state.domains) // 10) + -(-len(egnyte.state.tenants) // 10)
    assert len(egnyte_calls(sandbox, since)) == pages <= len(units) / 10 + 2


def test_it_reads_live_figures_for_the_current_month(sandbox, fast_adapter):
    state = sandbox.sandboxes["egnyte"].state
    domain = next(d for d in state.domains.values() if d.status == "active")
    usage = fast_adapter.get_usage(f"domain:{domain.domain}", dt.date.today())
    by_field = {u.vendor_field: u.quantity for u in usage}
    assert by_field["usedPuLicences"] == domain.power_used
    assert {u.period for u in usage} == {dt.date.today().replace(day=1)}


def test_it_lists_connect_plans_first_and_packages_as_addons(fast_adapter):
    products = fast_adapter.list_products()
    bases = [p for p in products if p.kind == "base"]
    assert [p.trial_available for p in bases] == [True, True, True, False]
    assert [p.code for p in bases][-1] == "20202"
    assert {p.code for p in products if p.kind == "addon"} == {
        "advanced_security",
        "storage_sync",
        "extra_storage_1tb",
    }


# -- creation: idempotency and ownership ---------------------------------------------------------


def test_it_names_the_domain_after_the_customer_and_a_hash_of_the_reference():
    name = domain_name("Acme Widgets & Sons Ltd.", "CP-000123")
    assert name.startswith("acmewidgetssonsltd-") and len(name) == len("acmewidgetssonsltd-") + 8
    assert name == domain_name("Acme Widgets & Sons Ltd.", "CP-000123")
    assert name != domain_name("Acme Widgets & Sons Ltd.", "CP-000124")
    assert len(domain_name("x" * 200, "CP-1")) == 50


def test_it_creates_a_trial_without_activating_it(sandbox, fast_adapter):
    tenant = fast_adapter.create_tenant(spec(trial=True, seats=3), str(uuid.uuid4()))
    assert tenant.status is TenantStatus.TRIAL
    assert tenant.subscriptions[0].is_trial and tenant.subscriptions[0].seats == 3
    assert sandbox.journal.count_actions("egnyte", "convert_trial") == 0


def test_it_finds_its_tenant_on_a_retry_after_a_lost_answer(sandbox, fast_adapter):
    wanted, key = spec(), str(uuid.uuid4())
    sandbox.set_faults("egnyte", apply_then_drop_rate=1.0, path_contains="/trials/", max_faults=1)
    with pytest.raises(VendorOutcomeUnknown):
        fast_adapter.create_tenant(wanted, key)
    tenant = fast_adapter.create_tenant(wanted, key)
    assert tenant.status is TenantStatus.ACTIVE and tenant.reference == wanted.reference
    assert sandbox.journal.count_actions("egnyte", "create_tenant") == 1
    assert sandbox.journal.count_actions("egnyte", "convert_trial") == 1


def test_it_finishes_a_half_done_create_on_retry(sandbox, fast_adapter):
    wanted, key = spec(), str(uuid.uuid4())
    sandbox.set_faults("egnyte", error_rate=1.0, path_contains="/activate/", max_faults=1)
    with pytest.raises(VendorTransientError):
        fast_adapter.create_tenant(wanted, key)
    assert fast_adapter.find_tenant(wanted.reference, wanted.name).status is TenantStatus.TRIAL
    tenant = fast_adapter.create_tenant(wanted, key)
    assert tenant.status is TenantStatus.ACTIVE
    assert sandbox.journal.count_actions("egnyte", "create_tenant") == 1
    assert sandbox.journal.count_actions("egnyte", "convert_trial") == 1


def test_it_refuses_a_domain_name_owned_by_another_egnyte_account(sandbox, fast_adapter):
    wanted = spec("Reserved Name Co")
    sandbox.sandboxes["egnyte"].reserve_domain(domain_name(wanted.name, wanted.reference))
    with pytest.raises(VendorConflict, match="another Egnyte account"):
        fast_adapter.create_tenant(wanted, str(uuid.uuid4()))
    assert sandbox.journal.count_actions("egnyte") == 0


def test_it_names_the_tenant_by_its_domain_since_no_schema_carries_a_company_name(
    sandbox, fast_adapter
):
    wanted = spec("Named Co")
    tenant = fast_adapter.create_tenant(wanted, str(uuid.uuid4()))
    assert tenant.name == domain_name(wanted.name, wanted.reference) == tenant.external_id[7:]
    assert "companyName" not in EgnyteAdapter._trial_body(wanted, 1)  # in no documented schema


def test_it_adopts_its_own_domain_on_another_plan_instead_of_a_conflict(sandbox, fast_adapter):
    """A create that succeeded is never reported as a conflict: the suffix makes it ours."""
    first = spec("Plan Change Ltd", plan="1")
    created = fast_adapter.create_tenant(first, str(uuid.uuid4()))
    again = fast_adapter.create_tenant(TenantSpec(**{**first.__dict__, "product_code": "2"}), "k2")
    assert again.external_id == created.external_id
    assert sandbox.journal.count_actions("egnyte", "create_tenant") == 1


def test_it_finds_a_renamed_customers_domain_by_the_reference_suffix(sandbox, fast_adapter):
    wanted = spec("Old Name Ltd")
    created = fast_adapter.create_tenant(wanted, str(uuid.uuid4()))
    assert fast_adapter.find_tenant(wanted.reference, "New Name Ltd") is None
    found = fast_adapter.find_tenant(wanted.reference)
    assert found.external_id == created.external_id and found.reference == wanted.reference


def test_it_sends_the_create_options_in_the_trial_call(sandbox, fast_adapter):
    options = {
        "storage_gb": 250,
        "region": "eu",
        "admin_username": "boss@example.com",
        "admin_first_name": "Grace",
        "admin_last_name": "Hopper",
    }
    wanted = TenantSpec(**{**spec(trial=True).__dict__, "extra": options})
    tenant = fast_adapter.create_tenant(wanted, str(uuid.uuid4()))
    domain = sandbox.sandboxes["egnyte"].state.domains[tenant.name]
    assert (domain.storage_allocated, domain.region) == (250, "eu")
    assert domain.admin == {
        "username": "boss@example.com",
        "firstName": "Grace",
        "lastName": "Hopper",
    }
    assert {o.name for o in EgnyteAdapter.create_options} == set(options)


@pytest.mark.parametrize(
    ("options", "field"),
    [({"region": "mars"}, "region"), ({"storage_gb": 0}, "storage_gb")],
)
def test_it_refuses_a_bad_spec_before_any_call(sandbox, fast_adapter, options, field):
    wanted = TenantSpec(**{**spec().__dict__, "extra": options})
    with pytest.raises(VendorBadRequest) as refused:
        fast_adapter.create_tenant(wanted, str(uuid.uuid4()))
    assert field in refused.value.field_errors
    assert sandbox.journal.entries("egnyte") == []


# -- seats and trial conversion ------------------------------------------------------------------


def test_it_buys_the_pool_shortfall_then_allocates(sandbox, fast_adapter):
    egnyte = sandbox.sandboxes["egnyte"]
    tenant = fast_adapter.create_tenant(spec(seats=5), str(uuid.uuid4()))
    plan = egnyte.state.plans[1]
    plan.pool = egnyte.state.allocated(1)  # no spare power users left
    pool_before = plan.pool
    changed = fast_adapter.change_subscription(
        tenant.external_id, SubscriptionChange(seats=12), str(uuid.uuid4())
    )
    assert changed.subscriptions[0].seats == 12
    assert plan.pool == pool_before + 7
    assert sandbox.journal.count_actions("egnyte", "purchase_power_users") == 1
    assert sandbox.journal.count_actions("egnyte", "change_seats") == 1


def test_it_repeats_a_seat_change_without_a_second_change(sandbox, fast_adapter):
    tenant = fast_adapter.create_tenant(spec(seats=5), str(uuid.uuid4()))
    change = SubscriptionChange(seats=9)
    fast_adapter.change_subscription(tenant.external_id, change, "same-key")
    fast_adapter.change_subscription(tenant.external_id, change, "same-key")
    assert sandbox.journal.count_actions("egnyte", "change_seats") == 1


def test_it_converts_a_trial_once_and_keeps_its_seats(sandbox, fast_adapter):
    tenant = fast_adapter.create_tenant(spec(trial=True, seats=6), str(uuid.uuid4()))
    converted = fast_adapter.convert_trial(tenant.external_id)
    again = fast_adapter.convert_trial(tenant.external_id)
    assert converted.status is again.status is TenantStatus.ACTIVE
    assert converted.subscriptions[0].seats == 6
    assert sandbox.journal.count_actions("egnyte", "convert_trial") == 1


def test_it_refuses_seats_and_conversion_for_protect_tenants_without_a_call(sandbox, fast_adapter):
    protect = next(iter(sandbox.sandboxes["egnyte"].state.tenants))
    with pytest.raises(VendorUnsupported):
        fast_adapter.change_subscription(f"protect:{protect}", SubscriptionChange(seats=3), "k")
    with pytest.raises(VendorUnsupported):
        fast_adapter.convert_trial(f"protect:{protect}")
    assert sandbox.journal.entries("egnyte") == []


# -- webhooks ------------------------------------------------------------------------------------


def test_it_registers_its_receiver_once_and_revives_a_disabled_one(sandbox, fast_adapter):
    url = "https://portal.example/hooks/egnyte/1"
    first = fast_adapter.ensure_webhook(url, ["USER_ADDED"], "X-Portal-Token", "tok-123456")
    state = sandbox.sandboxes["egnyte"].state
    state.webhooks[first["webhook_id"]].status = "disabled"
    second = fast_adapter.ensure_webhook(
        url, ["USER_ADDED", "RESELLER_MRR_CHANGED"], "X-Portal-Token", "tok-123456"
    )
    assert second == {"webhook_id": first["webhook_id"], "status": "enabled"}
    hooks = fast_adapter.list_webhooks()
    assert [h["event_types"] for h in hooks] == [["USER_ADDED", "RESELLER_MRR_CHANGED"]]
    fast_adapter.delete_webhook(first["webhook_id"])
    assert fast_adapter.list_webhooks() == []


def test_it_turns_a_delivery_into_a_vendor_event_for_the_portal():
    body = b'{"event_type": "RESELLER_MRR_CHANGED", "domain_name": "acme-1a2b3c4d", "mrr": "40.00"}'
    event = EgnyteAdapter.parse_webhook(body)
    assert (event.event_type, event.tenant_external_id) == (
        "RESELLER_MRR_CHANGED",
        "domain:acme-1a2b3c4d",
    )
    assert event.event_id == EgnyteAdapter.parse_webhook(body).event_id
    assert event.raw["mrr"] == "40.00"
    with pytest.raises(ValueError):
        EgnyteAdapter.parse_webhook(b"not json")


def test_it_subscribes_to_the_tenant_events_egnyte_documents():
    assert set(EgnyteAdapter.webhook_event_types) <= set(EVENT_TYPES)
    assert "RESELLER_MRR_CHANGED" in EgnyteAdapter.webhook_event_types
