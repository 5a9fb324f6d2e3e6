"""The GravityZone Public API as the portal sees it: JSON-RPC 2.0 over
``POST /api/v1.0/jsonrpc/{companies,licensing,network}`` with HTTP Basic (API key as user name).

One route, one dispatcher keyed by (API, method); each handler validates its named params and
acts on ``BitdefenderState``. Choices where the vendor docs are silent are listed in
``docs/vendors/bitdefender.md``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any, ClassVar, Literal, overload

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from vendors.sandbox.base import VendorSandbox

from . import answers
from .errors import (
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    SERVER_ERROR,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    ParseError,
    RpcError,
    ServerError,
    company_not_found,
    error_body,
)
from .state import (
    CUSTOMER,
    EDR_FLAG,
    EDR_REQUIRES,
    LICENCE_FLAGS,
    MONTHLY_SUBSCRIPTION,
    PARTNER,
    TRIAL_DAYS,
    BitdefenderState,
    Company,
    Licence,
    apply_edr_rule,
    flags_from,
    month_key,
    today,
)

API_KEY = "gzsbx3f9a1c7e5b2d4068a9c1e3f5b7d9a2c4e6"
BAD_API_KEY = "gzsbx0000000000000000000000000000000000"
COMPANIES_ONLY_KEY = "gzsbx7c1e9a3f5b2d4068a9c1e3f5b7d9a2c4e6"

#: Every API name the Public API has; those not simulated answer -32601 for any method.
KNOWN_APIS = frozenset(
    {
        "accounts",
        "companies",
        "licensing",
        "network",
        "packages",
        "policies",
        "reports",
        "push",
        "integrations",
        "quarantine",
        "incidents",
    }
)
#: Methods that change state, by name (is_write cannot look at the HTTP verb: all are POST).
WRITE_METHODS = frozenset(
    {
        "createCompany",
        "deleteCompany",
        "updateCompanyDetails",
        "suspendCompany",
        "activateCompany",
        "setMonthlySubscription",
        "createCustomFieldDefinition",
        "updateCustomFieldDefinition",
        "deleteCustomFieldDefinition",
        "setLicenseKey",
    }
)
ID_RE = re.compile(r"^[0-9a-f]{24}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MONTH_RE = re.compile(r"^(0[1-9]|1[0-2])/(\d{4})$")
SKIP_2FA_PERIODS = frozenset({0, 1, 3, 7, 14, 30, 90})

Handler = Callable[[Request, Any], Any]  # (request, the raw JSON-RPC params)


class Params:
    """Named JSON-RPC params, checked the way the API documents them (unknown names refused)."""

    def __init__(self, raw: Any, allowed: tuple[str, ...]) -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise InvalidParams("Parameters must be passed by name, as an object.")
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            raise InvalidParams(f"Parameter '{unknown[0]}' is not accepted by this method.")
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def _get(self, name: str, kinds: tuple[type, ...], label: str, required: bool) -> Any:
        if name not in self.raw:
            if required:
                raise InvalidParams(f"Parameter '{name}' is required.")
            return None
        value = self.raw[name]
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise InvalidParams(f"Parameter '{name}' must be {label}.")
        return value

    # The checks below are named after the JSON types, so inside the class the builtins are
    # spelled ``builtins.str`` and so on; ``required=True`` answers a value, never None.
    @overload
    def str(
        self, name: builtins.str, required: Literal[True], max_len: builtins.int | None = None
    ) -> builtins.str: ...
    @overload
    def str(
        self,
        name: builtins.str,
        required: builtins.bool = False,
        max_len: builtins.int | None = None,
    ) -> builtins.str | None: ...
    def str(
        self,
        name: builtins.str,
        required: builtins.bool = False,
        max_len: builtins.int | None = None,
    ) -> builtins.str | None:
        value: builtins.str | None = self._get(name, (builtins.str,), "a string", required)
        if value is not None and max_len is not None and len(value) > max_len:
            raise InvalidParams(f"Parameter '{name}' must be at most {max_len} characters.")
        return value

    @overload
    def int(
        self,
        name: builtins.str,
        required: Literal[True],
        low: builtins.int | None = None,
        high: builtins.int | None = None,
    ) -> builtins.int: ...
    @overload
    def int(
        self,
        name: builtins.str,
        required: builtins.bool = False,
        low: builtins.int | None = None,
        high: builtins.int | None = None,
    ) -> builtins.int | None: ...
    def int(
        self,
        name: builtins.str,
        required: builtins.bool = False,
        low: builtins.int | None = None,
        high: builtins.int | None = None,
    ) -> builtins.int | None:
        value: builtins.int | None = self._get(name, (builtins.int,), "a number", required)
        if value is not None and (
            (low is not None and value < low) or (high is not None and value > high)
        ):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise InvalidParams(f"Parameter '{name}' must be {bounds}.")
        return value

    @overload
    def bool(self, name: builtins.str, required: Literal[True]) -> builtins.bool: ...
    @overload
    def bool(self, name: builtins.str, required: builtins.bool = False) -> builtins.bool | None: ...
    def bool(self, name: builtins.str, required: builtins.bool = False) -> builtins.bool | None:
        value: builtins.bool | None = self._get(name, (builtins.bool,), "a boolean", required)
        return value

    def obj(self, name: builtins.str) -> dict[builtins.str, Any] | None:
        value: dict[builtins.str, Any] | None = self._get(name, (dict,), "an object", False)
        return value

    def company_id(
        self, name: builtins.str = "companyId", required: builtins.bool = False
    ) -> builtins.str | None:
        value = self.str(name, required)
        if value is not None and not ID_RE.match(value):
            raise InvalidParams(f"Parameter '{name}' is not a valid ID.")
        return value


class BitdefenderSandbox(VendorSandbox):
    key = "bitdefender"
    # "limited to maximum 10 requests per second per API key ... 429" (77209-125280).
    rate_limit_per_second = 10
    rate_limit_per_day = None  # no daily quota is documented
    #: Readings of what the documents leave open (docs/vendors/bitdefender.md, "Variants").
    variants: ClassVar[dict[str, tuple[str, ...]]] = {
        # getLicenseInfo "Returns array of license entries" with the add-on switches among the
        # entry fields; or the add-ons as their own isAddon entries; or one object.
        "licence_info": ("array", "addon_entries", "object"),
        # network.getCompaniesList is in no document: a method the API does not have (-32601,
        # or HTTP 404 for every unknown method), or served (paged, direct children).
        "companies_list": ("absent", "absent_404", "served"),
        # Company objects list no parent field ("..."): absent, or parentId.
        "parent_field": ("absent", "parentId"),
        # An unknown companyId: no error table, so -32000 "not found" or -32602 invalid params.
        "unknown_company": ("server_error", "invalid_params"),
        # setMonthlySubscription: Licensing API (CONTRACTS) or Companies API (the guide).
        "subscription_api": ("licensing", "companies"),
        # EDR changed in a call that also sends Sandbox Analyzer / HyperDetect: the rule sets
        # both to EDR's value, or what the call sent for them stands.
        "edr_rule": ("edr_wins", "sent_wins"),
        # An add-on flag omitted from setMonthlySubscription: False ("include all previous
        # parameters"), or kept.
        "omitted_addons": ("reset", "keep"),
        # setMonthlySubscription "does not return any value", or the company id (the guide's
        # copied createCompany line).
        "subscription_result": ("null", "company_id"),
        # activateCompany: a mirror of suspendCompany (companyId, recursive) or companyId only.
        "activate_params": ("mirror", "company_only"),
        # findCompaniesByName's nameFilter: case-insensitive or case-sensitive.
        "name_match": ("case_insensitive", "case_sensitive"),
        # findCompaniesByName searches the companies below the key's own, or includes it.
        "own_in_find": ("excluded", "included"),
        # Dates: YYYY-MM-DD, or ISO date-times in UTC (createdAt "UTC").
        "dates": ("iso_date", "iso_datetime"),
    }

    def __init__(self, rng_seed: int = 0, variant: dict[str, str] | None = None) -> None:
        super().__init__(rng_seed, variant)
        self.state = BitdefenderState(self.lock, rng_seed)
        self.keys: dict[str, frozenset[str]] = {  # key -> the APIs it was enabled for
            API_KEY: KNOWN_APIS,
            COMPANIES_ONLY_KEY: frozenset({"companies"}),
        }
        subscription_api = self.variant["subscription_api"]
        self.methods: dict[tuple[str, str], Handler] = {
            ("companies", "createCompany"): self.create_company,
            ("companies", "getCompanyDetails"): self.get_company_details,
            ("companies", "findCompaniesByName"): self.find_companies_by_name,
            ("companies", "updateCompanyDetails"): self.update_company_details,
            ("companies", "suspendCompany"): self.suspend_company,
            ("companies", "activateCompany"): self.activate_company,
            ("companies", "deleteCompany"): self.delete_company,
            ("licensing", "getLicenseInfo"): self.get_license_info,
            (subscription_api, "setMonthlySubscription"): self.set_monthly_subscription,
            ("licensing", "getMonthlyUsage"): self.get_monthly_usage,
        }
        if self.variant["companies_list"] == "served":
            self.methods["network", "getCompaniesList"] = self.get_companies_list

    # -- the VendorSandbox contract ------------------------------------------------------------

    def url_map(self) -> Map:
        return Map([Rule("/api/v1.0/jsonrpc/<api>", methods=["POST"], endpoint="dispatch")])

    def credentials(self) -> dict[str, str]:
        return {"api_key": API_KEY}

    def invalid_credentials(self) -> dict[str, str]:
        return {"api_key": BAD_API_KEY}

    def companies_only_credentials(self) -> dict[str, str]:
        """A real key that was enabled for the Companies API only (Licensing calls get 403)."""
        return {"api_key": COMPANIES_ONLY_KEY}

    def seed(self, count: int, seed: int = 0) -> None:
        self.state.seed(count, seed)

    def snapshot(self) -> dict[str, Any]:
        return answers.snapshot(self.state)

    def credential_id(self, request: Request) -> str:
        auth = request.authorization
        return (auth.username or "") if auth is not None else (request.remote_addr or "")

    def is_write(self, request: Request) -> bool:
        payload = self.body(request)
        calls = payload if isinstance(payload, list) else [payload]
        return any(isinstance(c, dict) and c.get("method") in WRITE_METHODS for c in calls)

    def throttle_response(self, retry_after: int) -> Response:
        body = error_body(None, SERVER_ERROR, "Too many requests: the API key exceeded its rate.")
        return self.json(body, 429, {"Retry-After": str(retry_after)})

    def server_error_response(self) -> Response:
        return self.json(error_body(None, SERVER_ERROR, "Internal server error."), 500)

    def not_found_response(self, request: Request) -> Response:
        return self.json(error_body(None, METHOD_NOT_FOUND, f"No API at {request.path}."), 404)

    def method_not_allowed_response(self, request: Request) -> Response:
        body = error_body(None, INVALID_REQUEST, "The API accepts HTTP POST only.")
        return self.json(body, 405, {"Allow": "POST"})

    # -- test-facing mutations ------------------------------------------------------------------

    def set_tenant_status(self, external_id: str, status: str) -> None:
        self.state.set_status(external_id, status)

    def set_seats(self, external_id: str, seats: int) -> None:
        with self.lock:
            self.state.companies[external_id].licence.reservedSlots = seats

    def remove_tenant(self, external_id: str) -> None:
        self.state.delete(external_id)

    def set_usage(
        self, external_id: str, period_date: dt.date | str, values: dict[str, int]
    ) -> None:
        self.state.set_usage(external_id, period_date, values)

    # -- dispatch -------------------------------------------------------------------------------

    def dispatch(self, request: Request, api: str) -> Response:
        if api not in KNOWN_APIS:
            return self.not_found_response(request)
        auth = request.authorization
        key = auth.username if auth is not None and auth.type == "basic" else None
        if key not in self.keys:
            body = error_body(None, SERVER_ERROR, "Authentication failed: invalid API key.")
            return self.json(body, 401, {"WWW-Authenticate": 'Basic realm="GravityZone API"'})
        if api not in self.keys[key]:
            details = f"The API key is not enabled for the {api.capitalize()} API."
            return self.json(error_body(None, SERVER_ERROR, details), 403)
        request_id = None
        try:
            call = self._parse(request)
            request_id = call["id"]
            handler = self.methods.get((api, call["method"]))
            if handler is None:
                details = f"Method '{call['method']}' does not exist in the {api} API."
                if self.variant["companies_list"] == "absent_404":
                    return self.json(error_body(request_id, METHOD_NOT_FOUND, details), 404)
                raise MethodNotFound(details)
            with self.lock:
                result = handler(request, call.get("params"))
        except RpcError as exc:
            return self.json(error_body(request_id, exc.code, exc.details))
        return self.json({"id": request_id, "jsonrpc": "2.0", "result": result})

    @staticmethod
    def _parse(request: Request) -> dict[str, Any]:
        try:
            payload = json.loads(request.get_data() or b"")
        except ValueError:
            raise ParseError("The request body is not valid JSON.")
        if isinstance(payload, list):
            raise InvalidRequest("Batch requests are not supported.")
        if not isinstance(payload, dict) or payload.get("jsonrpc") != "2.0":
            raise InvalidRequest("The request is not a JSON-RPC 2.0 object.")
        if not isinstance(payload.get("method"), str) or "id" not in payload:
            raise InvalidRequest("The request must carry a method name and an id.")
        return payload

    def _company(self, company_id: str | None, *, allow_own: bool = True) -> Company:
        """The company by id (default: the key's own), refused when outside the key's tree."""
        if company_id is None or company_id == self.state.root.id:
            if not allow_own:
                raise InvalidParams("This method cannot be applied to your own company.")
            return self.state.root
        company = self.state.get(company_id)
        if company is None:
            if self.variant["unknown_company"] == "invalid_params":
                raise InvalidParams(f"Parameter 'companyId' names no company: {company_id}.")
            raise company_not_found(company_id)
        return company

    # -- Companies API --------------------------------------------------------------------------

    def create_company(self, request: Request, raw: Any) -> str:
        p = Params(
            raw,
            (
                "type",
                "name",
                "parentId",
                "address",
                "country",
                "state",
                "phone",
                "industry",
                "canBeManagedByAbove",
                "enforce2FA",
                "skip2FAPeriod",
                "accountEmail",
                "accountFullName",
                "accountTimezone",
                "accountLanguage",
                "licenseSubscription",
            ),
        )
        company_type = p.int("type", required=True)
        if company_type not in (PARTNER, CUSTOMER):
            raise InvalidParams("Parameter 'type' must be 0 (Partner) or 1 (Customer).")
        name = p.str("name", required=True, max_len=64).strip()
        if not name:
            raise InvalidParams("Parameter 'name' must not be empty.")
        parent = self._company(p.company_id("parentId"))
        if parent.type != PARTNER:
            raise InvalidParams("Parameter 'parentId' must be the ID of a Partner company.")
        address = p.str("address", max_len=128) or ""
        if "<" in address:
            raise InvalidParams("Parameter 'address' must not contain HTML.")
        country = p.str("country") or "N/A"
        if country != "N/A" and not COUNTRY_RE.match(country):
            raise InvalidParams("Parameter 'country' must be an ISO 3166 country code.")
        skip = p.int("skip2FAPeriod")
        if skip is not None and skip not in SKIP_2FA_PERIODS:
            raise InvalidParams("Parameter 'skip2FAPeriod' must be one of 0, 1, 3, 7, 14, 30, 90.")
        email = p.str("accountEmail")
        if email is not None and not EMAIL_RE.match(email):
            raise InvalidParams("Parameter 'accountEmail' is not a valid email address.")
        licence = self._new_licence(p.obj("licenseSubscription") or {})
        if self.state.by_name(name) is not None:
            raise ServerError(f"A company with the name '{name}' already exists.")
        company = self.state.create(
            type=company_type,
            name=name,
            parent_id=parent.id,
            licence=licence,
            address=address,
            country=country,
            state=p.str("state") or "N/A",
            phone=p.str("phone", max_len=32) or "",
            industry=p.int("industry", low=0) or 0,
            canBeManagedByAbove=p.bool("canBeManagedByAbove") is not False,
            enforce2FA=bool(p.bool("enforce2FA")),
            skip2FAPeriod=skip or 0,
            contactPerson={
                "fullName": p.str("accountFullName") or "",
                "email": email or "",
                "phoneNumber": "",
            },
        )
        self.mark(request, "create_tenant", company_id=company.id)
        return company.id

    def _new_licence(self, raw: dict[str, Any]) -> Licence:
        p = Params(
            raw,
            (
                "type",
                "licenseKey",
                "reservedSlots",
                "endSubscription",
                "autoRenewPeriod",
                "assignedProductType",
                *LICENCE_FLAGS,
            ),
        )
        kind = p.int("type")
        kind = MONTHLY_SUBSCRIPTION if kind is None else kind
        if kind not in range(1, 7):
            raise InvalidParams("Parameter 'licenseSubscription.type' must be between 1 and 6.")
        p.int("assignedProductType", low=0, high=0)  # 0 = Endpoint Security, the only one here
        licence = Licence(kind, licenseKey=p.str("licenseKey") or "")
        if kind == 2 and not licence.licenseKey:
            raise InvalidParams("Parameter 'licenseKey' is required for licence type 2.")
        monthly = kind in (MONTHLY_SUBSCRIPTION, 5)
        for name in ("reservedSlots", *LICENCE_FLAGS):
            if name in p and not monthly:
                raise InvalidParams(f"Parameter '{name}' applies to monthly subscriptions only.")
        licence.reservedSlots = p.int("reservedSlots", low=1) or 0
        for name in LICENCE_FLAGS:
            p.bool(name)
        licence.flags = flags_from(p.raw)
        apply_edr_rule({}, licence.flags, p.raw, self.variant["edr_rule"] == "edr_wins")
        self._check_edr(licence.flags)
        if kind in (1, 4, 5):
            licence.expiryDate = (today() + dt.timedelta(days=TRIAL_DAYS)).isoformat()
        self._apply_term(p, licence, kind)
        return licence

    @staticmethod
    def _check_edr(flags: dict[str, bool]) -> None:
        if flags[EDR_FLAG] and not all(flags[name] for name in EDR_REQUIRES):
            raise InvalidParams(
                "EDR requires Sandbox Analyzer and HyperDetect: manageEventCorrelator cannot be "
                "enabled while manageSandboxAnalyzer or manageHyperDetect is disabled."
            )

    @staticmethod
    def _apply_term(p: Params, licence: Licence, kind: int) -> None:
        """endSubscription / autoRenewPeriod: monthly subscriptions only; renew 12 by default."""
        end = p.str("endSubscription")
        period = p.int("autoRenewPeriod", low=0)
        if (end or period is not None) and kind != MONTHLY_SUBSCRIPTION:
            raise InvalidParams(
                "Parameter 'endSubscription' applies to monthly subscriptions only."
            )
        if end:
            try:
                end_day = dt.date.fromisoformat(end[:10])
            except ValueError:
                raise InvalidParams("Parameter 'endSubscription' must be a date (YYYY-MM-DD).")
            if end_day < today():
                raise InvalidParams("Parameter 'endSubscription' must not be in the past.")
            licence.endSubscription = end_day.isoformat()
            licence.autoRenewPeriod = 12 if period is None else period
        elif end == "":
            licence.endSubscription, licence.autoRenewPeriod = "", 0
        elif period is not None:
            licence.autoRenewPeriod = period

    def get_company_details(self, request: Request, raw: Any) -> dict[str, Any]:
        p = Params(raw, ("companyId",))
        return answers.company(self._company(p.company_id()), self.variant)

    def find_companies_by_name(self, request: Request, raw: Any) -> list[dict[str, Any]]:
        p = Params(raw, ("nameFilter", "maxResults"))
        name_filter = p.str("nameFilter", required=True)
        limit = p.int("maxResults", low=1, high=100) or 25
        contains = name_filter.startswith("*")
        fold = str.casefold if self.variant["name_match"] == "case_insensitive" else str
        needle = fold(name_filter[1:] if contains else name_filter)
        if not needle:
            raise InvalidParams("Parameter 'nameFilter' must contain at least one character.")
        companies = self.state.tenants()
        if self.variant["own_in_find"] == "included":
            companies.insert(0, self.state.root)
        found = []
        for company in companies:
            name = fold(company.name)
            if (needle in name) if contains else name.startswith(needle):
                found.append(answers.company(company, self.variant))
                if len(found) == limit:
                    break
        return found

    def update_company_details(self, request: Request, raw: Any) -> None:
        p = Params(
            raw,
            (
                "companyId",
                "name",
                "address",
                "phone",
                "country",
                "state",
                "industry",
                "canBeManagedByAbove",
                "enforce2FA",
                "skip2FAPeriod",
            ),
        )
        company = self._company(p.company_id(required=True), allow_own=False)
        changes: dict[str, Any] = {}
        name = p.str("name", max_len=64)
        if name is not None and name != company.name:
            other = self.state.by_name(name)
            if other is not None and other is not company:
                raise ServerError(f"A company with the name '{name}' already exists.")
            self.state.rename(company, name)
            changes["name"] = name
        for field_name, value in (
            ("address", p.str("address", max_len=128)),
            ("phone", p.str("phone", max_len=32)),
            ("country", p.str("country")),
            ("state", p.str("state")),
            ("industry", p.int("industry", low=0)),
            ("canBeManagedByAbove", p.bool("canBeManagedByAbove")),
            ("enforce2FA", p.bool("enforce2FA")),
            ("skip2FAPeriod", p.int("skip2FAPeriod")),
        ):
            if value is not None and getattr(company, field_name) != value:
                setattr(company, field_name, value)
                changes[field_name] = value
        if changes:
            self.mark(request, "update_tenant", company_id=company.id, **changes)

    def _set_suspended(
        self, request: Request, raw: Any, suspended: bool, with_recursive: bool = True
    ) -> None:
        p = Params(raw, ("companyId", "recursive") if with_recursive else ("companyId",))
        company = self._company(p.company_id(required=True), allow_own=False)
        recursive = p.bool("recursive", required=True) if with_recursive else False
        targets = [company, *(self.state.descendants(company.id) if recursive else [])]
        changed = [c.id for c in targets if c.isSuspended != suspended]
        for target in targets:
            target.isSuspended = suspended
        if changed:
            action = "suspend" if suspended else "resume"
            self.mark(request, action, company_id=company.id, companies=changed)

    def suspend_company(self, request: Request, raw: Any) -> None:
        self._set_suspended(request, raw, True)

    def activate_company(self, request: Request, raw: Any) -> None:
        self._set_suspended(
            request, raw, False, with_recursive=self.variant["activate_params"] == "mirror"
        )

    def delete_company(self, request: Request, raw: Any) -> None:
        p = Params(raw, ("companyId",))
        company = self._company(p.company_id(required=True), allow_own=False)
        if self.state.children[company.id]:
            raise ServerError("A partner company that manages other companies cannot be deleted.")
        self.state.delete(company.id)
        self.mark(request, "delete_tenant", company_id=company.id)

    # -- Licensing API --------------------------------------------------------------------------

    def get_license_info(self, request: Request, raw: Any) -> Any:
        p = Params(raw, ("companyId", "returnAllProducts"))
        licence = self._company(p.company_id()).licence
        return answers.licence_info(licence, self.variant, bool(p.bool("returnAllProducts")))

    def set_monthly_subscription(self, request: Request, raw: Any) -> str | None:
        p = Params(
            raw,
            (
                "companyId",
                "reservedSlots",
                "removeReservedSlots",
                "endSubscription",
                "autoRenewPeriod",
                *LICENCE_FLAGS,
            ),
        )
        company = self._company(p.company_id(required=True), allow_own=False)
        licence = company.licence
        if licence.subscriptionType == 2:
            raise ServerError("The company uses a licence key, not a monthly subscription.")
        reserved = p.int("reservedSlots", low=0)
        remove = p.bool("removeReservedSlots")
        for name in LICENCE_FLAGS:
            p.bool(name)
        kept = licence.flags if self.variant["omitted_addons"] == "keep" else None
        flags = flags_from(p.raw, kept)
        apply_edr_rule(licence.flags, flags, p.raw, self.variant["edr_rule"] == "edr_wins")
        self._check_edr(flags)
        before = (
            licence.subscriptionType,
            licence.reservedSlots,
            dict(licence.flags),
            licence.ended(),
        )
        term = (licence.endSubscription, licence.autoRenewPeriod)
        self._apply_term(p, licence, MONTHLY_SUBSCRIPTION)
        if remove:
            licence.reservedSlots = 0
        elif reserved is not None:
            licence.reservedSlots = reserved
        licence.flags = flags
        if licence.is_trial:  # the company now inherits a paid monthly subscription
            licence.subscriptionType, licence.expiryDate = MONTHLY_SUBSCRIPTION, ""
        self._mark_subscription_changes(request, company, before, term)
        return company.id if self.variant["subscription_result"] == "company_id" else None

    def _mark_subscription_changes(
        self, request: Request, company: Company, before: tuple[Any, ...], term: tuple[str, int]
    ) -> None:
        licence = company.licence
        old_type, old_slots, old_flags, was_ended = before
        detail = {"company_id": company.id}
        if old_type != licence.subscriptionType:
            self.mark(request, "convert_trial", **detail)
        if old_slots != licence.reservedSlots:
            self.mark(request, "change_seats", reservedSlots=licence.reservedSlots, **detail)
        if old_flags != licence.flags:
            self.mark(request, "change_addons", **detail)
        if licence.ended() and not was_ended:
            self.mark(request, "cancel", **detail)
        elif term != (licence.endSubscription, licence.autoRenewPeriod):
            self.mark(request, "change_term", **detail)

    def get_monthly_usage(self, request: Request, raw: Any) -> dict[str, Any]:
        p = Params(
            raw,
            (
                "companyId",
                "targetMonth",
                "usageCoverageType",
                "companyRegistrationStartDate",
                "companyRegistrationEndDate",
            ),
        )
        company = self._company(p.company_id())
        target = p.str("targetMonth")
        month = month_key(today())
        if target is not None:
            match = MONTH_RE.match(target)
            if not match:
                raise InvalidParams("Parameter 'targetMonth' must have the format mm/yyyy.")
            month = f"{match.group(2)}-{match.group(1)}"
        usage: dict[str, Any] = self.state.monthly_usage(company, month)
        # C 149: "minimumUsage {endpointMonthlyUsage}" (no minimum is simulated: 0).
        return {**usage, "minimumUsage": {"endpointMonthlyUsage": 0}}

    # -- Network API ----------------------------------------------------------------------------

    def get_companies_list(self, request: Request, raw: Any) -> dict[str, Any]:
        p = Params(raw, ("parentId", "page", "perPage"))
        parent = self._company(p.company_id("parentId"))
        page = p.int("page", low=1) or 1
        per_page = p.int("perPage", low=1, high=100) or 30
        children = self.state.children[parent.id]
        start = (page - 1) * per_page
        items = [
            answers.company(self.state.companies[c], self.variant)
            for c in children[start : start + per_page]
        ]
        return {
            "total": len(children),
            "page": page,
            "perPage": per_page,
            "pagesCount": max(1, -(-len(children) // per_page)),
            "items": items,
        }
