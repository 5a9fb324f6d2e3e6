"""The Lookout sandbox over real HTTP, with plain requests: auth, shapes, orders, pagination, errors."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import requests

from vendors.lookout.sandbox import LookoutSandbox

API = "/api/partners/v1"


@pytest.fixture
def lookout(sandbox):
    """A small client: base URL, the sandbox object and an authorised session."""

    class Client:
        server = sandbox
        url = sandbox.vendor_url("lookout")

        @property
        def box(self) -> LookoutSandbox:
            return self.server.sandboxes["lookout"]  # a reset replaces the instance

        def token(self, key: str | None = None) -> requests.Response:
            key = key or self.box.credentials()["application_key"]
            return requests.post(
                f"{self.url}/oauth2/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
            )

        def headers(self) -> dict[str, str]:
            return {"Authorization": f"Bearer {self.token().json()['access_token']}"}

        def get(self, path: str, **kwargs) -> requests.Response:
            if "headers" not in kwargs:
                kwargs["headers"] = self.headers()
            return requests.get(f"{self.url}{API}{path}", **kwargs)

        def post(self, path: str, body, **kwargs) -> requests.Response:
            if "headers" not in kwargs:
                kwargs["headers"] = self.headers()
            return requests.post(f"{self.url}{API}{path}", json=body, **kwargs)

    return Client()


def listed(lookout, tenant_id: str, headers=None) -> dict:
    """A tenant's TenantDetails from the documented listing (GET /tenants/{id} is not documented)."""
    tenants = lookout.get("/tenants", params={"limit": 100}, headers=headers or lookout.headers())
    return next(t for t in tenants.json()["tenants"] if t["externalPartnerId"] == tenant_id)


def create_body(**overrides):
    suffix = uuid.uuid4().hex[:8]
    body = {
        "transactionId": f"tx-{suffix}",
        "externalPartnerId": f"CP-{suffix}",
        "skus": "MES_ADVANCED",
        "termType": "YEAR",
        "termLength": 1,
        "seatTotal": 10,
        "companyName": f"Sandbox Test {suffix}",
        "contactEmail": f"ops-{suffix}@example.com",
        "contactFirstName": "Ada",
        "contactLastName": "Ops",
    }
    body.update(overrides)
    return body


def assert_lookout_error(response: requests.Response, status: int) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"message", "traceId"} and body["message"]
    uuid.UUID(body["traceId"])
    return body


def place(lookout, path: str, body) -> dict:
    """Post an order and poll it until processed, as a partner would."""
    posted = lookout.post(f"/orders{path}", body)
    assert posted.status_code in (200, 201), posted.text
    return lookout.get(f"/orders/{body['transactionId']}").json()


# -- auth ------------------------------------------------------------------------------------


def test_it_issues_an_expiring_bearer_token_for_the_application_key(lookout):
    response = lookout.token()
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "Bearer" and body["access_token"]
    assert body["expires_in"] == 7200
    assert abs(body["expires_at"] - (time.time() + 7200) * 1000) < 5000


def test_it_refuses_a_wrong_application_key_with_an_oauth_error(lookout):
    wrong = lookout.box.invalid_credentials()["application_key"]
    response = lookout.token(wrong)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_refuses_a_token_request_without_the_client_credentials_grant(lookout):
    key = lookout.box.credentials()["application_key"]
    response = requests.post(
        f"{lookout.url}/oauth2/token",
        data={"grant_type": "password"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_it_refuses_api_calls_without_a_token(lookout):
    assert_lookout_error(lookout.get("/tenants", headers={}), 401)


def test_it_refuses_the_application_key_used_as_an_access_token(lookout):
    key = lookout.box.credentials()["application_key"]
    response = lookout.get("/tenants", headers={"Authorization": f"Bearer {key}"})
    assert_lookout_error(response, 401)


def test_it_refuses_an_expired_token_until_a_new_one_is_fetched(lookout):
    lookout.box.configure(token_lifetime=1)
    headers = lookout.headers()
    assert lookout.get("/tenants", headers=headers).status_code == 200
    time.sleep(1.1)
    assert (
        "expired" in assert_lookout_error(lookout.get("/tenants", headers=headers), 401)["message"]
    )
    assert lookout.get("/tenants").status_code == 200


def test_it_expires_every_token_on_demand(lookout):
    headers = lookout.headers()
    lookout.box.expire_tokens()
    assert_lookout_error(lookout.get("/tenants", headers=headers), 401)


def test_it_counts_only_state_changes_as_writes(lookout):
    since = lookout.server.journal.last_seq
    headers = lookout.headers()
    lookout.get("/tenants", headers=headers)
    place(lookout, "", create_body())
    writes = {(e.method, e.path): e.write for e in lookout.server.journal.entries("lookout", since)}
    assert writes[("POST", "/oauth2/token")] is False
    assert writes[("GET", f"{API}/tenants")] is False
    assert writes[("POST", f"{API}/orders")] is True


# -- tenants -----------------------------------------------------------------------------------


def test_it_pages_tenants_with_offset_and_limit_visiting_each_once(lookout):
    lookout.server.reset(["lookout"], seed_tenants=45)
    headers, seen, offset = lookout.headers(), [], 0
    while True:
        page = lookout.get("/tenants", params={"offset": offset, "limit": 10}, headers=headers)
        body = page.json()
        assert body["count"] == 45
        if not body["tenants"]:
            break
        seen += [t["externalPartnerId"] for t in body["tenants"]]
        offset += len(body["tenants"])
    assert len(seen) == len(set(seen)) == 45


def test_it_caps_a_page_at_100_tenants(lookout):
    lookout.server.reset(["lookout"], seed_tenants=120)
    body = lookout.get("/tenants", params={"limit": 500}).json()
    assert len(body["tenants"]) == 100 and body["count"] == 120


def test_it_answers_a_bad_offset_with_a_lookout_400(lookout):
    assert_lookout_error(lookout.get("/tenants", params={"offset": "x"}), 400)


def test_it_lists_tenant_details_in_the_documented_shape(lookout):
    tenant = lookout.get("/tenants").json()["tenants"][0]
    assert set(tenant) == {
        "name", "externalPartnerId", "skus", "licenseUsage", "billingDate", "state", "guid"
    }  # fmt: skip


def test_it_answers_tenant_detail_subscription_and_figures(lookout):
    tenant_id = lookout.get("/tenants").json()["tenants"][0]["externalPartnerId"]
    headers = lookout.headers()
    detail = listed(lookout, tenant_id, headers)
    subscription = lookout.get(f"/tenants/{tenant_id}/subscription", headers=headers).json()
    assert set(subscription) >= {
        "skus", "termType", "termLength", "seatTotal", "autoRenewState", "renewalDate"
    }  # fmt: skip
    purchased = lookout.get(f"/tenants/{tenant_id}/licenses_purchased", headers=headers).json()
    used = lookout.get(f"/tenants/{tenant_id}/licenses_used", headers=headers).json()
    assert purchased == {"licensesPurchased": subscription["seatTotal"]}
    assert detail["licenseUsage"] == f"{used['licensesUsed']}/{subscription['seatTotal']}"
    bundle = lookout.get(f"/tenants/{tenant_id}/data_bundle", headers=headers).json()
    assert bundle["licensesPurchased"] == subscription["seatTotal"]
    assert bundle["licensesUsed"] == used["licensesUsed"]
    assert {"adminLogins", "openIssues", "protections"} <= set(bundle)


def test_it_has_no_tenant_detail_route_unless_the_variant_serves_it(lookout):
    tenant_id = lookout.get("/tenants").json()["tenants"][0]["externalPartnerId"]
    assert_lookout_error(lookout.get(f"/tenants/{tenant_id}"), 404)
    lookout.server.set_variant("lookout", tenant_get="served")
    tenant_id = lookout.get("/tenants").json()["tenants"][0]["externalPartnerId"]
    detail = lookout.get(f"/tenants/{tenant_id}").json()
    assert detail["externalPartnerId"] == tenant_id and detail["companyName"] == detail["name"]
    assert {"contactEmail", "contactFirstName", "contactLastName"} <= set(detail)
    assert_lookout_error(lookout.get("/tenants/nobody"), 404)


def test_it_answers_an_unknown_tenant_with_a_lookout_404(lookout):
    assert_lookout_error(lookout.get("/tenants/nobody/subscription"), 404)


def test_it_answers_an_unknown_path_with_a_lookout_404(lookout):
    assert_lookout_error(lookout.get("/nothing-here"), 404)


def test_it_ignores_the_data_bundle_filter_by_default(lookout):
    tenant = lookout.box.snapshot()["tenants"][0]
    path = f"/tenants/{tenant['externalPartnerId']}/data_bundle"
    bundle = lookout.get(path, params={"filter": "2001-01"}).json()
    assert "filter" not in bundle and bundle["licensesUsed"] == tenant["licensesUsed"]
    assert lookout.get(path, params={"filter": "last"}).status_code == 200


def test_it_answers_a_past_month_of_licences_from_the_history(lookout):
    lookout.server.set_variant("lookout", usage_filter="month")
    snapshot = lookout.box.snapshot()
    tenant = next(t for t in snapshot["tenants"] if t["usage"])
    month = sorted(tenant["usage"])[-1]
    bundle = lookout.get(
        f"/tenants/{tenant['externalPartnerId']}/data_bundle", params={"filter": month}
    ).json()
    assert bundle["licensesUsed"] == tenant["usage"][month]["licensesUsed"]
    assert bundle["licensesPurchased"] == tenant["usage"][month]["licensesPurchased"]
    assert bundle["filter"] == month


def test_it_refuses_a_data_bundle_filter_that_is_not_a_month(lookout):
    lookout.server.set_variant("lookout", usage_filter="month")
    tenant_id = lookout.get("/tenants").json()["tenants"][0]["externalPartnerId"]
    assert_lookout_error(lookout.get(f"/tenants/{tenant_id}/data_bundle?filter=last"), 400)


def test_it_sums_the_global_data(lookout):
    body = lookout.get("/tenants/global_data").json()
    assert body["appsAnalyzed"] > 0 and "countries" in body


# -- orders ------------------------------------------------------------------------------------


def test_it_accepts_a_create_order_as_pending_and_completes_it_when_polled(lookout):
    body = create_body()
    count = lookout.get("/tenants").json()["count"]
    posted = lookout.post("/orders", body)
    assert posted.status_code == 201
    assert posted.json()["orderState"] == "PENDING"
    assert listed(lookout, body["externalPartnerId"])["state"] == "PENDING"
    order = lookout.get(f"/orders/{body['transactionId']}").json()
    assert order["orderState"] == "COMPLETED" and order["orderType"] == "CREATE"
    tenant = listed(lookout, body["externalPartnerId"])
    assert tenant["state"] == "ACTIVE" and order["lookoutEntityGuid"] == tenant["guid"]
    assert lookout.get("/tenants").json()["count"] == count + 1
    assert lookout.server.journal.count_actions("lookout", "create_tenant") == 1


def test_it_does_not_create_a_second_tenant_for_a_repeated_transaction_id(lookout):
    body = create_body()
    first = lookout.post("/orders", body)
    again = lookout.post("/orders", body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["transactionId"] == body["transactionId"]
    ids = [t["externalPartnerId"] for t in lookout.box.snapshot()["tenants"]]
    assert ids.count(body["externalPartnerId"]) == 1
    assert lookout.server.journal.count_actions("lookout", "create_tenant") == 1


def test_it_refuses_a_transaction_id_reused_for_another_order(lookout):
    body = create_body()
    place(lookout, "", body)
    other = {**body, "externalPartnerId": "CP-someone-else"}
    assert "already used" in assert_lookout_error(lookout.post("/orders", other), 400)["message"]


def test_it_fails_a_create_order_for_an_existing_tenant_asynchronously(lookout):
    body = create_body()
    place(lookout, "", body)
    order = place(lookout, "", {**body, "transactionId": f"tx-{uuid.uuid4().hex}"})
    assert order["orderState"] == "FAILED" and "already exists" in order["errorMessage"]
    assert lookout.server.journal.count_actions("lookout", "create_tenant") == 1


def test_it_refuses_a_create_order_missing_a_required_field(lookout):
    body = create_body()
    del body["contactEmail"]
    assert "contactEmail" in assert_lookout_error(lookout.post("/orders", body), 400)["message"]


def test_it_keeps_an_order_in_progress_until_polled_enough(lookout):
    lookout.box.configure(order_polls_to_complete=3)
    body = create_body()
    headers = lookout.headers()
    lookout.post("/orders", body, headers=headers)
    states = [
        lookout.get(f"/orders/{body['transactionId']}", headers=headers).json()["orderState"]
        for _ in range(3)
    ]
    assert states == ["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]


def test_it_completes_an_order_only_after_its_delay(lookout):
    lookout.box.configure(order_delay_seconds=0.5)
    body = create_body()
    lookout.post("/orders", body)
    assert lookout.get(f"/orders/{body['transactionId']}").json()["orderState"] == "IN_PROGRESS"
    time.sleep(0.55)
    assert lookout.get(f"/orders/{body['transactionId']}").json()["orderState"] == "COMPLETED"


def test_it_answers_an_unknown_transaction_id_with_a_lookout_404(lookout):
    assert_lookout_error(lookout.get("/orders/never-sent"), 404)


def test_it_modifies_seats_and_sku_and_marks_each_change(lookout):
    body = create_body()
    place(lookout, "", body)
    modify = {
        "transactionId": f"tx-{uuid.uuid4().hex}",
        "externalPartnerId": body["externalPartnerId"],
        "skus": "MES_PREMIUM",
        "seatTotal": 25,
    }
    assert place(lookout, "/modify", modify)["orderState"] == "COMPLETED"
    subscription = lookout.get(f"/tenants/{body['externalPartnerId']}/subscription").json()
    assert (subscription["skus"], subscription["seatTotal"]) == ("MES_PREMIUM", 25)
    journal = lookout.server.journal
    assert journal.count_actions("lookout", "change_plan") == 1
    assert journal.count_actions("lookout", "change_seats") == 1
    lookout.post("/orders/modify", modify)  # replay
    assert journal.count_actions("lookout", "change_seats") == 1


def test_it_refuses_a_term_change_in_a_modify_order(lookout):
    body = create_body()
    place(lookout, "", body)
    modify = {
        "transactionId": f"tx-{uuid.uuid4().hex}",
        "externalPartnerId": body["externalPartnerId"],
        "skus": body["skus"],
        "termType": "MONTH",
    }
    assert "renew" in assert_lookout_error(lookout.post("/orders/modify", modify), 400)["message"]


def test_it_refuses_an_order_for_an_unknown_tenant(lookout):
    modify = {"transactionId": "tx-x", "externalPartnerId": "nobody", "skus": "MES_ADVANCED"}
    assert_lookout_error(lookout.post("/orders/modify", modify), 400)


def test_it_renews_a_trial_into_a_paid_term(lookout):
    body = create_body(termType="TRIAL", termLength=30)
    place(lookout, "", body)
    tenant_id = body["externalPartnerId"]
    assert listed(lookout, tenant_id)["state"] == "TRIAL"
    renew = {
        "transactionId": f"tx-{uuid.uuid4().hex}",
        "externalPartnerId": tenant_id,
        "skus": body["skus"],
        "termType": "YEAR",
        "termLength": 1,
    }
    assert place(lookout, "/renew", renew)["orderState"] == "COMPLETED"
    assert listed(lookout, tenant_id)["state"] == "ACTIVE"
    assert lookout.get(f"/tenants/{tenant_id}/subscription").json()["termType"] == "YEAR"
    assert lookout.server.journal.count_actions("lookout", "convert_trial") == 1


def test_it_cancels_once_and_fails_a_second_cancel(lookout):
    body = create_body()
    place(lookout, "", body)
    cancel = {"externalPartnerId": body["externalPartnerId"], "skus": body["skus"]}
    first = place(lookout, "/cancel", {**cancel, "transactionId": f"tx-{uuid.uuid4().hex}"})
    second = place(lookout, "/cancel", {**cancel, "transactionId": f"tx-{uuid.uuid4().hex}"})
    assert first["orderState"] == "COMPLETED" and second["orderState"] == "FAILED"
    assert listed(lookout, body["externalPartnerId"])["state"] == "CANCELLED"
    assert lookout.server.journal.count_actions("lookout", "cancel") == 1


def test_it_lists_the_orders_of_a_tenant(lookout):
    body = create_body()
    place(lookout, "", body)
    modify = {
        "transactionId": f"tx-{uuid.uuid4().hex}",
        "externalPartnerId": body["externalPartnerId"],
        "skus": body["skus"],
        "seatTotal": 11,
    }
    place(lookout, "/modify", modify)
    orders = lookout.get(f"/tenants/{body['externalPartnerId']}/orders").json()["orders"]
    assert [o["orderType"] for o in orders] == ["CREATE", "MODIFY"]


# -- orgs and management keys ------------------------------------------------------------------


def test_it_lists_orgs_and_their_tenants(lookout):
    lookout.server.reset(["lookout"], seed_tenants=60)
    headers = lookout.headers()
    orgs = lookout.get("/orgs", headers=headers).json()
    assert orgs["count"] == len(orgs["orgs"]) >= 2
    org = orgs["orgs"][0]
    assert set(org) >= {"name", "externalOrgId", "seats", "defaultOrganization", "state"}
    assert lookout.get(f"/orgs/{org['externalOrgId']}", headers=headers).json() == org
    assert lookout.get("/orgs/default", headers=headers).json()["defaultOrganization"] is True
    members = lookout.get(f"/orgs/{org['externalOrgId']}/tenants", headers=headers).json()
    expected = [
        t["externalPartnerId"]
        for t in lookout.box.snapshot()["tenants"]
        if t["externalOrgId"] == org["externalOrgId"]
    ]
    assert [t["externalPartnerId"] for t in members["tenants"]] == expected[:20]
    assert members["count"] == len(expected)


def test_it_changes_the_default_org(lookout):
    lookout.server.reset(["lookout"], seed_tenants=60)
    second = lookout.get("/orgs").json()["orgs"][1]["externalOrgId"]
    response = requests.put(
        f"{lookout.url}{API}/orgs/{second}/default", json={}, headers=lookout.headers()
    )
    assert response.json()["defaultOrganization"] is True
    assert lookout.get("/orgs/default").json()["externalOrgId"] == second


def test_it_shows_a_management_key_only_when_created(lookout):
    tenant_id = lookout.get("/tenants").json()["tenants"][0]["externalPartnerId"]
    path = f"{lookout.url}{API}/mgmt/tenants/{tenant_id}/application_keys"
    headers = lookout.headers()
    created = requests.post(path, json={}, headers=headers).json()
    assert created["key"] and created["key_name"].startswith("ManagementApi-")
    fetched = requests.get(f"{path}/{created['guid']}", headers=headers).json()
    assert "key" not in fetched and fetched["guid"] == created["guid"]
    requests.delete(f"{path}/{created['guid']}", headers=headers)
    assert requests.get(path, headers=headers).json() == []


# -- throttling, faults, seeding, test hooks ---------------------------------------------------


def test_it_answers_its_rate_limit_in_lookout_format(lookout):
    headers = lookout.headers()
    lookout.server.set_rate_limit("lookout", 2)
    try:
        answers = [lookout.get("/tenants", headers=headers) for _ in range(3)]
    finally:
        lookout.server.set_rate_limit("lookout", None)
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_lookout_error(answers[2], 429)
    assert answers[2].headers["Retry-After"] == "1"


def test_it_throttles_and_fails_in_lookout_format_under_faults(lookout):
    headers = lookout.headers()
    lookout.server.set_faults("lookout", throttle_rate=1.0, retry_after=3, max_faults=1)
    throttled = lookout.get("/tenants", headers=headers)
    assert_lookout_error(throttled, 429)
    assert throttled.headers["Retry-After"] == "3"
    lookout.server.set_faults("lookout", error_rate=1.0, max_faults=1)
    assert_lookout_error(lookout.get("/tenants", headers=headers), 500)


def test_it_seeds_a_status_mix_with_a_year_of_usage_for_paying_tenants(lookout):
    lookout.server.reset(["lookout"], seed_tenants=200)
    tenants = lookout.box.snapshot()["tenants"]
    assert {t["state"] for t in tenants} == {"ACTIVE", "TRIAL", "SUSPENDED", "CANCELLED"}
    for tenant in tenants:
        assert len(tenant["subscriptions"]) == 1
        assert len(tenant["usage"]) == (0 if tenant["state"] == "TRIAL" else 12)


def test_it_seeds_the_same_data_for_the_same_seed():
    first, second = LookoutSandbox(), LookoutSandbox()
    first.seed(20, 3)
    second.seed(20, 3)
    assert first.snapshot()["tenants"] == second.snapshot()["tenants"]


def test_it_seeds_a_thousand_tenants_well_under_two_seconds():
    started = time.monotonic()
    LookoutSandbox().seed(1000, 1)
    assert time.monotonic() - started < 1.0


def test_it_shows_changes_made_behind_the_partners_back(lookout):
    lookout.server.set_variant("lookout", usage_filter="month", tenant_get="served")
    tenant_id = lookout.get("/tenants").json()["tenants"][0]["externalPartnerId"]
    box = lookout.box
    box.set_tenant_status(tenant_id, "suspended")
    box.set_seats(tenant_id, 77)
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    box.set_usage(tenant_id, last_month, {"licensesUsed": 70, "seats_purchased": 77})
    headers = lookout.headers()
    assert lookout.get(f"/tenants/{tenant_id}", headers=headers).json()["state"] == "SUSPENDED"
    subscription = lookout.get(f"/tenants/{tenant_id}/subscription", headers=headers).json()
    assert subscription["seatTotal"] == 77
    bundle = lookout.get(
        f"/tenants/{tenant_id}/data_bundle",
        params={"filter": last_month.strftime("%Y-%m")},
        headers=headers,
    ).json()
    assert (bundle["licensesUsed"], bundle["licensesPurchased"]) == (70, 77)
    box.remove_tenant(tenant_id)
    assert_lookout_error(lookout.get(f"/tenants/{tenant_id}", headers=headers), 404)
