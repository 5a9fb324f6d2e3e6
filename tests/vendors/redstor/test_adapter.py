"""Redstor-specific adapter behaviour against the sandbox: auth flow, mapping, idempotent create."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.sandbox_fixtures import make_adapter
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorNotFound,
    VendorOutcomeUnknown,
    VendorUnsupported,
)
from vendors.redstor.adapter import REAL_TOKEN_URL, USAGE_MAP, RedstorAdapter
from vendors.sandbox.seeding import last_months
from vendors.types import (
    Capability,
    Contact,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
)

V = "redstor"


def box(server):
    return server.sandboxes[V]


def snapshot_tenant(server, external_id: str) -> dict:
    return next(t for t in box(server).snapshot()["tenants"] if t["external_id"] == external_id)


def spec(name: str = "", reference: str = "", *, code: str = "O365:Standard", trial=False):
    suffix = uuid.uuid4().hex[:8]
    return TenantSpec(
        name=name or f"Adapter Test {suffix}",
        reference=reference or f"CP-{suffix}",
        product_code=code,
        seats=7,
        trial=trial,
        contact=Contact(email=f"ops-{suffix}@example.com", first_name="Ada", last_name="Ops"),
    )


def token_calls(server, since: int = 0) -> list:
    return [
        e for e in server.journal.entries(V, since=since) if e.path.rstrip("/") == "/connect/token"
    ]


# -- auth ----------------------------------------------------------------------------------------


def test_it_declares_every_capability():
    assert set(RedstorAdapter.capabilities) == set(Capability)
    assert all(info.note for info in RedstorAdapter.capabilities.values())


def test_it_signs_the_client_assertion_as_the_kb_describes(sandbox):
    adapter = make_adapter(sandbox, V)
    creds = box(sandbox).credentials()
    token = adapter.client_assertion()
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == json.loads(creds["private_key"])["kid"]
    claims = jwt.decode(
        token,
        box(sandbox).private_key.public_key(),
        algorithms=["RS256"],
        audience=sandbox.vendor_url(V) + "/connect/token",
    )
    assert claims["iss"] == claims["sub"] == creds["client_id"]
    assert claims["nbf"] == claims["iat"] and claims["exp"] - claims["iat"] == 300
    assert (
        claims["jti"]
        != jwt.decode(adapter.client_assertion(), options={"verify_signature": False})["jti"]
    )


def test_it_fetches_one_token_and_reuses_it(sandbox):
    adapter = make_adapter(sandbox, V)
    adapter.test_connection()
    adapter.list_products()
    adapter.get_tenant(box(sandbox).snapshot()["tenants"][0]["external_id"])
    assert len(token_calls(sandbox)) == 1
    api_calls = [e for e in sandbox.journal.entries(V) if e.path != "/connect/token"]
    assert all("apiVersion=1" in e.query for e in api_calls)


def test_it_gets_a_new_token_after_a_401_and_resends_once(sandbox):
    adapter = make_adapter(sandbox, V)
    adapter.test_connection()
    box(sandbox).expire_tokens()
    since = sandbox.journal.last_seq
    assert adapter.list_products()
    calls = [(e.path, e.status) for e in sandbox.journal.entries(V, since=since)]
    assert calls == [("/products", 401), ("/connect/token", 200), ("/products", 200)]


def test_it_accepts_the_private_key_as_pem(sandbox):
    pem = (
        box(sandbox)
        .private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    creds = {"client_id": box(sandbox).client_id, "private_key": pem}
    RedstorAdapter(sandbox.vendor_url(V), creds).test_connection()


def test_it_uses_the_real_identity_server_for_the_real_api_and_honours_an_override(sandbox):
    assert RedstorAdapter("https://api.redstor.com", {}).token_url == REAL_TOKEN_URL
    creds = {**box(sandbox).credentials(), "token_url": sandbox.vendor_url(V) + "/connect/token/"}
    adapter = RedstorAdapter(sandbox.vendor_url(V), creds)
    assert adapter.token_url.endswith("/connect/token/")
    adapter.test_connection()
    assert token_calls(sandbox)[0].status == 200


def test_it_raises_auth_error_with_the_identity_servers_reason_for_a_revoked_key(sandbox):
    adapter = RedstorAdapter(sandbox.vendor_url(V), box(sandbox).invalid_credentials())
    with pytest.raises(VendorAuthError) as caught:
        adapter.test_connection()
    assert caught.value.status == 400 and caught.value.body["error"] == "invalid_client"
    assert "Signature verification failed" in caught.value.message


def test_it_raises_auth_error_for_a_private_key_that_is_not_rsa(sandbox):
    adapter = RedstorAdapter(sandbox.vendor_url(V), {"client_id": "x", "private_key": "nonsense"})
    with pytest.raises(VendorAuthError):
        adapter.test_connection()
    assert sandbox.journal.entries(V) == []


def test_it_retries_a_lost_token_answer_with_a_fresh_assertion(sandbox):
    sandbox.set_faults(V, apply_then_drop_rate=1.0, path_contains="/connect/token", max_faults=1)
    adapter = make_adapter(sandbox, V)
    adapter.test_connection()
    assert [e.outcome for e in token_calls(sandbox)] == ["fault:apply_then_drop", "ok"]


# -- reads and mapping ---------------------------------------------------------------------------


def test_it_mirrors_every_tenant_field_by_field_including_resellers_customers(sandbox):
    sandbox.reset([V], seed_tenants=60)
    adapter = make_adapter(sandbox, V)
    seen = {t.external_id: t for t in adapter.iter_tenants()}
    expected = box(sandbox).snapshot()["tenants"]
    assert set(seen) == {t["external_id"] for t in expected}
    root = box(sandbox).state.root.company_id
    assert any(t.parent_external_id != root for t in seen.values())
    for want in expected:
        got = seen[want["external_id"]]
        assert (got.name, got.status.value, got.reference, got.parent_external_id) == (
            want["name"],
            want["status"],
            want["reference"],
            want["parent_external_id"],
        )
        assert [
            (s.external_id, s.product_code, s.seats, s.is_trial) for s in got.subscriptions
        ] == [
            (s["external_id"], s["product_code"], s["seats"], s["is_trial"])
            for s in want["subscriptions"]
            if s["isActive"]  # removed ones are no longer listed (default reading)
        ]


def test_it_lists_one_product_per_edition_with_trial_flags(sandbox):
    products = {p.code: p for p in make_adapter(sandbox, V).list_products()}
    assert products["O365:Standard"].trial_available
    assert not products["Salesforce:Standard"].trial_available
    assert products["Suite:Complete"].kind.value == "bundle"
    assert products["Machines:Endpoint"].external_id == "130:1302"


@pytest.mark.parametrize(
    "status, tenant_status, sub_status",
    [
        ("active", TenantStatus.ACTIVE, SubscriptionStatus.ACTIVE),
        ("trial", TenantStatus.TRIAL, SubscriptionStatus.TRIAL),
        ("suspended", TenantStatus.SUSPENDED, None),
        ("cancelled", TenantStatus.CANCELLED, SubscriptionStatus.CANCELLED),
    ],
)
@pytest.mark.parametrize("reading", ["removed", "kept_inactive"])
def test_it_maps_statuses_through_its_tables(sandbox, status, tenant_status, sub_status, reading):
    """A tenant whose subscriptions are all gone is cancelled, whether Redstor still lists them
    (``isActive: false``) or not."""
    sandbox.set_variant(V, cancelled_subscriptions=reading)
    external_id = box(sandbox).snapshot()["tenants"][0]["external_id"]
    box(sandbox).set_tenant_status(external_id, "active")
    box(sandbox).set_tenant_status(external_id, status)
    tenant = make_adapter(sandbox, V).get_tenant(external_id)
    assert tenant.status is tenant_status
    if sub_status is not None and not (status == "cancelled" and reading == "removed"):
        assert {s.status for s in tenant.subscriptions} == {sub_status}


@pytest.mark.parametrize("reading", ["InProgress", "Active", "InUse", "Started", "Trial"])
def test_it_reads_a_running_trial_whatever_trialstatus_redstor_gives_it(sandbox, reading):
    sandbox.set_variant(V, trial_status=reading)
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(trial=True), str(uuid.uuid4()))
    assert tenant.subscriptions[0].raw["trialStatus"] == reading
    assert tenant.status is TenantStatus.TRIAL and tenant.subscriptions[0].is_trial
    converted = adapter.convert_trial(tenant.external_id)
    assert converted.status is TenantStatus.ACTIVE and not converted.subscriptions[0].is_trial


def test_it_reads_a_company_without_listed_subscriptions_as_cancelled(sandbox):
    """Removed subscriptions may no longer be listed: no subscription means cancelled."""
    adapter = make_adapter(sandbox, V)
    path = f"/companies/{adapter.root_company_id()}/customers"
    company = adapter.call("POST", path, json={"companyName": "Bare Ltd"}, safe=False)
    assert adapter.get_tenant(company["companyId"]).status is TenantStatus.CANCELLED


def test_it_maps_usage_exactly_to_the_sandboxs_consumption(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = next(t for t in box(sandbox).snapshot()["tenants"] if t["status"] == "active")
    month = last_months(12)[-2]
    usage = adapter.get_usage(tenant["external_id"], month)
    rows = box(sandbox).consumption(tenant["external_id"], month)
    expected = {
        (row["subscriptionId"], field, metric, row[field])
        for row in rows
        for field, metric in USAGE_MAP.items()
    }
    got = {(u.subscription_external_id, u.vendor_field, u.metric, int(u.quantity)) for u in usage}
    assert got == expected and len(usage) == len(expected)
    assert {u.period for u in usage} == {month}
    (query,) = [e.query for e in sandbox.journal.entries(V) if "consumption" in e.path]
    assert "shouldExcludeTrials=true" in query and "date=" in query


def test_it_follows_a_usage_change_made_at_the_vendor(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = next(t for t in box(sandbox).snapshot()["tenants"] if t["status"] == "active")
    month = last_months(12)[0]
    box(sandbox).set_usage(tenant["external_id"], month, {"activeSeats": 123})
    main = tenant["subscriptions"][0]["external_id"]
    seats = [
        u
        for u in adapter.get_usage(tenant["external_id"], month)
        if u.vendor_field == "activeSeats" and u.subscription_external_id == main
    ]
    assert [int(u.quantity) for u in seats] == [123]


def test_it_leaves_trial_consumption_out_of_usage(sandbox):
    sandbox.reset([V], seed_tenants=40)
    adapter = make_adapter(sandbox, V)
    trial = next(t for t in box(sandbox).snapshot()["tenants"] if t["status"] == "trial")
    assert adapter.get_usage(trial["external_id"], dt.date.today()) == []
    (entry,) = [e for e in sandbox.journal.entries(V) if "consumption" in e.path]
    assert "date=" not in entry.query  # the current month is asked without a date


def test_it_raises_not_found_for_an_unknown_company(sandbox):
    with pytest.raises(VendorNotFound):
        make_adapter(sandbox, V).get_tenant(str(uuid.uuid4()))


def test_it_maps_a_business_rule_refusal_to_conflict(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = next(t for t in box(sandbox).snapshot()["tenants"] if t["status"] == "active")
    sub = tenant["subscriptions"][0]["external_id"]
    path = f"/companies/{tenant['external_id']}/subscriptions/{sub}/trial/convert"
    with pytest.raises(VendorConflict) as caught:
        adapter.call("PATCH", path, safe=False)
    assert caught.value.status == 422 and "not an active trial" in caught.value.message


def test_it_surfaces_validation_errors_per_field(sandbox):
    adapter = make_adapter(sandbox, V)
    taken = box(sandbox).snapshot()["tenants"][0]["name"]
    with pytest.raises(VendorBadRequest) as caught:
        adapter.call(
            "POST",
            f"/companies/{adapter.root_company_id()}/customers",
            json={"companyName": taken},
            safe=False,
        )
    assert "already exists" in caught.value.field_errors["CompanyName"][0]


# -- writes ----------------------------------------------------------------------------------------


def test_it_stores_our_reference_and_finds_by_it(sandbox):
    adapter = make_adapter(sandbox, V)
    wanted = spec()
    created = adapter.create_tenant(wanted, str(uuid.uuid4()))
    assert created.reference == wanted.reference
    assert snapshot_tenant(sandbox, created.external_id)["reference"] == wanted.reference
    assert adapter.find_tenant(wanted.reference).external_id == created.external_id
    assert adapter.find_tenant("CP-someone-else", wanted.name) is None


def test_it_completes_a_half_finished_create_without_a_second_company(sandbox):
    adapter = make_adapter(sandbox, V)
    wanted = spec()
    body = {"companyName": wanted.name, "type": "Customer", "externalReference": wanted.reference}
    adapter.call("POST", f"/companies/{adapter.root_company_id()}/customers", json=body, safe=False)
    tenant = adapter.create_tenant(wanted, str(uuid.uuid4()))
    assert [s.status for s in tenant.subscriptions] == [SubscriptionStatus.ACTIVE]
    assert sandbox.journal.count_actions(V, "create_tenant") == 1
    assert sandbox.journal.count_actions(V, "add_subscription") == 1


def test_it_creates_once_after_the_answer_to_the_company_post_was_lost(sandbox):
    adapter = make_adapter(sandbox, V)
    adapter.test_connection()
    wanted, key = spec(), str(uuid.uuid4())
    sandbox.set_faults(V, apply_then_drop_rate=1.0, only_writes=True, max_faults=1)
    with pytest.raises(VendorOutcomeUnknown):
        adapter.create_tenant(wanted, key)
    tenant = adapter.create_tenant(wanted, key)
    assert tenant.status is TenantStatus.ACTIVE
    assert sandbox.journal.count_actions(V, "create_tenant") == 1


def test_it_refuses_an_unknown_product_code_before_writing(sandbox):
    adapter = make_adapter(sandbox, V)
    with pytest.raises(VendorBadRequest):
        adapter.create_tenant(spec(code="Nope:Standard"), str(uuid.uuid4()))
    assert sandbox.journal.count_actions(V) == 0


def test_it_refuses_a_seat_change_before_any_call(sandbox):
    """The V1 document has no seat call (the sandbox's default answers 405): refused unsent."""
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    since = sandbox.journal.last_seq
    with pytest.raises(VendorUnsupported, match="documents no seat change"):
        adapter.change_subscription(tenant.external_id, SubscriptionChange(seats=12), "k")
    assert list(sandbox.journal.entries(V, since=since)) == []


def test_it_reads_no_seat_count_since_no_documented_field_has_one(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(), str(uuid.uuid4()))
    assert [s.seats for s in tenant.subscriptions] == [None]
    assert "licensedSeats" not in tenant.subscriptions[0].raw


def test_it_cancels_every_live_subscription_and_a_repeat_sends_nothing(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = next(t for t in box(sandbox).snapshot()["tenants"] if t["status"] == "active")
    live = sum(1 for s in tenant["subscriptions"] if s["isActive"])
    cancelled = adapter.cancel(tenant["external_id"])
    assert cancelled.status is TenantStatus.CANCELLED
    adapter.cancel(tenant["external_id"])
    assert sandbox.journal.count_actions(V, "cancel") == live
    assert snapshot_tenant(sandbox, tenant["external_id"])["status"] == "cancelled"


def test_it_refuses_new_seats_on_a_conversion_before_converting(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = adapter.create_tenant(spec(trial=True), str(uuid.uuid4()))
    with pytest.raises(VendorUnsupported, match="documents no seat change"):
        adapter.convert_trial(tenant.external_id, seats=20)
    assert sandbox.journal.count_actions(V, "convert_trial") == 0
    assert adapter.convert_trial(tenant.external_id).status is TenantStatus.ACTIVE


def test_it_suspends_once_and_does_not_retry_a_lost_write(sandbox):
    adapter = make_adapter(sandbox, V)
    tenant = next(t for t in box(sandbox).snapshot()["tenants"] if t["status"] == "active")
    adapter.test_connection()
    sandbox.set_faults(V, apply_then_drop_rate=1.0, only_writes=True, max_faults=1)
    with pytest.raises(VendorOutcomeUnknown):
        adapter.suspend(tenant["external_id"])
    assert [e.outcome for e in sandbox.journal.entries(V) if e.write] == ["fault:apply_then_drop"]
    assert adapter.suspend(tenant["external_id"]).status is TenantStatus.SUSPENDED
    assert sandbox.journal.count_actions(V, "suspend") == 1
