"""Each reading the sandbox offers for a point the documents leave open, over real HTTP."""

from __future__ import annotations

import pytest

from tests.vendors.bitdefender.test_sandbox import VENDOR, create, error, post, result


@pytest.fixture
def reading(sandbox):
    """Switch the sandbox to readings (state reseeded) with the rate limit lifted."""

    def choose(**chosen: str):
        sandbox.set_variant(VENDOR, **chosen)
        sandbox.set_rate_limit(VENDOR, None)
        return sandbox

    return choose


def entries(sandbox, company_id: str, **params):
    return result(sandbox, "licensing", "getLicenseInfo", {"companyId": company_id, **params})


def test_it_answers_licence_info_as_one_object_in_the_object_reading(reading):
    sandbox = reading(licence_info="object")
    company_id = create(sandbox, "Object Co", licenseSubscription={"type": 3, "reservedSlots": 4})
    for flag in (False, True):
        info = entries(sandbox, company_id, returnAllProducts=flag)
        assert isinstance(info, dict) and info["totalSlots"] == 4 and info["isAddon"] is False


def test_it_lists_enabled_addons_as_their_own_entries_in_the_addon_entries_reading(reading):
    sandbox = reading(licence_info="addon_entries")
    company_id = create(
        sandbox, "Addon Co", licenseSubscription={"type": 3, "manageExchange": True}
    )
    alone = entries(sandbox, company_id)
    assert [e["isAddon"] for e in alone] == [False] and "manageExchange" not in alone[0]
    every = entries(sandbox, company_id, returnAllProducts=True)
    addons = [e for e in every if e["isAddon"]]
    assert [e.get("manageExchange") for e in addons] == [True]
    assert [e["isAddon"] for e in every][-1] is False  # the main entry is not the first


@pytest.mark.parametrize(("companies_list", "status"), [("absent", 200), ("absent_404", 404)])
def test_it_has_no_companies_list_unless_served(reading, companies_list, status):
    sandbox = reading(companies_list=companies_list)
    response = post(sandbox, "network", "getCompaniesList", {})
    assert response.status_code == status
    error(response, -32601)
    served = reading(companies_list="served")
    assert "items" in result(served, "network", "getCompaniesList", {})


@pytest.mark.parametrize("parent_field", ["absent", "parentId"])
def test_it_sends_parent_id_only_in_its_reading(reading, parent_field):
    sandbox = reading(parent_field=parent_field)
    msp = create(sandbox, "Parent MSP", type=0)
    child = create(sandbox, "Parent Child", parentId=msp)
    company = result(sandbox, "companies", "getCompanyDetails", {"companyId": child})
    assert company.get("parentId") == (msp if parent_field == "parentId" else None)
    assert ("parentId" in company) is (parent_field == "parentId")


def test_it_answers_an_unknown_company_with_invalid_params_in_that_reading(reading):
    sandbox = reading(unknown_company="invalid_params")
    response = post(sandbox, "companies", "getCompanyDetails", {"companyId": "f" * 24})
    assert "'companyId'" in error(response, -32602)["data"]["details"]


def test_it_takes_set_monthly_subscription_on_the_companies_api_in_that_reading(reading):
    sandbox = reading(subscription_api="companies")
    company_id = create(sandbox, "Companies Api Co")
    params = {"companyId": company_id, "reservedSlots": 6}
    error(post(sandbox, "licensing", "setMonthlySubscription", params), -32601)
    result(sandbox, "companies", "setMonthlySubscription", params)
    assert entries(sandbox, company_id)[0]["totalSlots"] == 6


@pytest.mark.parametrize(("edr_rule", "kept"), [("edr_wins", False), ("sent_wins", True)])
def test_it_applies_the_edr_rule_per_reading(reading, edr_rule, kept):
    sandbox = reading(edr_rule=edr_rule)
    company_id = create(
        sandbox, "Edr Reading", licenseSubscription={"type": 3, "manageEventCorrelator": True}
    )
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
    info = entries(sandbox, company_id)[0]
    assert info["manageSandboxAnalyzer"] is kept and info["manageHyperDetect"] is kept


@pytest.mark.parametrize(("omitted", "kept"), [("reset", False), ("keep", True)])
def test_it_treats_an_omitted_addon_per_reading(reading, omitted, kept):
    sandbox = reading(omitted_addons=omitted)
    company_id = create(sandbox, "Omit Co", licenseSubscription={"type": 3, "manageExchange": True})
    result(sandbox, "licensing", "setMonthlySubscription", {"companyId": company_id})
    assert entries(sandbox, company_id)[0]["manageExchange"] is kept


@pytest.mark.parametrize(("answer", "expected"), [("null", None), ("company_id", "id")])
def test_it_answers_set_monthly_subscription_per_reading(reading, answer, expected):
    sandbox = reading(subscription_result=answer)
    company_id = create(sandbox, "Answer Co")
    got = result(sandbox, "licensing", "setMonthlySubscription", {"companyId": company_id})
    assert got == (company_id if expected else None)


def test_it_refuses_recursive_on_activate_in_the_company_only_reading(reading):
    sandbox = reading(activate_params="company_only")
    company_id = create(sandbox, "Activate Co")
    result(sandbox, "companies", "suspendCompany", {"companyId": company_id, "recursive": True})
    refused = post(
        sandbox, "companies", "activateCompany", {"companyId": company_id, "recursive": True}
    )
    assert "'recursive'" in error(refused, -32602)["data"]["details"]
    result(sandbox, "companies", "activateCompany", {"companyId": company_id})
    company = result(sandbox, "companies", "getCompanyDetails", {"companyId": company_id})
    assert company["isSuspended"] is False


@pytest.mark.parametrize(("name_match", "found"), [("case_insensitive", 1), ("case_sensitive", 0)])
def test_it_matches_names_with_or_without_case_per_reading(reading, name_match, found):
    sandbox = reading(name_match=name_match)
    create(sandbox, "Casey Widgets")
    hits = result(sandbox, "companies", "findCompaniesByName", {"nameFilter": "casey"})
    assert len(hits) == found
    assert len(result(sandbox, "companies", "findCompaniesByName", {"nameFilter": "Casey"})) == 1


def test_it_finds_the_keys_own_company_too_in_the_included_reading(reading):
    sandbox = reading(own_in_find="included")
    own = sandbox.sandboxes[VENDOR].snapshot()["root_company_id"]
    hits = result(sandbox, "companies", "findCompaniesByName", {"nameFilter": "Sandbox"})
    assert own in [c["id"] for c in hits]


def test_it_writes_dates_as_iso_datetimes_in_that_reading(reading):
    sandbox = reading(dates="iso_datetime")
    company_id = create(sandbox, "Dated Co", licenseSubscription={"type": 5})
    info = entries(sandbox, company_id)[0]
    assert info["expiryDate"].endswith("T00:00:00Z") and len(info["expiryDate"]) == 20
    company = result(sandbox, "companies", "getCompanyDetails", {"companyId": company_id})
    assert company["createdAt"].endswith("Z")
