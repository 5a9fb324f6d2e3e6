"""Bitdefender GravityZone Cloud adapter: the Public API, JSON-RPC 2.0 over HTTPS.

Every call is ``POST {ACCESS_URL}/v1.0/jsonrpc/{api}`` with a JSON-RPC 2.0 body and HTTP Basic
auth, API key as user name and an empty password (CONTRACTS.md section 2). A company is a tenant;
its one monthly licence (``getLicenseInfo``) is its subscription; add-ons are licence flags.

Assumptions where the vendor docs are silent (all in one place, mirrored in
docs/vendors/bitdefender.md):

- Base URL: the connection holds the ACCESS_URL ending in ``/api``; a URL without it gets
  ``/api`` appended, so the sandbox mount ``http://host/bitdefender`` works as well.
- Errors: JSON-RPC errors come back with HTTP 200; the code table is unpublished, so codes
  -32700/-32600/-32601 (our bug) and -32602 (invalid params) map to ``VendorBadRequest``, and
  -32000 is sorted by the words of ``error.data.details`` ("not found" -> ``VendorNotFound``,
  "already exists"/"cannot be deleted" -> ``VendorConflict``, else ``VendorBadRequest``).
  HTTP 401/403 -> ``VendorAuthError``, 429/5xx -> ``VendorTransientError`` with Retry-After.
- Field errors: a -32602 ``details`` naming ``Parameter 'x'`` becomes ``{"x": [details]}``.
- Listing: the Companies API has no list method, so tenants are enumerated with the Network
  API's ``getCompaniesList`` (``parentId``, ``page`` from 1, ``perPage`` up to 100; answer
  ``{total, page, perPage, pagesCount, items}``), direct children only: the adapter walks the
  tree breadth first, descending into partner companies (type 0). Each company's licence is one
  more ``getLicenseInfo`` call, so a full pull costs about N + N/100 calls at 10 per second.
  A company deleted while a pull runs can shift a later page by one item.
- Our reference lives in the company ``address`` as ``portal-ref:<reference>`` (the only free
  text field createCompany documents; no portal address is sent). ``find_tenant`` matches the
  exact name with ``findCompaniesByName`` (names are unique at Bitdefender), or, with no name
  (or when 100 prefix matches may hide the exact name), scans the listing for the reference.
  A same-name company without our reference is not ours.
- Seats = the licence's ``reservedSlots`` (``totalSlots`` in getLicenseInfo); 0 means "no
  reservation, draw on the parent's pool" and is reported as ``seats=None``.
- ``setMonthlySubscription`` is on the Licensing API (doc page 77211-127106 sits there; the
  marketplace page says Companies) and: omitted add-on flags mean False (the doc: "include all
  previous parameters" to keep them), omitted ``reservedSlots``/``endSubscription`` keep their
  value, and it turns a trial company into a paid monthly subscription. So every call sends the
  full current flag set, and seat/add-on changes on a trial are refused (convert it first).
- EDR (``manageEventCorrelator``) requires Sandbox Analyzer and HyperDetect: asking for EDR
  adds both to the set we send.
- Trial: ``licenseSubscription.type`` 5 (monthly subscription trial; 4 for a partner company);
  paid: type 3. Convert = ``setMonthlySubscription`` on the trial company.
- Cancel = ``setMonthlySubscription`` with ``endSubscription`` = today (UTC) and
  ``autoRenewPeriod`` 0: the company and its history stay, its licence has ended
  (``deleteCompany`` is irreversible and loses usage history; staff can still delete in the
  console). A licence whose ``endSubscription`` is today or earlier without auto-renewal reads
  as cancelled.
- Suspend/resume are recursive: an MSP suspended for a contract breach takes its customers along
  (the doc's reason for ``recursive``), and resuming brings them back.
- Create options from ``TenantSpec.extra``: ``company_type`` ("customer" default or "partner")
  and ``parent_external_id`` (a partner company to create under).
- Bitdefender has no idempotency key; creates are made idempotent by find-before-create.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar

import requests

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
    Metric,
    ProductKind,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
    VendorProduct,
    VendorSubscription,
    VendorTenant,
    VendorUsage,
    emulated,
    native,
    unsupported,
)

PARTNER, CUSTOMER = 0, 1
COMPANY_TYPES = {"partner": PARTNER, "customer": CUSTOMER}
MONTHLY_SUBSCRIPTION = 3
TRIAL_TYPE = {CUSTOMER: 5, PARTNER: 4}  # monthly subscription trial / monthly licence trial
REFERENCE_PREFIX = "portal-ref:"
MAX_FOUND = 100  # findCompaniesByName maxResults ceiling

BASE_PRODUCT_CODE = "endpointSecurity"
BASE_PRODUCT_NAME = "Cloud Security for MSP - Endpoint Security"
EDR = "manageEventCorrelator"
EDR_REQUIRES = ("manageSandboxAnalyzer", "manageHyperDetect")
#: Add-on products are the licence flags that switch them on (getLicenseInfo/setMonthlySubscription).
ADDON_NAMES: dict[str, str] = {
    "manageExchange": "Security for Exchange",
    "manageEncryption": "Full Disk Encryption",
    "manageRemoteEnginesScanning": "Security for Virtualized Environments",
    "manageHyperDetect": "HyperDetect (Advanced Threat Security)",
    "manageSandboxAnalyzer": "Sandbox Analyzer (Advanced Threat Security)",
    "managePatchManagement": "Patch Management",
    EDR: "Endpoint Detection and Response (EDR)",
}

# licenseSubscription.type -> status while not suspended and not ended (createCompany doc).
LICENCE_TENANT_STATUS: dict[int, TenantStatus] = {
    1: TenantStatus.TRIAL,  # trial
    2: TenantStatus.ACTIVE,  # licence key
    3: TenantStatus.ACTIVE,  # monthly subscription
    4: TenantStatus.TRIAL,  # monthly licence trial
    5: TenantStatus.TRIAL,  # monthly subscription trial
    6: TenantStatus.ACTIVE,  # FRAT subscription
}
LICENCE_SUBSCRIPTION_STATUS: dict[int, SubscriptionStatus] = {
    1: SubscriptionStatus.TRIAL,
    2: SubscriptionStatus.ACTIVE,
    3: SubscriptionStatus.ACTIVE,
    4: SubscriptionStatus.TRIAL,
    5: SubscriptionStatus.TRIAL,
    6: SubscriptionStatus.ACTIVE,
}
TRIAL_LICENCES = frozenset(
    k for k, v in LICENCE_SUBSCRIPTION_STATUS.items() if v is SubscriptionStatus.TRIAL
)

#: getMonthlyUsage field -> our metric (77211-127109). Other fields stay in ``raw`` only.
USAGE_METRICS: dict[str, Metric] = {
    "endpointMonthlyUsage": Metric.ENDPOINTS,
    "edrMonthlyUsage": Metric.EDR_ENDPOINTS,
    "encryptionMonthlyUsage": Metric.ENCRYPTION_ENDPOINTS,
    "exchangeMonthlyUsage": Metric.EXCHANGE_MAILBOXES,
    "atsMonthlyUsage": Metric.ATS_ENDPOINTS,
    "patchManagementMonthlyUsage": Metric.PATCH_MANAGEMENT_ENDPOINTS,
    "sveVsMonthlyUsage": Metric.VIRTUAL_SERVERS,
    "sveVdiMonthlyUsage": Metric.VDI_ENDPOINTS,
    "emailSecurityMonthlyUsage": Metric.EMAIL_SECURITY_MAILBOXES,
    "mobileSecurityMonthlyUsage": Metric.MOBILE_DEVICES,
    "containerProtectionMonthlyUsage": Metric.CONTAINER_HOSTS,
}

# -32000 carries the reason only in words; these decide what the caller does next.
NOT_FOUND_HINTS = ("not found", "does not exist")
CONFLICT_HINTS = ("already exists", "cannot be deleted")
CALLER_BUG_CODES = frozenset({-32700, -32600, -32601, -32602})
PARAM_RE = re.compile(r"[Pp]arameter '([\w.]+)'")


class BitdefenderAdapter(HttpVendorAdapter):
    vendor = "bitdefender"
    display_name = "Bitdefender GravityZone"
    credential_fields = ("api_key",)
    default_base_url = "https://cloud.gravityzone.bitdefender.com/api"
    # Documented: 10 requests/second per API key, then 429 + Retry-After. We keep 20% headroom
    # because our window and theirs start at different moments (network latency, clock).
    rate_limit = RateLimit(per_second=8)
    page_size = 100  # getCompaniesList perPage maximum
    capabilities: ClassVar[dict[Capability, CapabilityInfo]] = {
        Capability.CATALOG: emulated(
            "GravityZone has no catalog call: the catalog is Endpoint Security plus the add-ons "
            "your own partner licence may enable (read with getLicenseInfo)."
        ),
        Capability.LIST_TENANTS: native("Companies are listed page by page under each partner."),
        Capability.CREATE_TENANT: native("createCompany with a monthly subscription licence."),
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
        code = error.get("code") if isinstance(error, dict) else None
        lowered = message.lower()
        if code not in CALLER_BUG_CODES and any(h in lowered for h in NOT_FOUND_HINTS):
            return VendorNotFound(message, **kwargs)
        if code not in CALLER_BUG_CODES and any(h in lowered for h in CONFLICT_HINTS):
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
        if not isinstance(body, dict) or "result" not in body:
            # Not a JSON-RPC answer at all: the engine reads a write back once, then fails.
            raise VendorUnexpectedAnswer(
                f"unexpected answer from {self.display_name} to {method}: no JSON-RPC result",
                vendor=self.vendor,
                body=body,
            )
        return body["result"]

    # -- reads -------------------------------------------------------------------------------------

    def test_connection(self) -> None:
        self._own_company_id = self.rpc("companies", "getCompanyDetails")["id"]

    def own_company_id(self) -> str:
        if self._own_company_id is None:
            self.test_connection()
        return self._own_company_id or ""

    def list_products(self) -> list[VendorProduct]:
        licence = self.rpc("licensing", "getLicenseInfo")
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
            yield [self._tenant(c, self._licence(c["id"]), parent) for c in companies]

    def _company_pages(self) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(parent id, companies) per getCompaniesList page, walking partners breadth first."""
        parents: deque[str] = deque([""])  # "" = the API key's own company
        while parents:
            parent, page = parents.popleft(), 1
            while True:
                params: dict[str, Any] = {"page": page, "perPage": self.page_size}
                if parent:
                    params["parentId"] = parent
                result = self.rpc("network", "getCompaniesList", params)
                items = result.get("items") or []
                parents.extend(c["id"] for c in items if c.get("type") == PARTNER)
                if items:
                    yield parent, items
                if not items or page >= int(result.get("pagesCount") or 1):
                    break
                page += 1

    def get_tenant(self, external_id: str) -> VendorTenant:
        company = self.rpc("companies", "getCompanyDetails", {"companyId": external_id})
        return self._tenant(company, self._licence(external_id))

    def find_tenant(self, reference: str, name: str = "") -> VendorTenant | None:
        candidates: Iterable[dict[str, Any]] = ()
        found: list[dict[str, Any]] = []
        if name:
            found = self.rpc(
                "companies", "findCompaniesByName", {"nameFilter": name, "maxResults": MAX_FOUND}
            )
            candidates = [c for c in found if c.get("name", "").casefold() == name.casefold()]
        if not name or (not candidates and len(found) >= MAX_FOUND):
            # No name, or the exact name may sit beyond the prefix matches: scan the listing.
            candidates = (c for _, page in self._company_pages() for c in page)
        for company in candidates:
            if reference and reference_of(company) == reference:
                return self._tenant(company, self._licence(company["id"]))
        return None

    def get_usage(self, external_id: str, period: dt.date) -> list[VendorUsage]:
        self.require(Capability.USAGE)
        period = period.replace(day=1)
        usage = self.rpc(
            "licensing",
            "getMonthlyUsage",
            {"companyId": external_id, "targetMonth": period.strftime("%m/%Y")},
        )
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
            if isinstance(usage.get(field), int | float)
        ]

    # -- writes ------------------------------------------------------------------------------------

    def create_tenant(self, spec: TenantSpec, idempotency_key: str) -> VendorTenant:
        self.require(Capability.CREATE_TENANT)
        if spec.product_code != BASE_PRODUCT_CODE:
            raise VendorBadRequest(
                f"Unknown product {spec.product_code!r}; GravityZone sells {BASE_PRODUCT_CODE}.",
                vendor=self.vendor,
            )
        company_type = COMPANY_TYPES.get(str(spec.extra.get("company_type", "customer")))
        if company_type is None:
            raise VendorBadRequest(
                "company_type must be 'customer' or 'partner'.", vendor=self.vendor
            )
        existing = self.find_tenant(spec.reference, spec.name)
        if existing is not None:
            self.log.info(
                "create %s: found %s, not creating again", idempotency_key, existing.external_id
            )
            return existing
        licence: dict[str, Any] = {
            "type": TRIAL_TYPE[company_type] if spec.trial else MONTHLY_SUBSCRIPTION,
            **addon_flags(spec.addons, self.vendor),
        }
        if spec.seats:
            licence["reservedSlots"] = spec.seats
        params: dict[str, Any] = {
            "type": company_type,
            "name": spec.name,
            "address": REFERENCE_PREFIX + spec.reference,
            "country": spec.country,
            "licenseSubscription": licence,
        }
        if spec.extra.get("parent_external_id"):
            params["parentId"] = spec.extra["parent_external_id"]
        if spec.contact.email:
            params["accountEmail"] = spec.contact.email
            full_name = f"{spec.contact.first_name} {spec.contact.last_name}".strip()
            if full_name:
                params["accountFullName"] = full_name
        company_id = self.rpc("companies", "createCompany", params, write=True)
        return self.get_tenant(company_id)

    def change_subscription(
        self, external_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> VendorTenant:
        self.require_change(change)
        licence = self._licence(external_id)
        if licence.get("subscriptionType") in TRIAL_LICENCES:
            raise VendorConflict(
                "GravityZone turns a trial into a paid subscription on any licence change; "
                "convert the trial first.",
                vendor=self.vendor,
            )
        params = self._subscription_params(external_id, licence)
        if change.seats is not None:
            params["reservedSlots"] = change.seats
        if change.addons is not None:
            params.update(addon_flags(change.addons, self.vendor))
        self.rpc("licensing", "setMonthlySubscription", params, write=True)
        return self.get_tenant(external_id)

    def suspend(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.SUSPEND)
        params = {"companyId": external_id, "recursive": True}
        self.rpc("companies", "suspendCompany", params, write=True)
        return self.get_tenant(external_id)

    def resume(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.RESUME)
        params = {"companyId": external_id, "recursive": True}
        self.rpc("companies", "activateCompany", params, write=True)
        return self.get_tenant(external_id)

    def cancel(
        self, external_id: str, subscription_id: str = "", idempotency_key: str = ""
    ) -> VendorTenant:
        self.require(Capability.CANCEL)
        licence = self._licence(external_id)
        if not licence_ended(licence):
            params = self._subscription_params(external_id, licence)
            params.update(endSubscription=utc_today().isoformat(), autoRenewPeriod=0)
            self.rpc("licensing", "setMonthlySubscription", params, write=True)
        return self.get_tenant(external_id)

    def convert_trial(
        self,
        external_id: str,
        subscription_id: str = "",
        seats: int | None = None,
        idempotency_key: str = "",
    ) -> VendorTenant:
        self.require(Capability.CONVERT_TRIAL)
        licence = self._licence(external_id)
        if licence.get("subscriptionType") in TRIAL_LICENCES:
            params = self._subscription_params(external_id, licence)
            if seats is not None:
                params["reservedSlots"] = seats
            self.rpc("licensing", "setMonthlySubscription", params, write=True)
        return self.get_tenant(external_id)

    # -- mapping -----------------------------------------------------------------------------------

    def _licence(self, company_id: str) -> dict[str, Any]:
        return self.rpc("licensing", "getLicenseInfo", {"companyId": company_id})

    @staticmethod
    def _subscription_params(company_id: str, licence: dict[str, Any]) -> dict[str, Any]:
        """setMonthlySubscription resets omitted add-ons to False: always send them all."""
        return {"companyId": company_id, **{f: bool(licence.get(f)) for f in ADDON_NAMES}}

    def _tenant(
        self, company: dict[str, Any], licence: dict[str, Any], parent: str | None = None
    ) -> VendorTenant:
        if parent is None:
            raw_parent = company.get("parentId") or ""
            parent = "" if raw_parent == self.own_company_id() else raw_parent
        kind = licence.get("subscriptionType")
        if licence_ended(licence):
            status = TenantStatus.CANCELLED
        elif company.get("isSuspended"):
            status = TenantStatus.SUSPENDED
        else:
            status = LICENCE_TENANT_STATUS.get(kind, TenantStatus.UNKNOWN)
        return VendorTenant(
            external_id=company["id"],
            name=company.get("name", ""),
            status=status,
            reference=reference_of(company),
            parent_external_id=parent,
            subscriptions=(self._subscription(company, licence),),
            raw={"company": company, "licence": licence},
        )

    @staticmethod
    def _subscription(company: dict[str, Any], licence: dict[str, Any]) -> VendorSubscription:
        kind = licence.get("subscriptionType")
        is_trial = kind in TRIAL_LICENCES
        expires = parse_day(licence.get("expiryDate"))
        ends = parse_day(licence.get("endSubscription"))
        if licence_ended(licence):
            status = SubscriptionStatus.CANCELLED
        elif is_trial and expires is not None and expires < utc_today():
            status = SubscriptionStatus.EXPIRED
        elif company.get("isSuspended"):
            status = SubscriptionStatus.SUSPENDED
        else:
            status = LICENCE_SUBSCRIPTION_STATUS.get(kind, SubscriptionStatus.UNKNOWN)
        renew = licence.get("autoRenewPeriod") or 0
        return VendorSubscription(
            external_id=company["id"],  # one licence per company: it shares the company's id
            product_code=BASE_PRODUCT_CODE,
            product_name=BASE_PRODUCT_NAME,
            status=status,
            seats=licence.get("totalSlots") or None,
            seats_used=licence.get("usedSlots"),
            term="monthly",
            auto_renew=True if ends is None else renew > 0,
            is_trial=is_trial,
            trial_ends=expires if is_trial else None,
            starts=parse_day(company.get("createdAt")),
            ends=ends,
            addons=tuple(f for f in ADDON_NAMES if licence.get(f)),
            raw=licence,
        )


def addon_flags(addons: tuple[str, ...], vendor: str) -> dict[str, bool]:
    """The full flag set for ``addons`` (product codes are the flag names); EDR brings its two."""
    unknown = sorted(set(addons) - set(ADDON_NAMES))
    if unknown:
        raise VendorBadRequest(
            f"Unknown add-on(s) {', '.join(unknown)}; known: {', '.join(ADDON_NAMES)}.",
            vendor=vendor,
            field_errors={"addons": [f"unknown: {', '.join(unknown)}"]},
        )
    wanted = set(addons)
    if EDR in wanted:
        wanted.update(EDR_REQUIRES)
    return {flag: flag in wanted for flag in ADDON_NAMES}


def reference_of(company: dict[str, Any]) -> str:
    address = company.get("address") or ""
    return address[len(REFERENCE_PREFIX) :] if address.startswith(REFERENCE_PREFIX) else ""


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_day(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def licence_ended(licence: dict[str, Any]) -> bool:
    """Ended: an end date today or earlier with no auto-renewal (then the licence rolls on)."""
    ends = parse_day(licence.get("endSubscription"))
    return ends is not None and not licence.get("autoRenewPeriod") and ends <= utc_today()
