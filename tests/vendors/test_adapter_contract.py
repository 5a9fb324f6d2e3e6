"""One contract, every adapter: the same tests run over real HTTP against each vendor sandbox."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.sandbox_fixtures import make_adapter
from tests.vendors.options import required_options
from tests.vendors.variants import vendor_variant_params
from vendors.errors import VendorAuthError, VendorTransientError, VendorUnsupported
from vendors.ratelimit import RateLimit
from vendors.registry import ADAPTERS, get_adapter_class
from vendors.types import (
    Capability,
    Contact,
    ProductKind,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
    VendorProduct,
    VendorTenant,
    VendorUsage,
)

VENDORS = list(ADAPTERS)
#: More tenants than any vendor here puts in one answer (pages and name searches stop at 100).
PAST_THE_CAP = 130
pytestmark = pytest.mark.parametrize(("vendor", "variant"), vendor_variant_params(VENDORS))


@pytest.fixture(autouse=True)
def _sandbox_reading(sandbox, vendor, variant):
    """Each test runs against every reading of the vendor's open points (see variants.py)."""
    if variant:
        sandbox.set_variant(vendor, **variant)


def base_product(adapter, trial: bool = False) -> VendorProduct:
    products = [p for p in adapter.list_products() if p.kind is not ProductKind.ADDON]
    if trial:
        products = [p for p in products if p.trial_available]
    assert products, "the sandbox catalog has a product to sell"
    return products[0]


def spec_for(adapter, *, trial: bool = False, seats: int = 5) -> TenantSpec:
    suffix = uuid.uuid4().hex[:8]
    return TenantSpec(
        name=f"Contract Test {suffix}",
        reference=f"CP-{suffix}",
        product_code=base_product(adapter, trial).code,
        seats=seats,
        trial=trial,
        contact=Contact(email=f"ops-{suffix}@example.com", first_name="Ada", last_name="Ops"),
        extra=required_options(type(adapter)),
    )


def assert_named_for(tenant: VendorTenant, spec: TenantSpec) -> None:
    """Named as asked, or, where the vendor keeps no company name (Egnyte: a domain is its own
    name), by the identifier the adapter derived from that name."""
    letters = re.sub(r"[^a-z0-9]", "", spec.name.lower())
    assert tenant.name == spec.name or letters in tenant.name


def main_subscription(tenant: VendorTenant):
    assert tenant.subscriptions, f"{tenant.external_id} has a subscription"
    return tenant.subscriptions[0]


def require(vendor: str, cap: Capability) -> None:
    if not get_adapter_class(vendor).supports(cap):
        pytest.skip(f"{vendor} does not support {cap}")


def test_it_lists_the_catalog(sandbox, vendor):
    products = make_adapter(sandbox, vendor).list_products()
    assert products and all(isinstance(p, VendorProduct) and p.code for p in products)


def test_it_iterates_more_tenants_than_a_page_exactly_once(sandbox, vendor):
    sandbox.reset([vendor], seed_tenants=45)
    sandbox.set_rate_limit(vendor, None)  # paging is tested here, the rate elsewhere
    adapter = make_adapter(sandbox, vendor)
    adapter.rate_limit = RateLimit()
    if hasattr(adapter, "page_size") and adapter.page_size > 10:
        adapter.page_size = 10
    pages = list(adapter.iter_tenant_pages())
    ids = [t.external_id for page in pages for t in page]
    assert len(pages) > 1
    assert len(ids) == len(set(ids))
    assert len(ids) == len(sandbox.sandboxes[vendor].snapshot()["tenants"])


def test_it_lists_more_tenants_than_one_answer_holds_exactly_once(sandbox, vendor):
    sandbox.reset([vendor], seed_tenants=PAST_THE_CAP)
    sandbox.set_rate_limit(vendor, None)  # hundreds of calls: the rate is tested elsewhere
    adapter = make_adapter(sandbox, vendor)
    adapter.rate_limit = RateLimit()
    ids = [t.external_id for t in adapter.iter_tenants()]
    assert len(ids) == len(set(ids)) == len(sandbox.sandboxes[vendor].snapshot()["tenants"])
    assert len(ids) >= PAST_THE_CAP


def test_it_creates_a_tenant_and_reads_it_back(sandbox, vendor):
    adapter = make_adapter(sandbox, vendor)
    spec = spec_for(adapter)
    created = adapter.create_tenant(spec, idempotency_key=str(uuid.uuid4()))
    fetched = adapter.get_tenant(created.external_id)
    assert fetched.external_id == created.external_id
    assert fetched.name == created.name
    assert_named_for(fetched, spec)
    assert fetched.status in (TenantStatus.ACTIVE, TenantStatus.PENDING)
    # None: the vendor's documents carry no seat count (Redstor bills consumption).
    assert main_subscription(fetched).seats in (spec.seats, None)
    assert adapter.find_tenant(spec.reference, spec.name).external_id == created.external_id


def test_it_creates_once_for_one_idempotency_key(sandbox, vendor):
    adapter = make_adapter(sandbox, vendor)
    spec, key = spec_for(adapter), str(uuid.uuid4())
    first = adapter.create_tenant(spec, idempotency_key=key)
    second = adapter.create_tenant(spec, idempotency_key=key)
    assert first.external_id == second.external_id
    assert sandbox.journal.count_actions(vendor, "create_tenant") == 1


def test_it_changes_seats(sandbox, vendor):
    require(vendor, Capability.CHANGE_SEATS)
    adapter = make_adapter(sandbox, vendor)
    tenant = adapter.create_tenant(spec_for(adapter, seats=5), idempotency_key=str(uuid.uuid4()))
    sub = main_subscription(tenant)
    change = SubscriptionChange(subscription_id=sub.external_id, seats=12)
    try:
        changed = adapter.change_subscription(tenant.external_id, change, str(uuid.uuid4()))
    except VendorUnsupported as refused:
        # An undocumented call the vendor refused (Redstor's PATCH): said so, nothing changed.
        assert refused.status in (404, 405) and refused.message
        assert sandbox.journal.count_actions(vendor, "change_seats") == 0
        return
    expected = 12 if sub.seats is not None else None  # a vendor that shows no seat count
    assert main_subscription(changed).seats == expected
    assert main_subscription(adapter.get_tenant(tenant.external_id)).seats == expected
    assert sandbox.journal.count_actions(vendor, "change_seats") == 1


def test_it_suspends_and_resumes(sandbox, vendor):
    require(vendor, Capability.SUSPEND)
    adapter = make_adapter(sandbox, vendor)
    tenant = adapter.create_tenant(spec_for(adapter), idempotency_key=str(uuid.uuid4()))
    assert adapter.suspend(tenant.external_id).status is TenantStatus.SUSPENDED
    assert adapter.get_tenant(tenant.external_id).status is TenantStatus.SUSPENDED
    require(vendor, Capability.RESUME)
    assert adapter.resume(tenant.external_id).status is TenantStatus.ACTIVE


def test_it_cancels(sandbox, vendor):
    require(vendor, Capability.CANCEL)
    adapter = make_adapter(sandbox, vendor)
    tenant = adapter.create_tenant(spec_for(adapter), idempotency_key=str(uuid.uuid4()))
    cancelled = adapter.cancel(tenant.external_id, main_subscription(tenant).external_id)
    after = adapter.get_tenant(cancelled.external_id)
    assert after.status is TenantStatus.CANCELLED or all(
        s.status is SubscriptionStatus.CANCELLED for s in after.subscriptions
    )


def test_it_converts_a_trial(sandbox, vendor):
    require(vendor, Capability.CONVERT_TRIAL)
    adapter = make_adapter(sandbox, vendor)
    tenant = adapter.create_tenant(spec_for(adapter, trial=True), str(uuid.uuid4()))
    assert main_subscription(tenant).is_trial
    converted = adapter.convert_trial(
        tenant.external_id, main_subscription(tenant).external_id, idempotency_key=str(uuid.uuid4())
    )
    assert not main_subscription(converted).is_trial
    assert main_subscription(converted).status is SubscriptionStatus.ACTIVE


def assert_usage_of(usage: list[VendorUsage], tenant: VendorTenant, period: dt.date) -> None:
    assert usage and all(isinstance(u, VendorUsage) for u in usage)
    assert {u.period for u in usage} == {period}
    assert all(u.tenant_external_id == tenant.external_id and u.vendor_field for u in usage)
    keys = [(u.subscription_external_id, u.metric) for u in usage]
    assert len(keys) == len(set(keys)), "one figure per subscription and metric"


def test_it_reads_usage_for_the_current_month(sandbox, vendor):
    require(vendor, Capability.USAGE)
    adapter = make_adapter(sandbox, vendor)
    tenant = next(t for t in adapter.iter_tenants() if t.status is TenantStatus.ACTIVE)
    this_month = dt.date.today().replace(day=1)
    assert_usage_of(adapter.get_usage(tenant.external_id, this_month), tenant, this_month)


def test_it_reads_usage_for_a_past_month(sandbox, vendor):
    """A vendor without usage history (``usage_history``) never books today's figures to a
    past month: it answers that month, or refuses with a reason."""
    require(vendor, Capability.USAGE)
    adapter = make_adapter(sandbox, vendor)
    tenant = next(t for t in adapter.iter_tenants() if t.status is TenantStatus.ACTIVE)
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if not adapter.usage_history:
        try:
            usage = adapter.get_usage(tenant.external_id, last_month)
        except VendorUnsupported as refused:
            assert "past month" in refused.message
            return
    else:
        usage = adapter.get_usage(tenant.external_id, last_month)
    assert_usage_of(usage, tenant, last_month)


def test_it_raises_auth_error_for_wrong_credentials(sandbox, vendor):
    sandbox_state = sandbox.sandboxes[vendor]
    adapter_class = get_adapter_class(vendor)
    adapter = adapter_class(sandbox.vendor_url(vendor), sandbox_state.invalid_credentials())
    with pytest.raises(VendorAuthError):
        adapter.test_connection()


def test_it_waits_out_a_429_with_retry_after_on_a_read(sandbox, vendor):
    adapter = make_adapter(sandbox, vendor)
    adapter.test_connection()  # tokens fetched before the fault is armed
    sandbox.set_faults(vendor, throttle_rate=1.0, max_faults=1, retry_after=1)
    since = sandbox.journal.last_seq
    assert next(iter(adapter.iter_tenant_pages()))
    # Only the answers that came from the vendor's API count; a gateway's own rate refusal
    # (Egnyte's 2 calls/s) may land in between and is waited out too.
    entries = [
        e for e in sandbox.journal.entries(vendor, since=since) if e.outcome != "rate_limited"
    ]
    assert entries[0].outcome == "fault:throttle" and entries[-1].outcome == "ok"
    assert entries[1].ts - entries[0].ts >= 0.9  # Retry-After: 1 was honoured


def test_it_raises_a_5xx_on_a_write_without_retrying(sandbox, vendor):
    adapter = make_adapter(sandbox, vendor)
    adapter.test_connection()
    spec = spec_for(adapter)
    sandbox.set_faults(vendor, error_rate=1.0, only_writes=True, max_faults=1)
    since = sandbox.journal.last_seq
    with pytest.raises(VendorTransientError):
        adapter.create_tenant(spec, idempotency_key=str(uuid.uuid4()))
    # Writes the vendor's gateway refused for rate never reached it (Egnyte resends those).
    writes = [
        e
        for e in sandbox.journal.entries(vendor, since=since)
        if e.write and e.outcome != "rate_limited"
    ]
    assert [e.outcome for e in writes] == ["fault:error"]
    assert sandbox.journal.count_actions(vendor, "create_tenant") == 0


def test_it_resends_a_write_the_vendor_throttled_unprocessed(sandbox, vendor):
    adapter = make_adapter(sandbox, vendor)
    adapter.test_connection()
    spec = spec_for(adapter)
    sandbox.set_faults(vendor, throttle_rate=1.0, only_writes=True, max_faults=1, retry_after=1)

    created = adapter.create_tenant(spec, idempotency_key=str(uuid.uuid4()))

    assert_named_for(adapter.get_tenant(created.external_id), spec)
    assert "fault:throttle" in [e.outcome for e in sandbox.journal.entries(vendor) if e.write]
    assert sandbox.journal.count_actions(vendor, "create_tenant") == 1


def test_it_refuses_unsupported_capabilities(sandbox, vendor):
    adapter = make_adapter(sandbox, vendor)
    calls = {
        Capability.SUSPEND: lambda: adapter.suspend("any"),
        Capability.RESUME: lambda: adapter.resume("any"),
        Capability.CANCEL: lambda: adapter.cancel("any"),
        Capability.CONVERT_TRIAL: lambda: adapter.convert_trial("any"),
        Capability.CHANGE_ADDONS: lambda: adapter.change_subscription(
            "any", SubscriptionChange(addons=("x",)), "k"
        ),
        Capability.CHANGE_PLAN: lambda: adapter.change_subscription(
            "any", SubscriptionChange(product_code="x"), "k"
        ),
    }
    missing = [cap for cap in calls if not adapter.supports(cap)]
    if not missing:
        pytest.skip(f"{vendor} supports every capability")
    for cap in missing:
        with pytest.raises(VendorUnsupported):
            calls[cap]()
    assert sandbox.journal.entries(vendor) == []
