"""The RedAPI sandbox over real HTTP with plain ``requests``, authenticating as the KB says."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid

import jwt
import pytest
import requests

from vendors.redstor.sandbox import RedstorSandbox
from vendors.redstor.sandbox.state import CONSUMPTION_FIELDS
from vendors.sandbox.seeding import last_months

V = "redstor"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PROBLEM_KEYS = {"type", "title", "status", "traceId"}


def token_url(server) -> str:
    return server.vendor_url(V) + "/connect/token"


def assertion(server, *, credentials=None, **claims) -> str:
    """An RS256 client assertion per KB 1607; ``claims`` override the defaults (None drops one)."""
    creds = credentials or server.sandboxes[V].credentials()
    jwk = json.loads(creds["private_key"])
    now = int(time.time())
    body = {
        "iss": creds["client_id"],
        "sub": creds["client_id"],
        "aud": token_url(server),
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    key = jwt.algorithms.RSAAlgorithm.from_jwk(creds["private_key"])
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": jwk["kid"]})


def request_token(server, client_assertion: str | None = None, **form) -> requests.Response:
    data = {
        "grant_type": "client_credentials",
        "scope": "api.read api.write",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": client_assertion or assertion(server),
    }
    data.update(form)
    return requests.post(token_url(server), data=data, timeout=5)


def access_token(server, scope: str = "api.read api.write") -> str:
    response = request_token(server, scope=scope)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def api(server, method: str, path: str, *, token: str | None = None, **kwargs) -> requests.Response:
    headers = kwargs.pop("headers", {})
    if token is not False:
        headers.setdefault("Authorization", f"Bearer {token or access_token(server)}")
    return requests.request(
        method, server.vendor_url(V) + path, headers=headers, timeout=10, **kwargs
    )


def root_id(server) -> str:
    return server.sandboxes[V].state.root.company_id


def tenants(server) -> list[dict]:
    return server.sandboxes[V].snapshot()["tenants"]


def assert_problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS and body["status"] == status
    assert body["traceId"].startswith("00-")
    return body


def collect(server, path: str, token: str, **params) -> tuple[list[dict], list[dict]]:
    """Every page of a paged list: (items, raw page bodies)."""
    items, bodies = [], []
    query = dict(params)
    while True:
        response = api(server, "GET", path, token=token, params=query)
        if response.status_code == 204:
            return items, bodies
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        items.extend(body["results"])
        if "nextPageToken" not in body:
            return items, bodies
        query = {"pageToken": body["nextPageToken"]}


# -- the token endpoint (id.redstor.com/connect/token) -----------------------------------------


def test_it_issues_a_bearer_token_for_a_valid_client_assertion(sandbox):
    response = request_token(sandbox)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "api.read api.write" and body["access_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_it_serves_the_discovery_document_naming_the_token_endpoint(sandbox):
    response = requests.get(sandbox.vendor_url(V) + "/.well-known/openid-configuration", timeout=5)
    assert response.json()["token_endpoint"] == token_url(sandbox)
    assert "private_key_jwt" in response.json()["token_endpoint_auth_methods_supported"]


@pytest.mark.parametrize(
    "why, make",
    [
        ("wrong key", lambda s: assertion(s, credentials=s.sandboxes[V].invalid_credentials())),
        (
            "expired",
            lambda s: assertion(s, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        ),
        ("not yet valid", lambda s: assertion(s, nbf=int(time.time()) + 3600)),
        ("wrong audience", lambda s: assertion(s, aud="https://id.redstor.com/connect/token")),
        ("sub is not the client", lambda s: assertion(s, sub="someone-else")),
        ("unknown client", lambda s: assertion(s, iss="unknown", sub="unknown")),
        ("no jti", lambda s: assertion(s, jti=None)),
        ("not a jwt", lambda s: "not.a.jwt"),
    ],
)
def test_it_rejects_a_bad_client_assertion_as_invalid_client(sandbox, why, make):
    response = request_token(sandbox, make(sandbox))
    assert response.status_code == 400, why
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]


def test_it_rejects_a_replayed_assertion(sandbox):
    used = assertion(sandbox)
    assert request_token(sandbox, used).status_code == 200
    replay = request_token(sandbox, used)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_client"


def test_it_rejects_other_grant_types_and_unknown_scopes(sandbox):
    grant = request_token(sandbox, grant_type="password")
    assert grant.json()["error"] == "unsupported_grant_type"
    scope = request_token(sandbox, scope="api.read api.admin")
    assert scope.json()["error"] == "invalid_scope"


def test_it_does_not_journal_token_requests_as_writes(sandbox):
    access_token(sandbox)
    (entry,) = sandbox.journal.entries(V)
    assert entry.path == "/connect/token" and not entry.write and entry.actions == []


# -- API auth ----------------------------------------------------------------------------------


def test_it_answers_401_problem_details_without_a_token(sandbox):
    response = api(sandbox, "GET", "/companies", token=False)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_it_answers_401_for_an_unknown_or_expired_token(sandbox):
    assert_problem(api(sandbox, "GET", "/companies", token="forged"), 401)
    token = access_token(sandbox)
    sandbox.sandboxes[V].expire_tokens()
    expired = api(sandbox, "GET", "/companies", token=token)
    assert_problem(expired, 401)
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]


def test_it_accepts_the_token_in_the_x_api_key_header_too(sandbox):
    response = api(
        sandbox, "GET", "/companies", token=False, headers={"X-Api-Key": access_token(sandbox)}
    )
    assert response.status_code == 200


def test_it_refuses_writes_to_a_read_only_token(sandbox):
    token = access_token(sandbox, scope="api.read")
    assert api(sandbox, "GET", "/products", token=token).status_code == 200
    path = f"/companies/{tenants(sandbox)[0]['companyId']}/disable"
    assert_problem(api(sandbox, "PATCH", path, token=token), 403)
    assert sandbox.journal.count_actions(V) == 0


def test_it_enforces_auth_on_every_api_path(sandbox):
    company = tenants(sandbox)[0]["companyId"]
    paths = [
        "/companies",
        "/companies/search?search=a",
        f"/companies/{company}",
        f"/companies/{company}/customers",
        f"/companies/{company}/subscriptions",
        f"/companies/{company}/consumption/summary",
        f"/companies/{company}/backups/status",
        f"/users/list?companyId={company}",
        "/products",
        "/products/4",
    ]
    for path in paths:
        assert_problem(api(sandbox, "GET", path, token=False), 401)


def test_it_accepts_supported_api_versions_and_rejects_others(sandbox):
    token = access_token(sandbox)
    for version in ("1", "1.0", "2"):
        assert api(sandbox, "GET", "/companies", token=token, params={"apiVersion": version}).ok
    body = assert_problem(
        api(sandbox, "GET", "/companies", token=token, params={"apiVersion": "9"}), 400
    )
    assert "'9'" in body["detail"]


# -- companies -----------------------------------------------------------------------------------


def test_it_returns_the_root_partner_company(sandbox):
    body = api(sandbox, "GET", "/companies").json()
    assert set(body) == {"companyId", "companyName", "isEnabled", "type", "parentCompanyId"}
    assert body["type"] == "Partner" and body["companyId"] == root_id(sandbox)


def test_it_hides_companies_outside_the_service_accounts_tree(sandbox):
    state = sandbox.sandboxes[V].state
    foreign = next(c for c in state.companies.values() if not state.in_tree(c))
    body = assert_problem(api(sandbox, "GET", f"/companies/{foreign.company_id}"), 404)
    assert body["instance"] == f"/companies/{foreign.company_id}"


def test_it_pages_transitive_customers_with_page_tokens_visiting_each_once(sandbox):
    sandbox.reset([V], seed_tenants=60)
    token = access_token(sandbox)
    path = f"/companies/{root_id(sandbox)}/customers/transitive"
    items, bodies = collect(sandbox, path, token, maxResults=7, shouldReturnCount="true")
    ids = [c["companyId"] for c in items]
    expected = len(sandbox.sandboxes[V].state.transitive(root_id(sandbox)))
    assert len(ids) == len(set(ids)) == expected
    assert len(bodies) == -(-expected // 7)
    assert bodies[0]["totalCount"] == expected
    assert all(b["totalCount"] == -1 for b in bodies[1:])
    token_json = json.loads(base64.urlsafe_b64decode(bodies[0]["nextPageToken"] + "=="))
    assert token_json == {"Page": 2, "PageSize": 7, "TotalCount": expected}
    assert {c["type"] for c in items} == {"Partner", "Customer"}


def test_it_lists_only_direct_customers_without_the_transitive_suffix(sandbox):
    sandbox.reset([V], seed_tenants=60)
    token = access_token(sandbox)
    direct, _ = collect(sandbox, f"/companies/{root_id(sandbox)}/customers", token, maxResults=100)
    assert {c["parentCompanyId"] for c in direct} == {root_id(sandbox)}
    reseller = next(c for c in direct if c["type"] == "Partner")
    theirs, _ = collect(sandbox, f"/companies/{reseller['companyId']}/customers", token)
    assert theirs and {c["parentCompanyId"] for c in theirs} == {reseller["companyId"]}
    assert not {c["companyId"] for c in theirs} & {c["companyId"] for c in direct}


def test_it_omits_the_count_unless_asked(sandbox):
    body = api(sandbox, "GET", f"/companies/{root_id(sandbox)}/customers").json()
    assert body["totalCount"] == -1 and "nextPageToken" not in body


def test_it_validates_paging_parameters_as_problem_details(sandbox):
    token = access_token(sandbox)
    path = f"/companies/{root_id(sandbox)}/customers"
    too_many = assert_problem(
        api(sandbox, "GET", path, token=token, params={"maxResults": 101}), 400
    )
    assert "maxResults" in too_many["errors"]
    assert too_many["title"] == "One or more validation errors occurred."
    bad_token = assert_problem(
        api(sandbox, "GET", path, token=token, params={"pageToken": "zz"}), 400
    )
    assert "pageToken" in bad_token["errors"]


def test_it_answers_204_for_an_empty_customer_list(sandbox):
    company = tenants(sandbox)[0]["companyId"]
    assert api(sandbox, "GET", f"/companies/{company}/customers").status_code == 204


def test_it_searches_companies_by_name(sandbox):
    name = tenants(sandbox)[2]["companyName"]
    token = access_token(sandbox)
    items, _ = collect(sandbox, "/companies/search", token, search=name.lower())
    assert [c["companyName"] for c in items] == [name]
    missing = assert_problem(api(sandbox, "GET", "/companies/search", token=token), 400)
    assert "search" in missing["errors"]


def test_it_creates_a_customer_that_every_endpoint_then_sees(sandbox):
    token = access_token(sandbox)
    body = {
        "companyName": "Fresh Customer Ltd",
        "type": "Customer",
        "externalReference": "CP-1",
        "adminUser": {"name": "Ada Ops", "email": "ada@fresh.example"},
    }
    created = api(
        sandbox, "POST", f"/companies/{root_id(sandbox)}/customers", token=token, json=body
    )
    assert created.status_code == 201
    company = created.json()
    assert company["companyName"] == "Fresh Customer Ltd" and company["isEnabled"] is True
    assert company["parentCompanyId"] == root_id(sandbox) and company["externalReference"] == "CP-1"
    cid = company["companyId"]
    assert api(sandbox, "GET", f"/companies/{cid}", token=token).json() == company
    listed, _ = collect(sandbox, f"/companies/{root_id(sandbox)}/customers", token, maxResults=100)
    assert cid in {c["companyId"] for c in listed}
    users = api(sandbox, "GET", "/users/list", token=token, params={"companyId": cid}).json()
    assert users["results"][0]["email"] == "ada@fresh.example"
    assert any(t["external_id"] == cid and t["status"] == "pending" for t in tenants(sandbox))
    assert sandbox.journal.count_actions(V, "create_tenant") == 1


def test_it_validates_a_create_customer_request(sandbox):
    path = f"/companies/{root_id(sandbox)}/customers"
    token = access_token(sandbox)
    missing = assert_problem(
        api(sandbox, "POST", path, token=token, json={"type": "Customer"}), 400
    )
    assert "CompanyName" in missing["errors"]
    taken = tenants(sandbox)[0]["companyName"].upper()
    dup = assert_problem(api(sandbox, "POST", path, token=token, json={"companyName": taken}), 400)
    assert "already exists" in dup["errors"]["CompanyName"][0]
    under_customer = f"/companies/{tenants(sandbox)[0]['companyId']}/customers"
    assert_problem(
        api(sandbox, "POST", under_customer, token=token, json={"companyName": "X"}), 422
    )
    assert sandbox.journal.count_actions(V) == 0


def test_it_disables_and_enables_marking_only_real_changes(sandbox):
    token = access_token(sandbox)
    company = next(t for t in tenants(sandbox) if t["isEnabled"])["companyId"]
    for _ in range(2):
        assert (
            api(sandbox, "PATCH", f"/companies/{company}/disable", token=token).status_code == 200
        )
    assert api(sandbox, "GET", f"/companies/{company}", token=token).json()["isEnabled"] is False
    assert api(sandbox, "PATCH", f"/companies/{company}/enable", token=token).status_code == 200
    assert sandbox.journal.count_actions(V, "suspend") == 1
    assert sandbox.journal.count_actions(V, "resume") == 1


def test_it_deletes_a_company(sandbox):
    token = access_token(sandbox)
    company = tenants(sandbox)[0]["companyId"]
    assert api(sandbox, "DELETE", f"/companies/{company}", token=token).status_code == 200
    assert_problem(api(sandbox, "GET", f"/companies/{company}", token=token), 404)
    assert company not in {t["external_id"] for t in tenants(sandbox)}


def test_it_reassigns_a_customer_to_a_reseller(sandbox):
    sandbox.reset([V], seed_tenants=30)
    token = access_token(sandbox)
    snapshot = sandbox.sandboxes[V].snapshot()
    reseller = snapshot["partners"][0]["companyId"]
    customer = next(t for t in snapshot["tenants"] if t["parentCompanyId"] == root_id(sandbox))
    path = f"/companies/{reseller}/customers/{customer['companyId']}/reassign"
    assert api(sandbox, "PATCH", path, token=token).status_code == 200
    moved = api(sandbox, "GET", f"/companies/{customer['companyId']}", token=token).json()
    assert moved["parentCompanyId"] == reseller
    assert sandbox.journal.count_actions(V, "reassign") == 1


def test_it_answers_unknown_paths_with_problem_details(sandbox):
    body = assert_problem(api(sandbox, "GET", "/nothing/here"), 404)
    assert body["title"] == "Not Found"


# -- products and subscriptions ------------------------------------------------------------------


def test_it_lists_the_product_catalog_in_the_product_overview_shape(sandbox):
    products = api(sandbox, "GET", "/products").json()
    for product in products:
        assert set(product) == {"id", "name", "shortName", "description", "children", "editions"}
        assert all(set(e) == {"id", "name", "hasTrial"} for e in product["editions"])
    assert api(sandbox, "GET", "/products/4").json()["shortName"] == "O365"
    assert_problem(api(sandbox, "GET", "/products/999"), 404)


def test_it_subscribes_converts_and_removes_product_subscriptions(sandbox):
    token = access_token(sandbox)
    cid = api(
        sandbox,
        "POST",
        f"/companies/{root_id(sandbox)}/customers",
        token=token,
        json={"companyName": "Sub Test Ltd"},
    ).json()["companyId"]
    base = f"/companies/{cid}/subscriptions"
    assert api(sandbox, "GET", base, token=token).status_code == 204
    trial = api(
        sandbox,
        "POST",
        base + "/trial",
        token=token,
        json={"productId": 4, "editionId": 41, "licensedSeats": 5},
    )
    assert trial.status_code == 200
    sub = trial.json()
    assert set(sub) == {
        "subscriptionId",
        "productId",
        "editionId",
        "trialStatus",
        "isActive",
    }  # ProductSubscription as documented (redstor-redapi-v1.txt:424-429): no seat count
    assert sub["trialStatus"] == "InProgress" and sub["isActive"] is True
    again = api(sandbox, "POST", base, token=token, json={"productId": 4})
    assert "already subscribed" in assert_problem(again, 422)["detail"]
    convert = f"{base}/{sub['subscriptionId']}/trial/convert"
    assert api(sandbox, "PATCH", convert, token=token).status_code == 200
    assert_problem(api(sandbox, "PATCH", convert, token=token), 422)
    seats = api(
        sandbox, "PATCH", f"{base}/{sub['subscriptionId']}", token=token, json={"licensedSeats": 9}
    )
    assert_problem(seats, 405)  # no PATCH in the document (variant seat_patch=absent)
    assert api(sandbox, "DELETE", f"{base}/{sub['subscriptionId']}", token=token).status_code == 200
    assert_problem(api(sandbox, "DELETE", f"{base}/{sub['subscriptionId']}", token=token), 404)
    assert api(sandbox, "GET", base, token=token).status_code == 204  # removed: not listed
    actions = [a for e in sandbox.journal.entries(V) for a in e.actions]
    assert actions == ["create_tenant", "add_trial", "convert_trial", "cancel"]


def test_it_validates_subscription_requests(sandbox):
    token = access_token(sandbox)
    cid = tenants(sandbox)[0]["companyId"]
    base = f"/companies/{cid}/subscriptions"
    bad = assert_problem(api(sandbox, "POST", base, token=token, json={"productId": 999}), 400)
    assert "productId" in bad["errors"]
    wrong_edition = api(sandbox, "POST", base, token=token, json={"productId": 4, "editionId": 911})
    assert "editionId" in assert_problem(wrong_edition, 400)["errors"]
    no_trial = api(sandbox, "POST", base + "/trial", token=token, json={"productId": 91})
    assert assert_problem(no_trial, 422)["status"] == 422


# -- consumption ---------------------------------------------------------------------------------


def test_it_keeps_twelve_months_of_consumption_for_every_non_trial_tenant(sandbox):
    sandbox.reset([V], seed_tenants=40)
    box = sandbox.sandboxes[V]
    for tenant in tenants(sandbox):
        for month in last_months(12):
            rows = box.consumption(tenant["external_id"], month)
            assert bool(rows) == (tenant["status"] != "trial"), (tenant["status"], month)


def test_it_serves_a_past_months_company_consumption(sandbox):
    tenant = next(t for t in tenants(sandbox) if t["status"] == "active")
    month = last_months(12)[-3]
    rows = api(
        sandbox,
        "GET",
        f"/companies/{tenant['companyId']}/consumption/company",
        params={"date": f"{month:%Y-%m}-15T00:00:00Z"},
    ).json()
    assert rows == sandbox.sandboxes[V].consumption(tenant["companyId"], month)
    assert {r["subscriptionId"] for r in rows} == {
        s["subscriptionId"] for s in tenant["subscriptions"]
    }
    for row in rows:
        assert set(CONSUMPTION_FIELDS) <= set(row)
        assert {"productId", "productName", "sku", "isTrial"} <= set(row)


def test_it_excludes_trial_consumption_when_asked(sandbox):
    sandbox.reset([V], seed_tenants=40)
    trial = next(t for t in tenants(sandbox) if t["status"] == "trial")
    path = f"/companies/{trial['companyId']}/consumption/company"
    rows = api(sandbox, "GET", path).json()
    assert rows and all(r["isTrial"] for r in rows)
    assert api(sandbox, "GET", path, params={"shouldExcludeTrials": "true"}).status_code == 204


def test_it_refuses_a_future_consumption_date(sandbox):
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    path = f"/companies/{tenants(sandbox)[0]['companyId']}/consumption/company"
    assert_problem(api(sandbox, "GET", path, params={"date": future}), 422)


def test_it_sums_the_consumption_summary_over_every_customer(sandbox):
    box = sandbox.sandboxes[V]
    body = api(sandbox, "GET", f"/companies/{root_id(sandbox)}/consumption/summary").json()
    current = [
        r
        for t in tenants(sandbox)
        for r in box.state.company_consumption(box.state.company(t["companyId"]), 12, False)
    ]
    assert body["customerSummary"]["activeSeats"] == sum(r["activeSeats"] for r in current)
    assert set(body["companySummary"]) == set(CONSUMPTION_FIELDS)


def test_it_pages_transitive_consumption_rows_with_company_fields(sandbox):
    sandbox.reset([V], seed_tenants=30)
    token = access_token(sandbox)
    path = f"/companies/{root_id(sandbox)}/consumption/customers/transitive"
    rows, bodies = collect(sandbox, path, token, maxResults=25)
    assert len(bodies) > 1
    assert len({r["subscriptionId"] for r in rows}) == len(rows)
    live = sum(1 for t in tenants(sandbox) for s in t["subscriptions"] if s["isActive"])
    assert len(rows) == live
    assert {"companyId", "companyName", "parentCompanyId"} <= set(rows[0])


def test_it_groups_direct_consumption_per_customer(sandbox):
    sandbox.reset([V], seed_tenants=30)
    token = access_token(sandbox)
    path = f"/companies/{root_id(sandbox)}/consumption/customers/direct"
    results, _ = collect(sandbox, path, token, maxResults=100)
    assert {r["companyId"] for r in results} == {
        c.company_id for c in sandbox.sandboxes[V].state.direct(root_id(sandbox))
    }
    assert all(set(r) == {"companyId", "companyName", "productConsumption"} for r in results)


# -- backup and restore statuses -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["backups", "restores"])
def test_it_reports_operation_statuses_per_product(sandbox, kind):
    token = access_token(sandbox)
    tenant = next(t for t in tenants(sandbox) if t["status"] == "active")
    base = f"/companies/{tenant['companyId']}/{kind}/status"
    company = api(sandbox, "GET", base, token=token).json()
    assert company["companyId"] == tenant["companyId"] and company["statuses"]
    assert set(company["statuses"][0]) == {
        "success",
        "errors",
        "warnings",
        "failed",
        "productName",
        "productId",
    }
    only = api(
        sandbox, "GET", base, token=token, params={"productId": company["statuses"][0]["productId"]}
    )
    assert len(only.json()["statuses"]) == 1
    accounts = api(sandbox, "GET", base + "/accounts", token=token).json()
    assert {"accountId", "accountName", "status", "productId", "companyId", "timestamp"} <= set(
        accounts["results"][0]
    )
    summary = api(
        sandbox, "GET", f"/companies/{root_id(sandbox)}/{kind}/status/summary", token=token
    ).json()
    assert set(summary) == {"companySummary", "customerSummary"}
    customers = api(
        sandbox, "GET", f"/companies/{root_id(sandbox)}/{kind}/status/customers", token=token
    )
    assert {"companyId", "companyName", "statuses"} == set(customers.json()["results"][0])


# -- throttling, faults ------------------------------------------------------------------------


def test_it_throttles_over_the_fair_use_rate_with_problem_details_and_retry_after(sandbox):
    token = access_token(sandbox)
    sandbox.set_rate_limit(V, 3)
    try:
        statuses = [api(sandbox, "GET", "/products", token=token) for _ in range(5)]
    finally:
        sandbox.set_rate_limit(V, None)
        sandbox.rate_overrides.pop(V, None)
    throttled = [r for r in statuses if r.status_code == 429]
    assert throttled
    assert_problem(throttled[0], 429)
    assert throttled[0].headers["Retry-After"] == "1"


def test_it_answers_an_injected_throttle_and_server_error_in_its_own_format(sandbox):
    token = access_token(sandbox)
    sandbox.set_faults(V, throttle_rate=1.0, retry_after=7, max_faults=1)
    throttled = api(sandbox, "GET", "/products", token=token)
    assert_problem(throttled, 429)
    assert throttled.headers["Retry-After"] == "7"
    sandbox.set_faults(V, error_rate=1.0, max_faults=1)
    assert_problem(api(sandbox, "GET", "/products", token=token), 500)


# -- seeding and test-facing mutations ------------------------------------------------------------


def test_it_seeds_deterministically_with_a_status_mix_and_about_three_subscriptions(sandbox):
    first, second = RedstorSandbox(3), RedstorSandbox(3)
    first.seed(200, 3)
    second.seed(200, 3)
    a, b = first.snapshot()["tenants"], second.snapshot()["tenants"]
    assert a == b and len(a) == 200
    assert {t["status"] for t in a} == {"active", "trial", "suspended", "cancelled"}
    paid = [t for t in a if t["status"] != "trial"]
    assert 2.5 <= sum(len(t["subscriptions"]) for t in paid) / len(paid) <= 3.5


def test_it_seeds_a_thousand_tenants_well_under_two_seconds():
    box = RedstorSandbox(11)
    started = time.monotonic()
    box.seed(1000, 11)
    assert time.monotonic() - started < 1.0
    assert len(box.snapshot()["tenants"]) == 1000


def test_it_lets_tests_change_the_vendor_behind_the_portals_back(sandbox):
    box = sandbox.sandboxes[V]
    tenant = next(t for t in tenants(sandbox) if t["status"] == "active")
    cid = tenant["external_id"]
    for status in ("suspended", "cancelled", "trial", "active"):
        box.set_tenant_status(cid, status)
        assert next(t for t in tenants(sandbox) if t["external_id"] == cid)["status"] == status
    box.set_seats(cid, 77)
    assert box.state.main_subscription(cid).seats == 77
    month = last_months(12)[-1]
    box.set_usage(cid, month, {"activeSeats": 42, "fupOverageInBytes": 5})
    row = box.consumption(cid, month)[0]
    assert (row["activeSeats"], row["fupOverageInBytes"]) == (42, 5)
    box.remove_tenant(cid)
    assert_problem(api(sandbox, "GET", f"/companies/{cid}"), 404)
