"""The LMPI sandbox over real HTTP with plain ``requests``, signing as the LMPI docs say."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

from vendors.sandbox.seeding import last_months
from vendors.trendmicro.sandbox import TrendMicroSandbox

V = "trendmicro"
WIDE = {"created_start": "2000-01-01T00:00:00Z", "created_end": "2100-01-01T00:00:00Z"}


def lmpi(
    server,
    method: str,
    path: str,
    *,
    params=None,
    body=None,
    credentials=None,
    posix_time: int | None = None,
    content_type: str = "application/json; charset=utf-8",
    omit: tuple[str, ...] = (),
    sign_path: str | None = None,
    sign_body: bytes | None = None,
) -> requests.Response:
    """One request signed per "Invoking LMPI": time + METHOD + URI (+ base64 md5 of the body)."""
    creds = credentials or server.sandboxes[V].credentials()
    data = json.dumps(body).encode() if body is not None else None
    prepared = requests.Request(
        method, server.vendor_url(V) + path, params=params, data=data
    ).prepare()
    uri = sign_path or prepared.path_url.removeprefix(f"/{V}")
    signed_body = sign_body if sign_body is not None else data
    posix = str(posix_time if posix_time is not None else int(time.time()))
    text = posix + method + uri
    if signed_body:
        text += base64.b64encode(hashlib.md5(signed_body).digest()).decode()
    mac = hmac.new(creds["secret_key"].encode(), text.encode(), hashlib.sha256).digest()
    headers = {
        "x-access-token": creds["access_token"],
        "x-posix-time": posix,
        "x-signature": base64.b64encode(mac).decode(),
        "x-traceid": str(uuid.uuid4()),
        "Content-Type": content_type,
    }
    for name in omit:
        headers.pop(name)
    prepared.headers.update(headers)
    with requests.Session() as session:
        return session.send(prepared, timeout=10)


def error_of(response: requests.Response) -> dict:
    body = json.loads(response.text)  # served as text/html like the documented example
    assert set(body) == {"error_subject", "error_message"}
    return body


def customers(server, **params) -> dict:
    response = lmpi(server, "GET", "/LMPI/v3/customers", params={**WIDE, **params})
    assert response.status_code == 200
    return response.json()


def new_customer(server, name: str = "Signed Test Ltd", note: str = "") -> str:
    suffix = uuid.uuid4().hex[:8]
    response = lmpi(
        server,
        "POST",
        "/LMPI/v2/customers",
        body={
            "company": {
                "name": name,
                "city": "Leeds",
                "state": "England",
                "country": "GB",
                "note": note,
            },
            "user": {
                "login_name": f"admin-{suffix}",
                "first_name": "Ada",
                "last_name": "Ops",
                "email": f"ada-{suffix}@example.com",
                "time_zone": "GMT Standard Time",
                "language": "en-US",
            },
        },
    )
    assert response.status_code == 200, response.text
    return response.json()["customer_id"]


def plan_id(server, code: str = "NNZBXXE1X", version: str = "full") -> str:
    plans = lmpi(server, "GET", "/LMPI/v2/me/serviceplans").json()
    return next(
        p["service_plan_id"] for p in plans if (p["product_code"], p["version"]) == (code, version)
    )


def subscribe(server, customer_id: str, units: int = 5, version: str = "full") -> dict:
    response = lmpi(
        server,
        "POST",
        f"/LMPI/v2/customers/{customer_id}/subscriptions",
        body={"service_plan_id": plan_id(server, version=version), "units_per_license": units},
    )
    assert response.status_code == 200, response.text
    return response.json()


def get_sub(server, customer_id: str, subscription_id: str) -> dict:
    path = f"/LMPI/v2/customers/{customer_id}/subscriptions/{subscription_id}"
    response = lmpi(server, "GET", path)
    assert response.status_code == 200
    return response.json()


# -- authentication ----------------------------------------------------------------------------


def test_it_answers_a_correctly_signed_request_with_the_product_list(sandbox):
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"partner_id", "products"}
    product = body["products"][0]
    assert set(product) == {
        "available",
        "version",
        "product_name",
        "product_id",
        "product_code",
        "type",
        "used",
        "service_plans",
    }
    assert len(product["product_code"]) == 9 and product["used"] == 0
    assert set(product["service_plans"][0]) == {"name", "id"}


@pytest.mark.parametrize(
    ("header", "subject"),
    [
        ("x-access-token", "MissingHeaderAccessToken"),
        ("x-posix-time", "MissingHeaderPosixTime"),
        ("x-signature", "MissingHeaderSignature"),
        ("x-traceid", "MissingHeaderTraceID"),
    ],
)
def test_it_rejects_a_missing_header_with_its_documented_subject(sandbox, header, subject):
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product", omit=(header,))
    assert response.status_code == 400
    assert error_of(response) == {"error_subject": subject, "error_message": f"{header} missing."}


def test_it_rejects_a_wrong_signature(sandbox):
    creds = {**sandbox.sandboxes[V].credentials(), "secret_key": "wrong-secret"}
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product", credentials=creds)
    assert response.status_code == 401
    assert error_of(response)["error_subject"] == "AuthenticationFailureSignature"


def test_it_rejects_a_posix_time_older_than_fifteen_minutes(sandbox):
    stale = int(time.time()) - 15 * 60 - 5
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product", posix_time=stale)
    assert response.status_code == 401
    assert error_of(response)["error_subject"] == "AuthenticationFailurePosixTime"


def test_it_accepts_a_posix_time_within_fifteen_minutes(sandbox):
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product", posix_time=int(time.time()) - 600)
    assert response.status_code == 200


def test_it_rejects_unknown_and_malformed_access_tokens(sandbox):
    unknown = sandbox.sandboxes[V].invalid_credentials()
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product", credentials=unknown)
    assert response.status_code == 401
    assert error_of(response)["error_subject"] == "AuthenticationFailureAccessToken"
    malformed = {**unknown, "access_token": "not-a-guid"}
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product", credentials=malformed)
    assert response.status_code == 401
    assert error_of(response)["error_subject"] == "InvalidHeaderAccessToken"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_it_answers_415_to_a_non_json_content_type(sandbox, content_type):
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product", content_type=content_type)
    assert response.status_code == 415
    assert error_of(response)["error_subject"] == "InvalidHeaderContentType"


def test_it_signs_the_query_string_exactly_as_sent(sandbox):
    response = lmpi(
        sandbox, "GET", "/LMPI/v3/customers", params=WIDE, sign_path="/LMPI/v3/customers"
    )
    assert response.status_code == 401
    assert error_of(response)["error_subject"] == "AuthenticationFailureSignature"


def test_it_signs_the_md5_of_the_exact_body_bytes(sandbox):
    response = lmpi(
        sandbox,
        "POST",
        "/LMPI/v2/reports/summary",
        body={"report_cycle_year": "2024", "report_cycle_month": "01"},
        sign_body=b'{"report_cycle_year": "2024", "report_cycle_month": "02"}',
    )
    assert response.status_code == 401
    assert error_of(response)["error_subject"] == "AuthenticationFailureSignature"


def test_it_enforces_auth_before_telling_an_unknown_path(sandbox):
    response = lmpi(sandbox, "GET", "/LMPI/v2/nowhere", omit=("x-signature",))
    assert response.status_code == 400
    response = lmpi(sandbox, "GET", "/LMPI/v2/nowhere")
    assert response.status_code == 404
    assert error_of(response)["error_subject"] == "NotFoundResource"


# -- catalog and listings ----------------------------------------------------------------------


def test_it_lists_service_plans_in_the_documented_shape(sandbox):
    plans = lmpi(sandbox, "GET", "/LMPI/v3/me/serviceplans").json()
    assert {p["version"] for p in plans} == {"full", "trial"}
    assert set(plans[0]) == {
        "service_plan_id",
        "name",
        "product",
        "product_code",
        "version",
        "initial_license_period_month",
        "data_center_code",
        "data_center",
        "auto_renewal",
    }


def test_it_pages_v3_customers_visiting_each_exactly_once(sandbox):
    sandbox.reset([V], seed_tenants=45)
    seen, page = [], 1
    while True:
        body = customers(sandbox, page=page, limit=10)
        assert body["paging"] == {"total": 45, "limit": 10, "page": page}
        if not body["customers"]:
            break
        seen += [c["customer_id"] for c in body["customers"]]
        page += 1
    assert page == 6
    assert sorted(seen) == sorted(
        t["external_id"] for t in sandbox.sandboxes[V].snapshot()["tenants"]
    )
    assert set(body_keys := customers(sandbox)["customers"][0]) >= {
        "customer_id",
        "name",
        "note",
        "status",
    }
    assert "country" in body_keys


def test_it_requires_both_created_bounds_on_v3_customers(sandbox):
    response = lmpi(
        sandbox, "GET", "/LMPI/v3/customers", params={"created_start": WIDE["created_start"]}
    )
    assert response.status_code == 400
    assert error_of(response)["error_subject"] == "InvalidParametersCreatedEnd"


def test_it_rejects_a_limit_above_one_hundred(sandbox):
    response = lmpi(sandbox, "GET", "/LMPI/v3/customers", params={**WIDE, "limit": 101})
    assert error_of(response)["error_subject"] == "InvalidParametersLimit"


def test_it_pages_v2_customer_users(sandbox):
    sandbox.reset([V], seed_tenants=12)
    pages = [
        lmpi(sandbox, "GET", "/LMPI/v2/customers", params={"page": p, "limit": 5}).json()
        for p in (1, 2, 3)
    ]
    users = [u for body in pages for u in body["users"]]
    assert [len(body["users"]) for body in pages] == [5, 5, 2]
    assert len({u["customer_id"] for u in users}) == 12
    assert {"user_id", "login_name", "email", "customer_id", "status"} <= set(users[0])


def test_it_lists_subscriptions_for_exactly_one_date_pair(sandbox):
    both = {
        **WIDE,
        "modified_start": "2000-01-01T00:00:00Z",
        "modified_end": "2100-01-01T00:00:00Z",
    }
    response = lmpi(sandbox, "GET", "/LMPI/v2.5/customers/subscriptions", params=both)
    assert response.status_code == 400
    body = lmpi(
        sandbox, "GET", "/LMPI/v2.5/customers/subscriptions", params={**WIDE, "limit": 100}
    ).json()
    total = sum(len(t["subscriptions"]) for t in sandbox.sandboxes[V].snapshot()["tenants"])
    assert body["paging"]["total"] == total == len(body["subscriptions"])
    assert set(body["subscriptions"][0]) == {
        "subscription_id",
        "name",
        "enabled",
        "is_auto_renewal",
        "auto_renewal_month",
        "service_plan_id",
        "customer_id",
    }


def test_it_lists_subscriptions_modified_in_a_window(sandbox):
    customer_id = new_customer(sandbox)
    created = subscribe(sandbox, customer_id)
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = {"modified_start": since, "modified_end": "2100-01-01T00:00:00Z"}
    body = lmpi(sandbox, "GET", "/LMPI/v2.5/customers/subscriptions", params=params).json()
    assert [s["subscription_id"] for s in body["subscriptions"]] == [created["subscription_id"]]


# -- customers and subscriptions ---------------------------------------------------------------


def test_it_creates_a_customer_that_every_endpoint_then_sees(sandbox):
    customer_id = new_customer(sandbox, note="portal-ref:CP-1")
    created = subscribe(sandbox, customer_id, units=7)
    assert set(created) == {"subscription_id", "product_name", "service_url", "licenses"}
    assert created["licenses"][0]["units"] == 7
    [got] = [
        c for c in customers(sandbox, limit=100)["customers"] if c["customer_id"] == customer_id
    ]
    assert got["note"] == "portal-ref:CP-1" and got["city"] == "Leeds"
    getid = lmpi(
        sandbox, "GET", f"/LMPI/v2/customers/{customer_id}/serviceplan/{plan_id(sandbox)}/getid"
    )
    assert getid.json() == {"subscription_id": created["subscription_id"]}
    sub = get_sub(sandbox, customer_id, created["subscription_id"])
    assert sub["enabled"] and sub["is_auto_renewal"] and sub["licenses"][0]["units"] == 7
    assert sandbox.journal.count_actions(V, "create_tenant") == 1


def test_it_refuses_the_undocumented_customer_get_by_default(sandbox):
    customer_id = new_customer(sandbox)
    response = lmpi(sandbox, "GET", f"/LMPI/v2/customers/{customer_id}")
    assert response.status_code == 405  # only PUT (Customers :: Update) is documented there


def test_it_answers_the_customer_get_in_the_update_shape_when_served(sandbox):
    sandbox.set_variant(V, customer_get="served")
    customer_id = new_customer(sandbox, note="portal-ref:CP-2")
    got = lmpi(sandbox, "GET", f"/LMPI/v2/customers/{customer_id}").json()
    assert got["note"] == "portal-ref:CP-2" and got["city"] == "Leeds"
    missing = lmpi(sandbox, "GET", f"/LMPI/v2/customers/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert error_of(missing)["error_subject"] == "NotFoundCustomer"


def test_it_names_the_subscription_id_as_the_variant_says(sandbox):
    sandbox.set_variant(V, subscription_id_key="id")
    customer_id = new_customer(sandbox)
    sid = subscribe(sandbox, customer_id)["subscription_id"]  # Create always says subscription_id
    got = get_sub(sandbox, customer_id, sid)
    assert got["id"] == sid and "subscription_id" not in got


def test_it_names_the_invalid_field_in_the_error_subject(sandbox):
    response = lmpi(
        sandbox,
        "POST",
        "/LMPI/v2/customers",
        body={"company": {"name": "X", "city": "Y", "state": "Z", "country": "GBR"}, "user": {}},
    )
    assert response.status_code == 400
    assert error_of(response)["error_subject"] == "InvalidParametersCountry"
    assert sandbox.journal.count_actions(V) == 0


def test_it_refuses_a_second_subscription_to_the_same_product(sandbox):
    customer_id = new_customer(sandbox)
    subscribe(sandbox, customer_id)
    response = lmpi(
        sandbox,
        "POST",
        f"/LMPI/v2/customers/{customer_id}/subscriptions",
        body={"service_plan_id": plan_id(sandbox), "units_per_license": 3},
    )
    assert error_of(response)["error_subject"] == "InvalidParametersServicePlanId"


def test_it_changes_seats_and_marks_only_a_real_change(sandbox):
    customer_id = new_customer(sandbox)
    sid = subscribe(sandbox, customer_id)["subscription_id"]
    path = f"/LMPI/v2/customers/{customer_id}/subscriptions/{sid}"
    for _ in range(2):
        response = lmpi(sandbox, "PUT", path, body={"units_per_license": 12})
        assert response.status_code == 200 and response.json()["licenses"][0]["units"] == 12
    assert sandbox.journal.count_actions(V, "change_seats") == 1
    response = lmpi(sandbox, "PUT", path, body={"units_per_license": 0})
    assert error_of(response)["error_subject"] == "InvalidParametersUnitsPerLicense"


@pytest.mark.parametrize("version", ["v3", "v2"])
def test_it_suspends_and_unsuspends_a_subscription(sandbox, version):
    customer_id = new_customer(sandbox)
    sid = subscribe(sandbox, customer_id)["subscription_id"]
    before = get_sub(sandbox, customer_id, sid)
    base = f"/LMPI/{version}/customers/{customer_id}/subscriptions/{sid}"
    response = lmpi(sandbox, "PUT", base + "/suspend")
    assert response.status_code == 200 and response.content == b""
    suspended = get_sub(sandbox, customer_id, sid)
    assert suspended["is_auto_renewal"] is False
    assert suspended["licenses"][0]["license_expiration_date"].startswith(
        dt.date.today().isoformat()[:7]
    )
    assert lmpi(sandbox, "PUT", base + "/suspend").status_code == 200  # a repeat changes nothing
    assert lmpi(sandbox, "PUT", base + "/unsuspend").status_code == 200
    assert get_sub(sandbox, customer_id, sid) == before
    assert [e.actions for e in sandbox.journal.entries(V) if e.actions][-3:] == [
        ["create_subscription"],
        ["suspend"],
        ["resume"],
    ]


def test_it_suspends_until_the_date_given(sandbox):
    customer_id = new_customer(sandbox)
    sid = subscribe(sandbox, customer_id)["subscription_id"]
    ends = get_sub(sandbox, customer_id, sid)["licenses"][0]["license_expiration_date"]
    path = f"/LMPI/v3/customers/{customer_id}/subscriptions/{sid}/suspend"
    assert lmpi(sandbox, "PUT", path, body={"license_expiration_date": ends}).status_code == 200
    suspended = get_sub(sandbox, customer_id, sid)
    assert suspended["is_auto_renewal"] is False
    assert suspended["licenses"][0]["license_expiration_date"] == ends


def test_it_refuses_to_suspend_a_trial_without_auto_renewal(sandbox):
    customer_id = new_customer(sandbox)
    sid = subscribe(sandbox, customer_id, version="trial")["subscription_id"]
    response = lmpi(sandbox, "PUT", f"/LMPI/v3/customers/{customer_id}/subscriptions/{sid}/suspend")
    assert response.status_code == 400
    assert "auto-renewal" in error_of(response)["error_message"]


def test_it_disables_a_subscription_once(sandbox):
    customer_id = new_customer(sandbox)
    sid = subscribe(sandbox, customer_id)["subscription_id"]
    path = f"/LMPI/v2/customers/{customer_id}/subscriptions/{sid}/disable"
    assert [lmpi(sandbox, "PUT", path).status_code for _ in range(2)] == [200, 200]
    assert get_sub(sandbox, customer_id, sid)["enabled"] is False
    assert sandbox.journal.count_actions(V, "cancel") == 1


def test_it_adds_the_full_plan_beside_a_trial_as_a_new_subscription(sandbox):
    customer_id = new_customer(sandbox)
    trial = subscribe(sandbox, customer_id, units=3, version="trial")
    full = subscribe(sandbox, customer_id, units=8)
    assert full["subscription_id"] != trial["subscription_id"]
    assert full["licenses"][0]["version"] == "full"
    assert get_sub(sandbox, customer_id, trial["subscription_id"])["enabled"] is True
    assert sandbox.journal.count_actions(V, "create_subscription") == 2
    assert sandbox.journal.count_actions(V, "convert_trial") == 0


def test_it_converts_a_trial_in_place_in_that_reading(sandbox):
    sandbox.set_variant(V, trial_conversion="in_place")
    customer_id = new_customer(sandbox)
    trial = subscribe(sandbox, customer_id, units=3, version="trial")
    full = subscribe(sandbox, customer_id, units=8)
    assert full["subscription_id"] == trial["subscription_id"]
    assert full["licenses"][0]["version"] == "full"
    assert sandbox.journal.count_actions(V, "convert_trial") == 1
    tenant = next(
        t for t in sandbox.sandboxes[V].snapshot()["tenants"] if t["external_id"] == customer_id
    )
    assert tenant["status"] == "active" and tenant["subscriptions"][0]["seats"] == 8


def test_it_answers_unknown_ids_with_404_in_lmpi_shape(sandbox):
    path = f"/LMPI/v2/customers/{uuid.uuid4()}/subscriptions/{uuid.uuid4()}"
    response = lmpi(sandbox, "GET", path)
    assert response.status_code == 404
    assert error_of(response)["error_subject"] == "NotFoundCustomer"
    customer_id = new_customer(sandbox)
    getid = f"/LMPI/v2/customers/{customer_id}/serviceplan/{plan_id(sandbox)}/getid"
    assert error_of(lmpi(sandbox, "GET", getid))["error_subject"] == "NotFoundSubscription"


def test_it_answers_unknown_ids_as_invalid_parameters_in_that_reading(sandbox):
    sandbox.set_variant(V, unknown_id="400")
    path = f"/LMPI/v2/customers/{uuid.uuid4()}/subscriptions/{uuid.uuid4()}"
    response = lmpi(sandbox, "GET", path)
    assert response.status_code == 400
    assert error_of(response)["error_subject"] == "InvalidParametersCustomerId"
    assert lmpi(sandbox, "GET", "/LMPI/v9/nothing").status_code == 404  # no such API stays 404


# -- reports -----------------------------------------------------------------------------------


def test_it_reports_provisioned_and_used_seats_per_customer_for_a_month(sandbox):
    month = last_months(1)[0]
    response = lmpi(
        sandbox,
        "POST",
        "/LMPI/v2/reports/summary",
        body={"report_cycle_year": f"{month.year}", "report_cycle_month": f"{month.month:02d}"},
    )
    assert response.status_code == 200
    rows = response.json()["summary"]
    expected = [
        (
            t["name"],
            s["usage"][month.isoformat()]["provisioned"],
            s["usage"][month.isoformat()]["used"],
        )
        for t in sandbox.sandboxes[V].snapshot()["tenants"]
        for s in t["subscriptions"]
        if month.isoformat() in s["usage"]
    ]
    assert expected and [(r["customer"], r["provisioned"], r["used"]) for r in rows] == expected
    assert set(rows[0]) == {
        "customer",
        "city",
        "state",
        "owned_by_vendor",
        "created_by_vendor",
        "product_name",
        "service_plan",
        "provisioned",
        "used",
        "unit",
    }
    assert all(e.write is False for e in sandbox.journal.entries(V))


def test_it_rejects_a_report_without_a_cycle_month(sandbox):
    response = lmpi(sandbox, "POST", "/LMPI/v3/reports/summary", body={"report_cycle_year": "2024"})
    assert error_of(response)["error_subject"] == "InvalidParametersReportCycleMonth"


# -- faults, throttling, seeding, test-facing mutations ----------------------------------------


def test_it_throttles_in_lmpi_format_with_retry_after(sandbox):
    sandbox.set_faults(V, throttle_rate=1.0, retry_after=3)
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product")
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert error_of(response)["error_subject"] == "TooManyRequests"


def test_it_answers_server_errors_in_lmpi_format(sandbox):
    sandbox.set_faults(V, error_rate=1.0)
    response = lmpi(sandbox, "GET", "/LMPI/v2/partners/product")
    assert response.status_code == 500
    assert error_of(response)["error_subject"] == "InternalError"


def test_it_seeds_a_status_mix_with_usage_for_every_non_trial_tenant():
    sandbox = TrendMicroSandbox(rng_seed=3)
    started = time.monotonic()
    sandbox.seed(1000, seed=3)
    assert time.monotonic() - started < 2.0
    tenants = sandbox.snapshot()["tenants"]
    assert {t["status"] for t in tenants} == {"active", "trial", "suspended", "cancelled"}
    assert all(len(t["subscriptions"]) == 3 for t in tenants)
    months = {m.isoformat() for m in last_months(12)}
    for tenant in tenants:
        has_usage = [set(s["usage"]) == months for s in tenant["subscriptions"]]
        assert all(has_usage) if tenant["status"] != "trial" else not any(has_usage)
    again = TrendMicroSandbox(rng_seed=3)
    again.seed(1000, seed=3)
    assert again.snapshot()["tenants"][:5] == tenants[:5]


def test_it_shows_test_mutations_through_the_api(sandbox):
    state = sandbox.sandboxes[V]
    tenant = state.snapshot()["tenants"][0]
    customer_id, main = tenant["external_id"], tenant["subscriptions"][0]["subscription_id"]
    state.set_tenant_status(customer_id, "active")
    state.set_seats(customer_id, 77)
    assert get_sub(sandbox, customer_id, main)["licenses"][0]["units"] == 77
    state.set_tenant_status(customer_id, "cancelled")
    assert get_sub(sandbox, customer_id, main)["enabled"] is False
    state.remove_tenant(customer_id)
    listed = customers(sandbox, limit=100)["customers"]
    assert customer_id not in [c["customer_id"] for c in listed]


def test_it_creates_a_v3_customer_from_a_contact(sandbox):
    suffix = uuid.uuid4().hex[:8]
    response = lmpi(
        sandbox,
        "POST",
        "/LMPI/v3/customers",
        body={
            "company": {"name": "V3 Ltd", "city": "Leeds", "state": "England", "country": "GB"},
            "contact": {
                "first_name": "Ada",
                "last_name": "Ops",
                "email": f"v3-{suffix}@example.com",
            },
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["user"]["login_name"] == f"v3-{suffix}@example.com"
    assert sandbox.journal.count_actions(V, "create_tenant") == 1
