"""The Egnyte MSP sandbox over real HTTP: auth, shapes, pagination, errors, throttling, webhooks."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from vendors.egnyte.sandbox import EgnyteSandbox
from vendors.egnyte.sandbox.state import STATUS_WORDS

from .conftest import API, reseed

DOMAIN_FIELDS = {
    "domain", "planId", "planName", "status", "createdOn", "subscriptionDate",
    "availablePuLicences", "usedPuLicences", "unusedPuLicences", "availableSuLicences",
    "usedSuLicences", "unusedSuLicences", "availableStorage", "usedStorage", "allocatedStorage",
    "monthlyCost", "features", "sources",
}  # fmt: skip
TENANT_FIELDS = {
    "tenant", "domain", "planId", "planName", "createdOn", "subscriptionDate",
    "status", "cupUsed", "cupIncluded", "totalCupPurchased", "totalCupIncluded",
    "totalCupAvailable", "totalCupUsed", "totalCupUnused", "monthlyCost",
}  # fmt: skip
LAST_MONTH = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def trial_body(domain: str, **overrides) -> dict:
    body = {
        "domain": domain,
        "id": 1,
        "powerUsers": 5,
        "storageGB": 500,
        "region": "eu",
        "username": "admin@sandbox-test.example",
    }
    return body | overrides


def first_domain(egnyte: EgnyteSandbox, status: str = "active") -> str:
    return next(d.domain for d in egnyte.state.domains.values() if d.status == status)


def webhook_body(url: str, events: list[str], key: str = "eventTypes") -> dict:
    return {key: events, "webhook_url": url, "auth_header": "X-Portal-Token",
            "auth_header_value": "s3cret-hook-value"}  # fmt: skip


# -- auth ----------------------------------------------------------------------------------------


def test_it_answers_a_missing_token_with_401_not_authenticated(sandbox):
    response = requests.get(sandbox.vendor_url("egnyte") + API + "/domains", timeout=5)
    assert response.status_code == 401
    assert response.json() == {
        "message": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_it_answers_a_wrong_token_with_401_authentication_failed(sandbox, egnyte):
    token = egnyte.invalid_credentials()["access_token"]
    response = requests.get(
        sandbox.vendor_url("egnyte") + API + "/plans",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_it_answers_a_key_without_msp_access_with_403_permission_denied(sandbox, egnyte):
    response = requests.get(
        sandbox.vendor_url("egnyte") + API + "/plans",
        headers={"Authorization": f"Bearer {egnyte.no_access_token}"},
        timeout=5,
    )
    assert response.status_code == 403
    assert "X-Mashery-Error-Code" not in response.headers
    assert response.json()["code"] == "permission_denied"


def test_it_checks_the_token_before_routing_even_unknown_paths(sandbox, api):
    anonymous = requests.get(sandbox.vendor_url("egnyte") + API + "/nowhere", timeout=5)
    assert anonymous.status_code == 401
    known = api("GET", "/nowhere")
    assert known.status_code == 404
    assert known.json() == {"message": "Not found.", "code": "not_found"}


def test_it_answers_a_wrong_method_in_egnyte_format(api):
    response = api("DELETE", "/domains")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# -- lists and details ---------------------------------------------------------------------------


def test_it_pages_domains_ten_at_a_time_with_absolute_links(sandbox, api):
    reseed(sandbox, 40)  # 32 domains, 8 Protect tenants
    url, seen, pages = sandbox.vendor_url("egnyte") + API + "/domains", [], []
    while url:
        body = api("GET", url).json()
        pages.append(body)
        seen += [d["domain"] for d in body["results"]]
        url = body["next"]
    assert [len(p["results"]) for p in pages] == [10, 10, 10, 2]
    assert {p["count"] for p in pages} == {32}
    assert len(seen) == len(set(seen)) == 32
    assert pages[0]["previous"] is None
    assert pages[1]["previous"] == sandbox.vendor_url("egnyte") + API + "/domains"
    assert pages[2]["previous"].endswith("/domains?page=2")
    assert pages[0]["next"] == sandbox.vendor_url("egnyte") + API + "/domains?page=2"
    assert pages[-1]["next"] is None


def test_it_filters_by_plan_name_and_keeps_the_filter_in_next_links(sandbox, api):
    state = reseed(sandbox, 60).state
    expected = sorted(d.domain for d in state.domains.values() if d.plan_id == 2)
    assert len(expected) > 10
    first = api("GET", "/domains", params={"planName": "Business"}).json()
    assert "planName=Business" in first["next"]
    second = api("GET", first["next"]).json()
    names = [d["domain"] for d in first["results"] + second["results"]]
    assert first["count"] == len(expected)
    assert set(names) <= set(expected)
    assert {d["planName"] for d in first["results"]} == {"Business"}


def test_it_answers_a_page_past_the_end_with_404_invalid_page(api):
    response = api("GET", "/domains", params={"page": 9})
    assert response.status_code == 404
    assert response.json() == {"message": "Invalid page.", "code": "not_found"}


def test_it_returns_domains_with_the_documented_fields(api, egnyte):
    listed = api("GET", "/domains").json()["results"][0]
    detail = api("GET", f"/domains/{listed['domain']}").json()
    assert set(detail) == DOMAIN_FIELDS
    assert listed == detail
    assert detail["unusedPuLicences"] == detail["availablePuLicences"] - detail["usedPuLicences"]
    stored = egnyte.state.domains[listed["domain"]]
    assert detail["usedPuLicences"] == stored.power_used
    assert "companyName" not in detail  # the Domain schema has none (egnyte-msp-api.txt:270-346)


def test_it_lists_protect_tenants_with_msp_wide_cup_totals(api, egnyte):
    body = api("GET", "/tenants").json()
    assert body["count"] == len(egnyte.state.tenants) == 1  # 1 in 5 seeded customers
    tenant = body["results"][0]
    assert set(tenant) == TENANT_FIELDS
    assert tenant["totalCupUsed"] == sum(t.cup_used for t in egnyte.state.tenants.values())
    assert tenant["totalCupAvailable"] == tenant["totalCupPurchased"] + tenant["totalCupIncluded"]
    assert api("GET", f"/tenants/{tenant['tenant']}").json() == tenant


def test_it_answers_an_unknown_domain_with_404_in_egnyte_format(api):
    response = api("GET", "/domains/nosuchdomain")
    assert response.status_code == 404
    assert response.json() == {"message": "Domain nosuchdomain not found.", "code": "not_found"}


def test_it_lists_connect_and_protect_plans(api):
    body = api("GET", "/plans").json()
    assert body["count"] == 4 and body["next"] is None and body["previous"] is None
    connect = [p for p in body["results"] if "maxPlanPuLicences" in p]
    protect = [p for p in body["results"] if "totalCupPurchased" in p]
    assert len(connect) == 3 and len(protect) == 1
    assert {"id", "planId", "planName", "costPerUser", "packages"} <= set(connect[0])


# -- usage ---------------------------------------------------------------------------------------


def test_it_ignores_the_undocumented_month_parameter_by_default(api, egnyte):
    name = first_domain(egnyte)
    body = api("GET", f"/domains/{name}", params={"month": LAST_MONTH.strftime("%Y-%m")}).json()
    assert "month" not in body
    assert body["usedPuLicences"] == egnyte.state.domains[name].power_used  # today's figures
    assert api("GET", f"/domains/{name}", params={"month": "last"}).status_code == 200


def test_it_reads_a_past_month_with_the_month_parameter_when_honoured(sandbox, api):
    sandbox.set_variant("egnyte", usage_month="honoured")
    sandbox.set_rate_limit("egnyte", None)
    egnyte = sandbox.sandboxes["egnyte"]
    name = first_domain(egnyte)
    key = LAST_MONTH.strftime("%Y-%m")
    body = api("GET", f"/domains/{name}", params={"month": key}).json()
    recorded = egnyte.state.domains[name].history[key]
    assert body["month"] == key
    assert {k: body[k] for k in recorded} == recorded
    missing = api("GET", f"/domains/{name}", params={"month": "2001-01"})
    assert (missing.status_code, missing.json()["code"]) == (404, "usage_not_found")
    malformed = api("GET", f"/domains/{name}", params={"month": "last"})
    assert (malformed.status_code, malformed.json()["errors"]) == (400, {"month": ["Use YYYY-MM."]})


def test_it_keeps_twelve_months_of_history_for_every_non_trial_tenant(egnyte):
    for unit in [*egnyte.state.domains.values(), *egnyte.state.tenants.values()]:
        assert len(unit.history) == (0 if unit.status == "trial" else 12)


# -- trials and power users ----------------------------------------------------------------------


def test_it_creates_a_trial_that_every_endpoint_then_agrees_on(sandbox, api, egnyte, unthrottled):
    response = api("POST", "/trials/", json=trial_body("sandboxtest"))
    assert response.status_code == 201
    body = response.json()
    assert body["domain"] == "sandboxtest" and body["domainUrl"] == "https://sandboxtest.egnyte.com"
    assert (
        dt.date.fromisoformat(body["trialEnd"]) - dt.date.fromisoformat(body["trialStart"])
    ).days == 15
    detail = api("GET", "/domains/sandboxtest").json()
    assert (detail["status"], detail["availablePuLicences"], detail["subscriptionDate"]) == (
        "trial",
        5,
        None,
    )
    listed = api("GET", "/domains", params={"page": 1}).json()
    assert listed["count"] == len(egnyte.state.domains)
    assert [t for t in egnyte.snapshot()["tenants"] if t["external_id"] == "domain:sandboxtest"]
    assert sandbox.journal.count_actions("egnyte", "create_tenant") == 1


def test_it_answers_a_taken_domain_with_409_and_suggestions(sandbox, api, egnyte):
    egnyte.reserve_domain("takenname")
    response = api("POST", "/trials/", json=trial_body("takenname"))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "domain_taken" and body["message"] == "Domain name is already taken."
    assert body["suggestions"] == ["takenname1", "takenname2", "takenname3"]
    assert sandbox.journal.count_actions("egnyte") == 0


def test_it_validates_a_trial_in_egnyte_format(api):
    response = api("POST", "/trials/", json=trial_body("Bad_Name!", powerUsers=0, region="mars"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"domain", "powerUsers", "region"}


def test_it_refuses_a_trial_on_a_protect_plan(api):
    response = api("POST", "/trials/", json=trial_body("protectonly", id=20202))
    assert response.status_code == 400
    assert response.json()["errors"] == {"id": ["Only Connect plans are available here."]}


def test_it_activates_a_trial_once(sandbox, api, unthrottled):
    api("POST", "/trials/", json=trial_body("activateme"))
    body = {"planId": 2, "powerUsers": 7, "storageGB": 700}
    first = api("POST", "/trials/activateme/activate/", json=body)
    again = api("POST", "/trials/activateme/activate/", json=body)
    assert first.status_code == 200
    assert first.json()["activationDate"] == dt.date.today().isoformat()
    assert again.status_code == 409 and again.json()["code"] == "not_a_trial"
    detail = api("GET", "/domains/activateme").json()
    assert (detail["status"], detail["planName"], detail["availablePuLicences"]) == (
        "active",
        "Business",
        7,
    )
    assert sandbox.journal.count_actions("egnyte", "convert_trial") == 1


def test_it_allocates_power_users_absolutely_and_marks_only_real_changes(
    sandbox, api, egnyte, unthrottled
):
    name = first_domain(egnyte)
    before = egnyte.state.domains[name].power_users
    path = f"/domains/{name}/power-users/allocate"
    answer = api("POST", path, json={"powerUsers": before + 2}).json()
    repeat = api("POST", path, json={"powerUsers": before + 2}).json()
    assert (answer["previousPowerUsers"], answer["newPowerUsers"]) == (before, before + 2)
    assert (repeat["previousPowerUsers"], repeat["newPowerUsers"]) == (before + 2, before + 2)
    assert repeat["poolAvailableAfter"] == answer["poolAvailableAfter"]
    assert sandbox.journal.count_actions("egnyte", "change_seats") == 1


def test_it_refuses_allocation_beyond_the_pool_until_more_is_purchased(
    sandbox, api, egnyte, unthrottled
):
    name = first_domain(egnyte)
    domain = egnyte.state.domains[name]
    plan = egnyte.state.plans[domain.plan_id]
    wanted = domain.power_users + 60  # the seeded pool has 50 spare
    short = api("POST", f"/domains/{name}/power-users/allocate", json={"powerUsers": wanted})
    assert short.status_code == 409
    assert short.json() | {"message": ""} == {
        "message": "",
        "code": "insufficient_power_users",
        "required": 60,
        "available": 50,
    }
    quote = api(
        "POST", f"/plans/{plan.plan_id}/power-users/quote/", json={"powerUsers": plan.pool + 10}
    )
    assert quote.json()["deltaPowerUsers"] == 10 and plan.pool == quote.json()["previousPowerUsers"]
    bought = api(
        "POST", f"/plans/{plan.plan_id}/power-users/purchase/", json={"powerUsers": plan.pool + 10}
    )
    assert bought.status_code == 200 and bought.json()["newPowerUsers"] == plan.pool
    ok = api("POST", f"/domains/{name}/power-users/allocate", json={"powerUsers": wanted})
    assert ok.status_code == 200 and ok.json()["poolAvailableAfter"] == 0
    quotes = [e for e in sandbox.journal.entries("egnyte") if "/quote" in e.path]
    assert [e.write for e in quotes] == [False]
    assert sandbox.journal.count_actions("egnyte", "purchase_power_users") == 1


def test_it_refuses_to_allocate_below_the_power_users_in_use(api, egnyte):
    name = first_domain(egnyte)
    response = api("POST", f"/domains/{name}/power-users/allocate", json={"powerUsers": 1})
    used = egnyte.state.domains[name].power_used
    if used > 1:
        assert response.status_code == 400 and "powerUsers" in response.json()["errors"]
    else:
        assert response.status_code == 200


# -- errors and throttling -----------------------------------------------------------------------


def test_it_throttles_a_third_call_within_a_second_with_a_mashery_403(api):
    answers = [api("GET", "/plans") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 403]
    throttled = answers[-1]
    assert throttled.headers["X-Mashery-Error-Code"] == "ERR_403_DEVELOPER_OVER_QPS"
    assert throttled.headers["Retry-After"] == "1"
    assert throttled.text == "<h1>Developer Over Qps</h1>"


def test_it_answers_the_daily_quota_with_over_rate(api, egnyte, unthrottled):
    egnyte.rate_limit_per_day = 2
    answers = [api("GET", "/plans") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 403]
    assert answers[-1].headers["X-Mashery-Error-Code"] == "ERR_403_DEVELOPER_OVER_RATE"
    assert int(answers[-1].headers["Retry-After"]) >= 60


def test_it_answers_injected_server_errors_in_egnyte_format(sandbox, api):
    sandbox.set_faults("egnyte", error_rate=1.0, max_faults=1)
    response = api("GET", "/plans")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error.", "code": "error"}


def test_it_counts_only_state_changes_as_writes(sandbox, api, unthrottled):
    api("GET", "/domains")
    api("POST", "/plans/1/power-users/quote/", json={"powerUsers": 10_000})
    api("POST", "/webhooks", json=webhook_body("https://hooks.example/e", ["USER_ADDED"]))
    assert [e.write for e in sandbox.journal.entries("egnyte")] == [False, False, True]


# -- webhooks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["eventTypes", "event_types"])
def test_it_registers_a_webhook_with_either_event_types_spelling(api, key):
    created = api(
        "POST", "/webhooks", json=webhook_body("https://hooks.example/a", ["USER_ADDED"], key)
    )
    assert created.status_code == 201
    hook_id = created.json()["webhook_id"]
    assert created.json() == {"webhook_id": hook_id, "status": "enabled"}
    assert api("GET", f"/webhooks/{hook_id}").json() == {
        "webhook_id": hook_id,
        "webhook_url": "https://hooks.example/a",
        "event_types": ["USER_ADDED"],
        "auth_header": "X-Portal-Token",
        "auth_header_value": "s3cret-hook-value",
        "status": "enabled",
    }


def test_it_refuses_a_webhook_with_unknown_or_no_event_types(api, unthrottled):
    unknown = api("POST", "/webhooks", json=webhook_body("https://h.example", ["NOPE"]))
    empty = api("POST", "/webhooks", json=webhook_body("https://h.example", []))
    assert unknown.status_code == empty.status_code == 400
    assert "eventTypes" in unknown.json()["errors"] and "eventTypes" in empty.json()["errors"]


def test_it_refuses_webhooks_over_the_limit_with_409(api, unthrottled):
    for index in range(5):
        body = webhook_body(f"https://hooks.example/{index}", ["USER_ADDED"])
        assert api("POST", "/webhooks", json=body).status_code == 201
    over = api("POST", "/webhooks", json=webhook_body("https://hooks.example/6", ["USER_ADDED"]))
    assert over.status_code == 409
    assert over.json() == {
        "message": "Max webhook limit exceeded.",
        "code": "webhook_limit_exceeded_error",
    }


def test_it_updates_lists_and_unregisters_webhooks(sandbox, api, unthrottled):
    hook_id = api(
        "POST", "/webhooks", json=webhook_body("https://h.example/1", ["USER_ADDED"])
    ).json()["webhook_id"]
    updated = api(
        "PUT",
        f"/webhooks/{hook_id}",
        json=webhook_body("https://h.example/2", ["RESELLER_MRR_CHANGED"]),
    )
    assert updated.json() == {"webhook_id": hook_id, "status": "enabled"}
    api(
        "PUT",
        f"/webhooks/{hook_id}",
        json=webhook_body("https://h.example/2", ["RESELLER_MRR_CHANGED"]),
    )
    assert api("GET", f"/webhooks/{hook_id}").json()["webhook_url"] == "https://h.example/2"
    assert api("GET", "/webhooks").json() == [{"webhook_id": hook_id, "status": "enabled"}]
    assert api("DELETE", f"/webhooks/{hook_id}").json() == {"success": True}
    assert sandbox.journal.count_actions("egnyte", "update_webhook") == 1  # the repeat was a no-op
    assert api("GET", f"/webhooks/{hook_id}").status_code == 404
    assert api("GET", "/webhooks").json() == []


def test_it_delivers_an_event_to_the_registered_url_with_the_auth_header(
    api, egnyte, receiver, unthrottled
):
    events = ["RESELLER_CREATED_CONNECT_TRIAL", "RESELLER_CONVERTED_CONNECT_TRIAL_TO_PAID"]
    api("POST", "/webhooks", json=webhook_body(receiver.url, events))
    api("POST", "/trials/", json=trial_body("hooked"))
    api("POST", "/trials/hooked/activate/", json={"planId": 1, "powerUsers": 5, "storageGB": 500})
    delivered = receiver.wait_for(2)
    assert [d["body"]["event_type"] for d in delivered] == events
    assert all(d["headers"]["X-Portal-Token"] == "s3cret-hook-value" for d in delivered)
    created = delivered[0]["body"]
    assert (created["domain_name"], created["power_users"], created["storage"]) == (
        "hooked",
        5,
        500,
    )
    assert {"reseller_code", "transaction_timestamp", "is_event_by_staff_user"} <= set(created)


def test_it_only_delivers_the_event_types_a_webhook_asked_for(api, egnyte, receiver, unthrottled):
    api("POST", "/webhooks", json=webhook_body(receiver.url, ["RESELLER_MRR_CHANGED"]))
    api("POST", "/trials/", json=trial_body("notforyou"))
    name = first_domain(egnyte)
    seats = egnyte.state.domains[name].power_users + 1
    api("POST", f"/domains/{name}/power-users/allocate", json={"powerUsers": seats})
    assert egnyte.delivery.wait_idle()
    assert [d["body"]["event_type"] for d in receiver.requests] == ["RESELLER_MRR_CHANGED"]
    assert receiver.requests[0]["body"]["power_users"] == seats


def test_it_retries_a_delivery_after_a_non_200_answer(api, egnyte, receiver, unthrottled):
    egnyte.delivery.retry_delays = (0.05, 0.05, 0.05)
    receiver.statuses = [500, 503]
    api("POST", "/webhooks", json=webhook_body(receiver.url, ["RESELLER_CREATED_CONNECT_TRIAL"]))
    api("POST", "/trials/", json=trial_body("retried"))
    delivered = receiver.wait_for(3)
    assert [d["status"] for d in delivered] == [500, 503, 200]
    assert len({str(d["body"]) for d in delivered}) == 1  # the same event each time
    assert egnyte.delivery.wait_idle()
    assert egnyte.state.webhooks[next(iter(egnyte.state.webhooks))].status == "enabled"


def test_it_disables_a_webhook_after_repeated_failures(api, egnyte, receiver, unthrottled):
    egnyte.delivery.retry_delays = (0.05, 0.05)
    egnyte.delivery.disable_after = 3
    receiver.statuses = [500] * 10
    hook_id = api(
        "POST", "/webhooks", json=webhook_body(receiver.url, ["RESELLER_CREATED_CONNECT_TRIAL"])
    ).json()["webhook_id"]
    api("POST", "/trials/", json=trial_body("failing"))
    assert egnyte.delivery.wait_idle()
    assert api("GET", f"/webhooks/{hook_id}").json()["status"] == "disabled"
    assert len(receiver.requests) == 3
    api("POST", "/trials/", json=trial_body("failing2"))
    assert egnyte.delivery.wait_idle()
    assert len(receiver.requests) == 3  # a disabled webhook gets nothing
    revived = api("PUT", f"/webhooks/{hook_id}", json=webhook_body(receiver.url, ["USER_ADDED"]))
    assert revived.json()["status"] == "enabled"


def test_it_answers_the_api_call_without_waiting_for_a_slow_receiver(
    api, egnyte, receiver, unthrottled
):
    receiver.delay = 1.5
    api("POST", "/webhooks", json=webhook_body(receiver.url, ["RESELLER_CREATED_CONNECT_TRIAL"]))
    started = time.monotonic()
    assert api("POST", "/trials/", json=trial_body("quick")).status_code == 201
    assert time.monotonic() - started < 1.0
    assert receiver.requests == []  # still being delivered
    assert len(receiver.wait_for(1)) == 1


# -- seeding, snapshot and the test-facing mutation API ------------------------------------------


def test_it_seeds_deterministically_with_a_status_mix(egnyte):
    other = EgnyteSandbox(rng_seed=7)
    other.seed(200, 7)
    again = EgnyteSandbox(rng_seed=7)
    again.seed(200, 7)
    assert other.snapshot() == again.snapshot()
    statuses = {t["status"] for t in other.snapshot()["tenants"]}
    assert {"active", "trial", "cancelled"} <= statuses
    assert statuses & {"on hold", "locked", "reseller manual locked", "cc declined"}
    kinds = [t["kind"] for t in other.snapshot()["tenants"]]
    assert kinds.count("protect") == 40 and kinds.count("domain") == 160


def test_it_seeds_a_thousand_tenants_well_under_two_seconds():
    started = time.monotonic()
    EgnyteSandbox(rng_seed=1).seed(1000, 1)
    assert time.monotonic() - started < 1.0


def test_it_applies_test_mutations_that_the_api_then_shows(api, egnyte, unthrottled):
    name = first_domain(egnyte)
    external_id = f"domain:{name}"
    for word, raw in STATUS_WORDS.items():
        egnyte.set_tenant_status(external_id, word)
        assert api("GET", f"/domains/{name}").json()["status"] == raw
    egnyte.set_seats(external_id, 33)
    assert api("GET", f"/domains/{name}").json()["availablePuLicences"] == 33
    egnyte.set_usage(external_id, dt.date.today().isoformat(), {"usedPuLicences": 21})  # JSON
    assert api("GET", f"/domains/{name}").json()["usedPuLicences"] == 21
    egnyte.remove_tenant(external_id)
    assert api("GET", f"/domains/{name}").status_code == 404
    assert external_id not in {t["external_id"] for t in egnyte.snapshot()["tenants"]}
