"""The GravityZone sandbox over real HTTP with plain ``requests``: JSON-RPC shapes and rules."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import requests

VENDOR = "bitdefender"
_ids = itertools.count(1)


@pytest.fixture
def unthrottled(sandbox):
    """Lift the 10 calls/s limit for tests that make many calls (the next reset restores it)."""
    sandbox.set_rate_limit(VENDOR, None)
    return sandbox


def url(sandbox, api: str) -> str:
    return f"{sandbox.vendor_url(VENDOR)}/api/v1.0/jsonrpc/{api}"


def key(sandbox) -> str:
    return sandbox.sandboxes[VENDOR].credentials()["api_key"]


def post(sandbox, api: str, method: str, params=None, *, api_key=None, request_id=None):
    """One JSON-RPC call; returns the raw response."""
    payload = {
        "id": request_id or f"req-{next(_ids)}",
        "jsonrpc": "2.0",
        "method": method,
        "params": params or {},
    }
    auth = (key(sandbox) if api_key is None else api_key, "")
    return requests.post(url(sandbox, api), json=payload, auth=auth, timeout=10)


def result(sandbox, api: str, method: str, params=None):
    response = post(sandbox, api, method, params)
    body = response.json()
    assert response.status_code == 200 and "error" not in body, body
    return body["result"]


def error(response, code: int) -> dict:
    body = response.json()
    assert body["jsonrpc"] == "2.0"
    assert body["error"]["code"] == code, body
    assert body["error"]["message"] and body["error"]["data"]["details"]
    return body["error"]


def create(sandbox, name: str, **params) -> str:
    params.setdefault("type", 1)
    return result(sandbox, "companies", "createCompany", {"name": name, **params})


def licence(sandbox, company_id: str) -> dict:
    """The main (not add-on) entry of getLicenseInfo's array."""
    entries = result(sandbox, "licensing", "getLicenseInfo", {"companyId": company_id})
    return next(e for e in entries if not e["isAddon"])


def details(sandbox, company_id: str) -> dict:
    return result(sandbox, "companies", "getCompanyDetails", {"companyId": company_id})


# -- auth and transport -----------------------------------------------------------------------


def test_it_answers_a_call_without_a_key_with_401_and_a_jsonrpc_error(sandbox):
    payload = {"id": "1", "jsonrpc": "2.0", "method": "getCompanyDetails", "params": {}}
    response = requests.post(url(sandbox, "companies"), json=payload, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    error(response, -32000)


def test_it_answers_a_wrong_key_with_401(sandbox):
    wrong = sandbox.sandboxes[VENDOR].invalid_credentials()["api_key"]
    response = post(sandbox, "companies", "getCompanyDetails", api_key=wrong)
    assert response.status_code == 401
    assert "API key" in error(response, -32000)["data"]["details"]


def test_it_answers_403_when_the_key_is_not_enabled_for_that_api(sandbox):
    limited = sandbox.sandboxes[VENDOR].companies_only_credentials()["api_key"]
    assert post(sandbox, "companies", "getCompanyDetails", api_key=limited).status_code == 200
    response = post(sandbox, "licensing", "getLicenseInfo", api_key=limited)
    assert response.status_code == 403
    assert "Licensing" in error(response, -32000)["data"]["details"]


def test_it_accepts_only_post(sandbox):
    response = requests.get(url(sandbox, "companies"), auth=(key(sandbox), ""), timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    error(response, -32600)


def test_it_answers_an_unknown_api_path_with_404(sandbox):
    response = post(sandbox, "nonsense", "getCompanyDetails")
    assert response.status_code == 404
    error(response, -32601)


def test_it_answers_a_body_that_is_not_json_with_a_parse_error(sandbox):
    response = requests.post(
        url(sandbox, "companies"), data=b"{not json", auth=(key(sandbox), ""), timeout=10
    )
    assert response.status_code == 200
    assert response.json()["id"] is None
    error(response, -32700)


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "1", "jsonrpc": "1.0", "method": "getCompanyDetails"},
        {"id": "1", "jsonrpc": "2.0"},
        {"jsonrpc": "2.0", "method": "getCompanyDetails"},
        [{"id": "1", "jsonrpc": "2.0", "method": "getCompanyDetails"}],
    ],
    ids=["old-version", "no-method", "no-id", "batch"],
)
def test_it_answers_a_request_that_is_not_jsonrpc_2_with_invalid_request(sandbox, payload):
    response = requests.post(url(sandbox, "companies"), json=payload, auth=(key(sandbox), ""))
    error(response, -32600)


def test_it_answers_an_unknown_method_with_32601_and_echoes_the_id(sandbox):
    response = post(sandbox, "companies", "getMonthlyUsage", request_id="abc-123")
    assert response.status_code == 200
    assert response.json()["id"] == "abc-123"
    assert "getMonthlyUsage" in error(response, -32601)["data"]["details"]
    error(post(sandbox, "reports", "getReportsList"), -32601)


def test_it_answers_bad_params_with_32602_naming_the_parameter(sandbox):
    response = post(sandbox, "companies", "createCompany", {"type": 1, "name": "x" * 65})
    assert "'name'" in error(response, -32602)["data"]["details"]
    response = post(sandbox, "companies", "suspendCompany", {"companyId": "nope"})
    assert "'companyId'" in error(response, -32602)["data"]["details"]
    response = post(sandbox, "companies", "getCompanyDetails", {"colour": "blue"})
    assert "'colour'" in error(response, -32602)["data"]["details"]


def test_it_echoes_the_request_id_on_success(sandbox):
    response = post(sandbox, "companies", "getCompanyDetails", request_id="r-42")
    body = response.json()
    assert body["id"] == "r-42" and body["jsonrpc"] == "2.0" and body["result"]["id"]


def test_it_throttles_above_ten_calls_per_second_per_key_with_429_and_retry_after(sandbox):
    responses = [post(sandbox, "companies", "getCompanyDetails") for _ in range(14)]
    statuses = [r.status_code for r in responses]
    assert statuses[:10] == [200] * 10
    throttled = [r for r in responses if r.status_code == 429]
    assert throttled and int(throttled[0].headers["Retry-After"]) >= 1
    error(throttled[0], -32000)


def test_it_answers_an_injected_failure_in_its_own_format(sandbox):
    sandbox.set_faults(VENDOR, error_rate=1.0, max_faults=1)
    response = post(sandbox, "companies", "getCompanyDetails")
    assert response.status_code == 500
    error(response, -32000)


# -- companies --------------------------------------------------------------------------------


def test_it_creates_a_company_and_shows_it_in_details_and_licence(sandbox):
    company_id = create(
        sandbox,
        "Shape Check Ltd",
        address="1 Main St",
        country="DE",
        accountEmail="ops@shape.example",
        accountFullName="Ada Ops",
        licenseSubscription={"type": 3, "reservedSlots": 12, "manageEncryption": True},
    )
    assert isinstance(company_id, str) and len(company_id) == 24
    company = details(sandbox, company_id)
    assert {
        "id",
        "name",
        "type",
        "address",
        "phone",
        "canBeManagedByAbove",
        "enforce2FA",
        "skip2FAPeriod",
        "isSuspended",
        "createdAt",
        "country",
        "state",
        "industry",
        "contactPerson",
    } <= set(company)
    assert company["name"] == "Shape Check Ltd" and company["type"] == 1
    assert company["contactPerson"]["email"] == "ops@shape.example"
    info = licence(sandbox, company_id)
    assert info["subscriptionType"] == 3 and info["totalSlots"] == 12 and info["usedSlots"] == 0
    assert info["manageEncryption"] is True and info["manageExchange"] is False
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1


def test_it_refuses_a_second_company_with_the_same_name(sandbox):
    create(sandbox, "Unique Name BV")
    response = post(sandbox, "companies", "createCompany", {"type": 1, "name": "unique name bv"})
    assert "already exists" in error(response, -32000)["data"]["details"]
    assert sandbox.journal.count_actions(VENDOR, "create_tenant") == 1


def test_it_answers_an_unknown_company_with_not_found(sandbox):
    response = post(sandbox, "companies", "getCompanyDetails", {"companyId": "f" * 24})
    assert "not found" in error(response, -32000)["data"]["details"]


def test_it_finds_companies_by_prefix_or_by_contained_text(sandbox, unthrottled):
    create(sandbox, "Findme Alpha GmbH")
    create(sandbox, "Findme Beta GmbH")
    create(sandbox, "Other Findme Co")
    prefix = result(sandbox, "companies", "findCompaniesByName", {"nameFilter": "findme"})
    assert sorted(c["name"] for c in prefix) == ["Findme Alpha GmbH", "Findme Beta GmbH"]
    contains = result(sandbox, "companies", "findCompaniesByName", {"nameFilter": "*Findme"})
    assert len(contains) == 3
    one = result(
        sandbox, "companies", "findCompaniesByName", {"nameFilter": "*Findme", "maxResults": 1}
    )
    assert len(one) == 1
    too_many = post(
        sandbox, "companies", "findCompaniesByName", {"nameFilter": "x", "maxResults": 101}
    )
    error(too_many, -32602)


def test_it_pages_the_companies_list_visiting_each_company_once(sandbox):
    sandbox.set_variant(VENDOR, companies_list="served")
    sandbox.reset([VENDOR], seed_tenants=0)
    sandbox.set_rate_limit(VENDOR, None)
    for index in range(23):
        create(sandbox, f"Paged Company {index:02d}")
    seen, page = [], 1
    while True:
        listing = result(sandbox, "network", "getCompaniesList", {"page": page, "perPage": 10})
        assert listing["total"] == 23 and listing["perPage"] == 10 and listing["pagesCount"] == 3
        seen += [item["id"] for item in listing["items"]]
        if page == listing["pagesCount"]:
            break
        page += 1
    assert len(seen) == 23 == len(set(seen))
    beyond = result(sandbox, "network", "getCompaniesList", {"page": 4, "perPage": 10})
    assert beyond["items"] == []


def test_it_lists_only_the_direct_children_of_the_given_parent(sandbox):
    sandbox.set_variant(VENDOR, companies_list="served", parent_field="parentId")
    sandbox.reset([VENDOR], seed_tenants=0)
    msp = create(sandbox, "MSP One", type=0)
    child = create(sandbox, "MSP One Customer", parentId=msp)
    top = result(sandbox, "network", "getCompaniesList", {})
    assert [item["id"] for item in top["items"]] == [msp]
    below = result(sandbox, "network", "getCompaniesList", {"parentId": msp})
    assert [item["id"] for item in below["items"]] == [child]
    assert below["items"][0]["parentId"] == msp


def test_it_creates_customers_only_under_a_partner(sandbox):
    customer = create(sandbox, "Plain Customer")
    response = post(
        sandbox, "companies", "createCompany", {"type": 1, "name": "Nested", "parentId": customer}
    )
    assert "'parentId'" in error(response, -32602)["data"]["details"]


def test_it_suspends_the_children_too_when_recursive(sandbox, unthrottled):
    msp = create(sandbox, "Recursive MSP", type=0)
    child = create(sandbox, "Recursive Child", parentId=msp)
    grandchild_parent = create(sandbox, "Recursive Sub MSP", type=0, parentId=msp)
    grandchild = create(sandbox, "Recursive Grandchild", parentId=grandchild_parent)
    assert (
        result(sandbox, "companies", "suspendCompany", {"companyId": msp, "recursive": True})
        is None
    )
    for company_id in (msp, child, grandchild_parent, grandchild):
        assert details(sandbox, company_id)["isSuspended"] is True
    result(sandbox, "companies", "activateCompany", {"companyId": msp, "recursive": True})
    assert not any(details(sandbox, c)["isSuspended"] for c in (msp, child, grandchild))


def test_it_suspends_only_the_company_when_not_recursive(sandbox):
    msp = create(sandbox, "Flat MSP", type=0)
    child = create(sandbox, "Flat Child", parentId=msp)
    result(sandbox, "companies", "suspendCompany", {"companyId": msp, "recursive": False})
    assert details(sandbox, msp)["isSuspended"] is True
    assert details(sandbox, child)["isSuspended"] is False


def test_it_requires_the_recursive_flag_to_suspend(sandbox):
    company_id = create(sandbox, "Needs Flag")
    response = post(sandbox, "companies", "suspendCompany", {"companyId": company_id})
    assert "'recursive'" in error(response, -32602)["data"]["details"]


def test_it_refuses_to_delete_a_partner_that_manages_companies(sandbox, unthrottled):
    msp = create(sandbox, "Busy MSP", type=0)
    child = create(sandbox, "Busy Child", parentId=msp)
    response = post(sandbox, "companies", "deleteCompany", {"companyId": msp})
    assert "cannot be deleted" in error(response, -32000)["data"]["details"]
    result(sandbox, "companies", "deleteCompany", {"companyId": child})
    result(sandbox, "companies", "deleteCompany", {"companyId": msp})
    error(post(sandbox, "companies", "getCompanyDetails", {"companyId": msp}), -32000)


# -- licensing --------------------------------------------------------------------------------


def test_it_sets_sandbox_analyzer_and_hyperdetect_when_edr_changes(sandbox, unthrottled):
    company_id = create(sandbox, "Edr On")
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "manageEventCorrelator": True},
    )
    info = licence(sandbox, company_id)
    assert info["manageEventCorrelator"] and info["manageSandboxAnalyzer"]
    assert info["manageHyperDetect"]
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {
            "companyId": company_id,
            "manageEventCorrelator": False,
            "manageSandboxAnalyzer": True,
            "manageHyperDetect": True,
        },
    )
    info = licence(sandbox, company_id)
    assert not info["manageEventCorrelator"]
    assert not info["manageSandboxAnalyzer"] and not info["manageHyperDetect"]


def test_it_leaves_the_two_edr_layers_alone_when_edr_is_not_sent(sandbox):
    company_id = create(sandbox, "Edr Omitted")
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "manageSandboxAnalyzer": True},
    )
    info = licence(sandbox, company_id)
    assert info["manageSandboxAnalyzer"] and not info["manageHyperDetect"]
    assert not info["manageEventCorrelator"]


def test_it_refuses_edr_while_one_of_its_requirements_is_off(sandbox):
    company_id = create(sandbox, "Edr Broken")
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "manageEventCorrelator": True},
    )
    response = post(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "manageEventCorrelator": True, "manageSandboxAnalyzer": True},
    )
    assert "EDR requires" in error(response, -32602)["data"]["details"]


def test_it_turns_omitted_addons_off_but_keeps_reserved_slots(sandbox):
    company_id = create(
        sandbox,
        "Omitted Flags",
        licenseSubscription={"type": 3, "reservedSlots": 7, "manageExchange": True},
    )
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "managePatchManagement": True},
    )
    info = licence(sandbox, company_id)
    assert info["managePatchManagement"] and not info["manageExchange"]
    assert info["totalSlots"] == 7
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "removeReservedSlots": True},
    )
    assert licence(sandbox, company_id)["totalSlots"] == 0


def test_it_turns_a_monthly_subscription_trial_into_a_subscription(sandbox, unthrottled):
    company_id = create(sandbox, "Trial Co", licenseSubscription={"type": 5, "reservedSlots": 3})
    info = licence(sandbox, company_id)
    assert info["subscriptionType"] == 5 and info["expiryDate"]
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "reservedSlots": 9},
    )
    info = licence(sandbox, company_id)
    assert info["subscriptionType"] == 3 and info["expiryDate"] is None
    assert info["totalSlots"] == 9
    entry = sandbox.journal.entries(VENDOR, action="convert_trial")[-1]
    assert entry.actions == ["convert_trial", "change_seats"]


def test_it_ends_a_subscription_on_the_given_day(sandbox):
    company_id = create(sandbox, "Ending Co")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "endSubscription": today, "autoRenewPeriod": 0},
    )
    info = licence(sandbox, company_id)
    assert info["endSubscription"] == today and info["autoRenewPeriod"] == 0
    assert sandbox.journal.count_actions(VENDOR, "cancel") == 1
    past = post(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "endSubscription": "2001-01-01"},
    )
    error(past, -32602)


def test_it_answers_licence_info_as_an_array_of_entries_with_the_flags_on_the_main_one(sandbox):
    company_id = create(
        sandbox, "All Products", licenseSubscription={"type": 3, "manageExchange": True}
    )
    for params in ({"companyId": company_id}, {"companyId": company_id, "returnAllProducts": True}):
        listed = result(sandbox, "licensing", "getLicenseInfo", params)
        assert isinstance(listed, list) and len(listed) == 1
        assert listed[0]["isAddon"] is False and listed[0]["subscriptionType"] == 3
        assert listed[0]["manageExchange"] is True and listed[0]["manageEncryption"] is False


def test_it_answers_monthly_usage_for_a_target_month(sandbox):
    state = sandbox.sandboxes[VENDOR]
    company_id = create(sandbox, "Usage Co")
    state.set_usage(
        company_id, dt.date(2024, 3, 1), {"endpointMonthlyUsage": 41, "edrMonthlyUsage": 5}
    )
    usage = result(
        sandbox, "licensing", "getMonthlyUsage", {"companyId": company_id, "targetMonth": "03/2024"}
    )
    assert usage["endpointMonthlyUsage"] == 41 and usage["edrMonthlyUsage"] == 5
    assert usage["encryptionMonthlyUsage"] == 0 and "mspSecureMonthlyUsage" in usage
    empty = result(
        sandbox, "licensing", "getMonthlyUsage", {"companyId": company_id, "targetMonth": "04/2024"}
    )
    assert empty.pop("minimumUsage") == {"endpointMonthlyUsage": 0}
    assert set(empty.values()) == {0}
    bad = post(
        sandbox, "licensing", "getMonthlyUsage", {"companyId": company_id, "targetMonth": "2024-03"}
    )
    assert "mm/yyyy" in error(bad, -32602)["data"]["details"]


def test_it_seeds_twelve_months_of_usage_for_every_company_past_its_trial(sandbox):
    sandbox.reset([VENDOR], seed_tenants=60)
    tenants = sandbox.sandboxes[VENDOR].snapshot()["tenants"]
    assert {t["status"] for t in tenants} >= {"active", "trial", "suspended"}
    for tenant in tenants:
        assert len(tenant["usage"]) == (0 if tenant["status"] == "trial" else 12)
        assert len(tenant["subscriptions"]) == 1
    assert any(
        t["parentId"] != sandbox.sandboxes[VENDOR].snapshot()["root_company_id"] for t in tenants
    )


# -- journal: writes by method name, marks only for real changes --------------------------------


def test_it_counts_writes_by_jsonrpc_method_name(sandbox):
    since = sandbox.journal.last_seq
    company_id = create(sandbox, "Journal Co")
    details(sandbox, company_id)
    licence(sandbox, company_id)
    result(sandbox, "companies", "suspendCompany", {"companyId": company_id, "recursive": True})
    writes = [e.write for e in sandbox.journal.entries(VENDOR, since=since)]
    assert writes == [True, False, False, True]


def test_it_marks_nothing_when_a_call_changes_nothing(sandbox):
    company_id = create(sandbox, "Idle Co", licenseSubscription={"type": 3, "reservedSlots": 4})
    params = {"companyId": company_id, "recursive": True}
    result(sandbox, "companies", "suspendCompany", params)
    result(sandbox, "companies", "suspendCompany", params)
    result(
        sandbox,
        "licensing",
        "setMonthlySubscription",
        {"companyId": company_id, "reservedSlots": 4},
    )
    assert sandbox.journal.count_actions(VENDOR, "suspend") == 1
    assert sandbox.journal.count_actions(VENDOR, "change_seats") == 0


# -- test-facing mutations --------------------------------------------------------------------


def test_it_lets_tests_change_a_company_behind_the_portals_back(sandbox, unthrottled):
    state = sandbox.sandboxes[VENDOR]
    company_id = create(sandbox, "Behind Back", licenseSubscription={"type": 3, "reservedSlots": 2})
    state.set_seats(company_id, 30)
    assert licence(sandbox, company_id)["totalSlots"] == 30
    for status in ("trial", "suspended", "cancelled", "active"):
        state.set_tenant_status(company_id, status)
        snap = next(t for t in state.snapshot()["tenants"] if t["id"] == company_id)
        assert snap["status"] == status
    state.remove_tenant(company_id)
    error(post(sandbox, "companies", "getCompanyDetails", {"companyId": company_id}), -32000)


def test_it_takes_usage_set_through_the_control_endpoint(sandbox):
    company_id = create(sandbox, "Control Usage")
    mutation = {"method": "set_usage", "args": [company_id, "2024-05-01", {"endpoints": 9}]}
    response = requests.post(f"{sandbox.url}/_control/{VENDOR}/mutate", json=mutation, timeout=10)
    assert response.status_code == 200, response.text
    usage = result(
        sandbox, "licensing", "getMonthlyUsage", {"companyId": company_id, "targetMonth": "05/2024"}
    )
    assert usage["endpointMonthlyUsage"] == 9


def test_it_moves_the_companies_of_a_removed_partner_up_to_its_parent(sandbox):
    state = sandbox.sandboxes[VENDOR]
    msp = create(sandbox, "Removed MSP", type=0)
    child = create(sandbox, "Orphaned Child", parentId=msp)
    state.remove_tenant(msp)
    snapshot = state.snapshot()
    assert (
        next(t for t in snapshot["tenants"] if t["id"] == child)["parentId"]
        == (snapshot["root_company_id"])
    )
    assert [t["id"] for t in state.snapshot()["tenants"]].count(child) == 1
