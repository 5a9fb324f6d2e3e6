"""Bitdefender GravityZone Cloud adapter: the Public API, JSON-RPC 2.0 over HTTPS.

Every call is ``POST {ACCESS_URL}/v1.0/jsonrpc/{api}`` with a JSON-RPC 2.0 body and HTTP Basic
auth, API key as user name and an empty password (CONTRACTS.md section 2). A company is a tenant;
its Endpoint Security licence (``getLicenseInfo``) is its subscription; add-ons are licence flags.
Each line of docs/vendors/bitdefender.md names the document line behind a choice; where the
documents leave a point open the adapter reads every plausible answer (the sandbox's variants):

- Base URL: the connection holds the ACCESS_URL ending in ``/api``; a URL without it gets
  ``/api`` appended, so the sandbox mount ``http://host/bitdefender`` works as well.
- Errors: no code table is published. -32700/-32600/-32601 are our bug (``VendorBadRequest``);
  a method answered -32601 or HTTP 404 is "not offered here" where a fallback exists. On
  ``getCompanyDetails`` by id any other JSON-RPC error (-32000 "not found" or -32602 naming the
  id) or a null result means ``VendorNotFound``. Elsewhere -32000 is sorted by its words only
  to pick ``VendorConflict`` over ``VendorBadRequest``. HTTP 401/403 -> ``VendorAuthError``,
  429/5xx -> ``VendorTransientError`` with Retry-After.
- Licence: ``getLicenseInfo`` (``returnAllProducts`` true) answers an array of licence entries;
  the main one is the entry that is not ``isAddon``; an add-on is on when the main entry or an
  add-on entry carries its flag. A single object is read as a one-entry array.
- Listing: ``network.getCompaniesList`` (in no document; paged direct children, walked breadth
  first) is tried first; when the vendor does not have it, every company is found with
  ``findCompaniesByName`` over name prefixes (``listing.py``). ``find_tenant`` falls back the
  same way when the name's own answer reaches the 100 cap. The key's own company is never a
  tenant, even when the search returns it. Company objects document no parent field: the parent
  is the walk's, or ``parentId`` when the vendor sends it, else empty.
- Our reference lives in the company ``address`` as ``portal-ref:<reference>`` (the only free
  text field createCompany documents; no portal address is sent). A same-name company without
  our reference is not ours.
- Seats = ``totalSlots`` (reserved slots); 0 or none = the parent's pool = usage billing, reported
  as ``seats=None``. Create option ``billing=usage`` omits ``reservedSlots`` (the guide's note).
- ``setMonthlySubscription`` sits on the Licensing API (CONTRACTS) or the Companies API (the
  guide): Licensing first, Companies when the method is not there; the one that answered is
  kept. Omitted add-on flags may mean False or "unchanged", so every call sends the full set;
  omitted ``reservedSlots`` keeps its value (documented). It turns a trial into a paid monthly
  subscription, so seat/add-on changes on a trial are refused (convert it first). Its return
  value (none, or an id) is not read.
- EDR (``manageEventCorrelator``) requires Sandbox Analyzer and HyperDetect: asking for EDR adds
  both. Switching EDR off may switch both off whatever the call sent: a second call restores
  the ones still wanted.
- Trial: ``licenseSubscription.type`` 5 (customer) or 4 (partner; a monthly licence trial takes
  no reserved slots or add-on flags); paid: type 3. Convert = ``setMonthlySubscription``.
- Cancel = ``setMonthlySubscription`` with ``endSubscription`` = today (UTC) and
  ``autoRenewPeriod`` 0: the company and its history stay (``deleteCompany`` is irreversible).
  A licence whose ``endSubscription`` is today or earlier without auto-renewal reads as
  cancelled. Dates are read from ``YYYY-MM-DD`` or ISO date-times.
- Suspend/resume are recursive (the guide's reason: an MSP's customers go along). An
  ``activateCompany`` that refuses ``recursive`` (-32602) is asked again with ``companyId`` only.
- Bitdefender has no idempotency key; creates are made idempotent by find-before-create.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from collections import deque
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar

import requests

from vendors.base import DetailWanted
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorUnexpectedAnswer,
)
from vendors.http import HttpVendorAdapter
from vendors.ratelimit import RateLimit
from vendors.types import (
    Capability,
    CapabilityInfo,
    CreateOption,
    ProductKind,
    SubscriptionChange,
    TenantSpec,
    VendorProduct,
    VendorSubscription,
    VendorTenant,
    VendorUsage,
    emulated,
    native,
    unsupported,
)

from .listing import MAX_FOUND, partition
from .mapping import (
    ADDON_NAMES,
    BASE_PRODUCT_CODE,
    BASE_PRODUCT_NAME,
    EDR,
    MONTHLY_SUBSCRIPTION,
    MONTHLY_TYPES,
    PARTNER,
    REFERENCE_PREFIX,
    TRIAL_LICENCES,
    TRIAL_TYPE,
    USAGE_METRICS,
    addon_flags,
    current_flags,
    licence_ended,
    main_licence,
    parse_day,
    reference_of,
    seats_of,
    subscription_status,
    tenant_status,
    unexpected,
    utc_today,
)
from .options import CREATE_OPTIONS, create_choices

# -32000 carries the reason only in words; they only choose between conflict and bad request.
NOT_FOUND_HINTS = ("not found", "does not exist")
CONFLICT_HINTS = ("already exists", "cannot be deleted")
PROTOCOL_CODES = frozenset({-32700, -32600, -32601})  # our request was wrong, not the data
METHOD_NOT_FOUND, INVALID_PARAMS = -32601, -32602
PARAM_RE = re.compile(r"[Pp]arameter '([\w.]+)'")
SUBSCRIPTION_APIS = ("licensing", "companies")


def rpc_code(body: Any) -> int | None:
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) else None


def method_absent(exc: VendorError) -> bool:
    """The vendor has no such method: JSON-RPC -32601, or HTTP 404 (the JSON-RPC-over-HTTP way)."""
    return exc.status == 404 or rpc_code(exc.body) == METHOD_NOT_FOUND


class BitdefenderAdapter(HttpVendorAdapter):
    vendor = "bitdefender"
    display_name = "Bitdefender GravityZone"
    credential_fields = ("api_key",)
    default_base_url = "https://cloud.gravityzone.bitdefender.com/api"
    # Documented: 10 requests/second per API key, then 429 + Retry-After. We keep 10% headroom
    # because our window and theirs start at different moments (network latency, clock); a 429
    # still costs only its Retry-After, shared by every process on the key.
    rate_limit = RateLimit(per_second=9)
    page_size = 100  # getCompaniesList perPage (our assumption, like the Network API's lists)
    create_options: ClassVar[tuple[CreateOption, ...]] = CREATE_OPTIONS
    capabilities: ClassVar[dict[Capability, CapabilityInfo]] = {
        Capability.CATALOG: emulated(
            "GravityZone has no catalog call: the catalog is Endpoint Security plus the add-ons "
            "your own partner licence may enable (read with getLicenseInfo)."
        ),
        Capability.LIST_TENANTS: emulated(
            "No documented list call: companies are found by name prefixes (at most 100 per "
            "answer), or listed page by page where GravityZone offers getCompaniesList."
        ),
        Capability.CREATE_TENANT: native(
            "createCompany with a monthly subscription licence, on reserved seats or on usage."
        ),
        Capability.CHANGE_SEATS: native("Seats are the reserved slots of the monthly licence."),
        Capability.CHANGE_ADDONS: native(
            "Add-ons are licence switches; EDR also switches on Sandbox Analyzer and HyperDetect."
        ),
        Capability.CHANGE_PLAN: unsupported(
            "A GravityZone company has one Endpoint Security licence: there is no plan to change."
        ),
        Capability.SUSPEND: native("Suspends the company and every company it manages."),
        Capability.RESUME: native("Reactivates the company and every company it manages."),
        Capability.CANCEL: emulated(
            "Ends the monthly subscription today; the company stays visible and can be deleted "
            "in GravityZone Control Center."
        ),
        Capability.CONVERT_TRIAL: native("Setting a monthly subscription ends the trial."),
        Capability.USAGE: native("getMonthlyUsage per company and month."),
        Capability.WEBHOOKS: unsupported(
            "GravityZone pushes security events only, not licensing changes; sync polls instead."
        ),
    }

    def __init__(self, base_url: str, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(base_url, credentials, **kwargs)
        if not self.base_url.endswith("/api"):
            self.base_url += "/api"
        self._own_company_id: str | None = None
        #: Whether the vendor serves getCompaniesList (None: not asked yet).
        self._list_served: bool | None = None
        #: The API that answered setMonthlySubscription.
        self._subscription_api: str | None = None

    # -- HTTP hooks --------------------------------------------------------------------------------

    def authenticate(self, request: requests.PreparedRequest) -> None:
        token = base64.b64encode(f"{self.credentials.get('api_key', '')}:".encode()).decode()
        request.headers["Authorization"] = f"Basic {token}"

    def error_for_response(self, response: requests.Response, body: Any) -> VendorError | None:
        status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        if 200 <= status < 300 and not isinstance(error, dict):
            return None
        message = self.error_message(body) or response.reason or f"HTTP {status}"
        kwargs: dict[str, Any] = {"vendor": self.vendor, "status": status, "body": body}
        if status == 429 or status >= 500:
            return self.transient_error(response, message, **kwargs)
        if status in (401, 403):  # bad key / key not enabled for this API (CONTRACTS.md 2)
            return VendorAuthError(message, **kwargs)
        code = rpc_code(body)
        lowered = message.lower()
        if code not in PROTOCOL_CODES and any(h in lowered for h in NOT_FOUND_HINTS):
            return VendorNotFound(message, **kwargs)
        if code not in PROTOCOL_CODES and any(h in lowered for h in CONFLICT_HINTS):
            return VendorConflict(message, **kwargs)
        if status == 404 and code is None:
            return VendorNotFound(message, **kwargs)
        return VendorBadRequest(message, field_errors=self.field_errors(body), **kwargs)

    def error_message(self, body: Any) -> str:
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            data = error.get("data")
            details = data.get("details") if isinstance(data, dict) else None
            return str(details or error.get("message") or "")
        return super().error_message(body)

    def field_errors(self, body: Any) -> dict[str, list[str]]:
        message = self.error_message(body)
        match = PARAM_RE.search(message)
        return {match.group(1): [message]} if match else {}

    # -- JSON-RPC ----------------------------------------------------------------------------------

    def rpc(
        self, api: str, method: str, params: dict[str, Any] | None = None, *, write: bool = False
    ) -> Any:
        """One JSON-RPC call; reads are retried by the base, writes never (safe=False)."""
        payload = {
            "id": str(uuid.uuid4()),
            "jsonrpc": "2.0",
            "method": method,
            "params": params or {},
        }
        body = self.call("POST", f"/v1.0/jsonrpc/{api}", json=payload, safe=not write)
        if isinstance(body, dict) and "result" in body:
            return body["result"]
        if isinstance(body, dict) and body.get("jsonrpc") == "2.0":
            return None  # "does not return any value": an envelope without a result
        # Not a JSON-RPC answer at all: the engine reads a write back once, then fails.
        raise VendorUnexpectedAnswer(
            f"unexpected answer from {self.display_name} to {method}: no JSON-RPC result",
            vendor=self.vendor,
            body=body,
        )

    # -- reads -------------------------------------------------------------------------------------

    def test_connection(self) -> None:
        company = self.rpc("companies", "getCompanyDetails")
        if not isinstance(company, dict) or not isinstance(company.get("id"), str):
            raise unexpected("getCompanyDetails", company)
        self._own_company_id = company["id"]

    def own_company_id(self) -> str:
        if self._own_company_id is None:
            self.test_connection()
        return self._own_company_id or ""

    def list_products(self) -> list[VendorProduct]:
        licence = self._licence() or {}
        addons = [flag for flag in ADDON_NAMES if licence.get(flag)]
        base = VendorProduct(
            external_id=BASE_PRODUCT_CODE,
            code=BASE_PRODUCT_CODE,
            name=BASE_PRODUCT_NAME,
            kind=ProductKind.BASE,
            trial_available=True,
            addons=tuple(addons),
            raw=self.raw(licence),
        )
        return [base] + [
            VendorProduct(external_id=f, code=f, name=ADDON_NAMES[f], kind=ProductKind.ADDON)
            for f in addons
        ]

    def iter_tenant_pages(self) -> Iterator[list[VendorTenant]]:
        for parent, companies in self._company_pages():
            # getLicenseInfo per listed company, unless its row is unchanged and not due.
            licences = self.read_details([self._wanted_licence(c) for c in companies])
            yield [
                self._tenant(c, licence, parent)
                for c, licence in zip(companies, licences, strict=True)
            ]

    def _wanted_licence(self, company: dict[str, Any]) -> DetailWanted:
        company_id = str(company["id"])
        return DetailWanted(company_id, company_id, company, partial(self._licence, company_id))

    def _company_pages(self) -> Iterator[tuple[str | None, list[dict[str, Any]]]]:
        """(parent id or None when unknown, companies): getCompaniesList, else name prefixes."""
        if self._list_served is not False:
            try:
                yield from self._walk()
                return
            except (VendorBadRequest, VendorNotFound) as exc:
                if self._list_served or not method_absent(exc):
                    raise
                self._list_served = False
                self.log.info("getCompaniesList not offered: listing by name prefixes")
        skip = frozenset({self.own_company_id()})
        for companies in partition(self._find, skip):
            yield None, companies

    def _walk(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """getCompaniesList page by page, descending into partner companies breadth first."""
        parents: deque[str] = deque([""])  # "" = the API key's own company
        while parents:
            parent, page = parents.popleft(), 1
            while True:
                params: dict[str, Any] = {"page": page, "perPage": self.page_size}
                if parent:
                    params["parentId"] = parent
                result = self.rpc("network", "getCompaniesList", params)
                self._list_served = True
                items = result if isinstance(result, list) else (result or {}).get("items") or []
                items = self._companies(items, "getCompaniesList")
                parents.extend(c["id"] for c in items if c.get("type") == PARTNER)
                if items:
                    yield parent, items
                pages = result.get("pagesCount") if isinstance(result, dict) else None
                if not items or page >= int(pages or 1):
                    break
                page += 1

    def _find(self, name_filter: str) -> list[dict[str, Any]]:
        """findCompaniesByName at the cap; a filter the vendor refuses (-32602) finds nothing."""
        params = {"nameFilter": name_filter, "maxResults": MAX_FOUND}
        try:
            found = self.rpc("companies", "findCompaniesByName", params)
        except VendorBadRequest as exc:
            if rpc_code(exc.body) != INVALID_PARAMS:
                raise
            self.log.info("findCompaniesByName refused %r: %s", name_filter, exc.message)
            return []
        return self._companies(found or [], "findCompaniesByName")

    def _companies(self, found: Any, method: str) -> list[dict[str, Any]]:
        if not isinstance(found, list) or not all(
            isinstance(c, dict) and isinstance(c.get("id"), str) for c in found
        ):
            raise unexpected(method, found)
        return found

    def get_tenant(self, external_id: str) -> VendorTenant:
        return self._read(external_id)

    def _read(self, external_id: str, parent: str | None = None) -> VendorTenant:
        try:
            company = self.rpc("companies", "getCompanyDetails", {"companyId": external_id})
        except VendorBadRequest as exc:
            # The call names one id: any refusal that is not a protocol error is about it.
            if rpc_code(exc.body) in PROTOCOL_CODES or rpc_code(exc.body) is None:
                raise
            raise VendorNotFound(exc.message, vendor=self.vendor, status=exc.status, body=exc.body)
        if company is None:
            raise VendorNotFound(f"No company {external_id}.", vendor=self.vendor)
        if not isinstance(company, dict):
            raise unexpected("getCompanyDetails", company)
        company = {**company, "id": company.get("id") or external_id}
        return self._tenant(company, self._licence(external_id), parent)

    def find_tenant(self, reference: str, name: str = "") -> VendorTenant | None:
        own = self.own_company_id()
        if name:
            found = self._find(name)
            exact = [
                c
                for c in found
                if c["id"] != own and str(c.get("name", "")).casefold() == name.casefold()
            ]
            for company in exact:
                if reference and reference_of(company) == reference:
                    return self._tenant(company, self._licence(company["id"]))
            if exact or len(found) < MAX_FOUND:
                return None  # names are unique: the exact name is not ours, or not there
        if not reference:
            return None
        # No name, or the exact name may sit beyond the cap: look through every company.
        for parent, page in self._company_pages():
            for company in page:
                if reference_of(company) == reference:
                    return self._tenant(company, self._licence(company["id"]), parent)
        return None

    def get_usage(self, external_id: str, period: dt.date) -> list[VendorUsage]:
        self.require(Capability.USAGE)
        period = period.replace(day=1)
        usage = self.rpc(
            "licensing",
            "getMonthlyUsage",
            {"companyId": external_id, "targetMonth": period.strftime("%m/%Y")},
        )
        if not isinstance(usage, dict):
            raise unexpected("getMonthlyUsage", usage)
        return [
            VendorUsage(
                tenant_external_id=external_id,
                period=period,
                metric=metric,
                quantity=Decimal(str(usage[field])),
                vendor_field=field,
                subscription_external_id=external_id,
                raw=usage,
            )
            for field, metric in USAGE_METRICS.items()
            if isinstance(usage.get(field), int | float) and not isinstance(usage[field], bool)
        ]

    # -- writes ------------------------------------------------------------------------------------

    def create_tenant(self, spec: TenantSpec, idempotency_key: str) -> VendorTenant:
        self.require(Capability.CREATE_TENANT)
        if spec.product_code != BASE_PRODUCT_CODE:
            raise VendorBadRequest(
                f"Unknown product {spec.product_code!r}; GravityZone sells {BASE_PRODUCT_CODE}.",
                vendor=self.vendor,
            )
        choices = create_choices(spec.extra)
        kind = TRIAL_TYPE[choices.company_type] if spec.trial else MONTHLY_SUBSCRIPTION
        licence: dict[str, Any] = {"type": kind}
        if kind in MONTHLY_TYPES:  # reservedSlots and add-on flags: types 3 and 5 only
            licence.update(addon_flags(spec.addons))
            if not choices.usage_billing and spec.seats:
                licence["reservedSlots"] = spec.seats
        elif spec.addons:
            raise VendorBadRequest(
                "A partner trial (monthly licence trial) takes no add-ons; convert it first.",
                vendor=self.vendor,
                field_errors={"addons": ["not on a partner trial"]},
            )
        existing = self.find_tenant(spec.reference, spec.name)
        if existing is not None:
            self.log.info(
                "create %s: found %s, not creating again", idempotency_key, existing.external_id
            )
            return existing
        params: dict[str, Any] = {
            "type": choices.company_type,
            "name": spec.name,
            "address": REFERENCE_PREFIX + spec.reference,
            "country": spec.country,
            **choices.params,
            "licenseSubscription": licence,
        }
        if choices.parent_id:
            params["parentId"] = choices.parent_id
        if spec.contact.email:
            params["accountEmail"] = spec.contact.email
            full_name = f"{spec.contact.first_name} {spec.contact.last_name}".strip()
            if full_name:
                params["accountFullName"] = full_name
        company_id = self.rpc("companies", "createCompany", params, write=True)
        parent = "" if choices.parent_id in ("", self.own_company_id()) else choices.parent_id
        if not isinstance(company_id, str) or not company_id:
            # Created, but the answer is not the documented id string: find it by our reference.
            found = self.find_tenant(spec.reference, spec.name)
            if found is None:
                raise unexpected("createCompany", company_id)
            company_id = found.external_id
        return self._read(company_id, parent)

    def change_subscription(
        self, external_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> VendorTenant:
        self.require_change(change)
        wanted = addon_flags(change.addons) if change.addons is not None else None
        licence = self._licence(external_id) or {}
        if licence.get("subscriptionType") in TRIAL_LICENCES:
            raise VendorConflict(
                "GravityZone turns a trial into a paid subscription on any licence change; "
                "convert the trial first.",
                vendor=self.vendor,
            )
        params = self._subscription_params(external_id, licence)
        if change.seats is not None:
            params["reservedSlots"] = change.seats
        if wanted is not None:
            params.update(wanted)
        self._set_subscription(params)
        tenant = self.get_tenant(external_id)
        if wanted is not None and licence.get(EDR) and not wanted[EDR]:
            # EDR going off may take Sandbox Analyzer and HyperDetect with it, whatever we sent
            # ("any change of this parameter's value will automatically set" both): set again,
            # EDR now unchanged, when one of them is still wanted.
            got = set(tenant.subscriptions[0].addons) if tenant.subscriptions else set()
            if got != {f for f, on in wanted.items() if on}:
                self._set_subscription(params)
                tenant = self.get_tenant(external_id)
        return tenant

    def suspend(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.SUSPEND)
        params = {"companyId": external_id, "recursive": True}
        self.rpc("companies", "suspendCompany", params, write=True)
        return self.get_tenant(external_id)

    def resume(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.RESUME)
        try:
            params = {"companyId": external_id, "recursive": True}
            self.rpc("companies", "activateCompany", params, write=True)
        except VendorBadRequest as exc:
            # activateCompany's params are not documented (a mirror of suspendCompany is our
            # reading): refused params changed nothing, so ask with the company id alone.
            if rpc_code(exc.body) != INVALID_PARAMS:
                raise
            self.rpc("companies", "activateCompany", {"companyId": external_id}, write=True)
        return self.get_tenant(external_id)

    def cancel(
        self, external_id: str, subscription_id: str = "", idempotency_key: str = ""
    ) -> VendorTenant:
        self.require(Capability.CANCEL)
        licence = self._licence(external_id) or {}
        if not licence_ended(licence):
            params = self._subscription_params(external_id, licence)
            params.update(endSubscription=utc_today().isoformat(), autoRenewPeriod=0)
            self._set_subscription(params)
        return self.get_tenant(external_id)

    def convert_trial(
        self,
        external_id: str,
        subscription_id: str = "",
        seats: int | None = None,
        idempotency_key: str = "",
    ) -> VendorTenant:
        self.require(Capability.CONVERT_TRIAL)
        licence = self._licence(external_id) or {}
        if licence.get("subscriptionType") in TRIAL_LICENCES:
            params = self._subscription_params(external_id, licence)
            if seats is not None:
                params["reservedSlots"] = seats
            self._set_subscription(params)
        return self.get_tenant(external_id)

    def _set_subscription(self, params: dict[str, Any]) -> None:
        """setMonthlySubscription on the API that has it (Licensing, else Companies)."""
        apis = [self._subscription_api] if self._subscription_api else list(SUBSCRIPTION_APIS)
        for api in apis:
            try:
                self.rpc(api, "setMonthlySubscription", params, write=True)
            except (VendorBadRequest, VendorNotFound) as exc:
                if api == apis[-1] or not method_absent(exc):
                    raise
                continue
            self._subscription_api = api
            return

    # -- mapping -----------------------------------------------------------------------------------

    def _licence(self, company_id: str = "") -> dict[str, Any] | None:
        params: dict[str, Any] = {"returnAllProducts": True}
        if company_id:
            params["companyId"] = company_id
        return main_licence(self.rpc("licensing", "getLicenseInfo", params))

    @staticmethod
    def _subscription_params(company_id: str, licence: dict[str, Any]) -> dict[str, Any]:
        """Omitted add-ons may be reset to False: always send them all, as they are."""
        return {"companyId": company_id, **current_flags(licence)}

    def _tenant(
        self,
        company: dict[str, Any],
        licence: dict[str, Any] | None,
        parent: str | None = None,
    ) -> VendorTenant:
        if parent is None:
            raw_parent = company.get("parentId")
            raw_parent = raw_parent if isinstance(raw_parent, str) else ""
            parent = "" if raw_parent == self.own_company_id() else raw_parent
        return VendorTenant(
            external_id=company["id"],
            name=str(company.get("name") or ""),
            status=tenant_status(company, licence),
            reference=reference_of(company),
            parent_external_id=parent,
            subscriptions=() if licence is None else (self._subscription(company, licence),),
            raw={"company": company, "licence": licence},
        )

    @staticmethod
    def _subscription(company: dict[str, Any], licence: dict[str, Any]) -> VendorSubscription:
        is_trial = licence.get("subscriptionType") in TRIAL_LICENCES
        ends = parse_day(licence.get("endSubscription"))
        renew = licence.get("autoRenewPeriod") or 0
        used = licence.get("usedSlots")
        return VendorSubscription(
            external_id=company["id"],  # one licence per company: it shares the company's id
            product_code=BASE_PRODUCT_CODE,
            product_name=BASE_PRODUCT_NAME,
            status=subscription_status(company, licence),
            seats=seats_of(licence),
            seats_used=used if isinstance(used, int) and not isinstance(used, bool) else None,
            term="monthly",
            auto_renew=True if ends is None else renew > 0,
            is_trial=is_trial,
            trial_ends=parse_day(licence.get("expiryDate")) if is_trial else None,
            starts=parse_day(company.get("createdAt")),
            ends=ends,
            addons=tuple(f for f in ADDON_NAMES if licence.get(f) is True),
            raw=licence,
        )
