"""Egnyte MSP Public API adapter (``/pubapi/v1/msp`` on the MSP's NFR domain).

Assumptions where the Egnyte docs are silent, in one place (docs/vendors/egnyte.md has the
endpoint table):

1. Tenant unit. The API has two collections with separate name spaces: Connect *domains* and
   Protect *tenants*. A VendorTenant is one of them, and the external id says which:
   ``domain:<domain>`` or ``protect:<tenant>`` (``vendors.egnyte.ids``). Listing walks
   ``/domains`` then ``/tenants``. A Protect tenant's associated domain is kept in ``raw``.
   Each unit has exactly one subscription (its plan), whose external id is the unit's own.
2. Auth. A long-lived Bearer token (Egnyte tokens do not expire; obtained once through the OAuth
   implicit/code grant in the developer portal), so there is no token call and no refresh: a
   401 means revoked and disables the connection.
3. Throttling. Egnyte's gateway answers 403 with ``X-Mashery-Error-Code:
   ERR_403_DEVELOPER_OVER_QPS`` (2/s) or ``..._OVER_RATE`` (1000/day) and ``Retry-After``: that
   is transient, every other 403 (other Mashery codes included) is an auth error. Without
   Retry-After, QPS waits 1 s and the daily quota waits for midnight UTC. The gateway refuses a
   throttled call before the API sees it, so a throttled *write* is resent too (the base
   retries only reads); every other failed write is left to the operation engine.
4. Pagination. DRF style, 10 per page, not client-selectable. ``next`` is an absolute URL; only
   its query is reused, against our configured base URL, so the token never goes to another host.
5. Names and references. No documented schema carries a company name (Domain and Tenant,
   egnyte-msp-api.txt:270-346 and 434-506) and the trial call has no note or reference field,
   so a domain (or Protect tenant) is its own name: ``VendorTenant.name`` is the domain. Our
   reference is carried in the domain name the portal chooses:
   ``<company name letters/digits, max 41>-<8 hex of sha256(reference)>`` (50 chars max). That
   suffix is the ownership mark: ``find_tenant`` with a name is one GET of the domain made from
   it; without a name it looks for the suffix in the domain listing. Two customers with the same
   name never share a domain. Nothing else is compared, so a create that succeeded is never a conflict.
6. Creation is ``POST /trials/`` then, unless a trial was asked for, ``POST
   /trials/{domain}/activate/`` with the same plan. A 409 on the domain name is resolved by
   reading the domain: listed for this MSP, it carries our suffix and so is ours (the idempotent
   result); not listed, another Egnyte account holds the name: VendorConflict before anything
   was created. A half-done create (trial made, not activated) is completed by the retry. Only
   Connect plans can be created through the API.
7. Create options (``CREATE_OPTIONS``, the trial call's fields, CONTRACTS.md section 3):
   ``storage_gb`` (else 100 GB per power user), ``region`` (else from the country: GB->uk,
   CA->ca, AU->au, EU->eu, else us) and the first administrator ``admin_username`` /
   ``admin_first_name`` / ``admin_last_name`` (else the contact's). The plan is the product.
8. Seats are the domain's allocated power users, set absolutely with ``power-users/allocate``.
   When the plan pool is short (409 ``insufficient_power_users`` with ``required``/``available``)
   the adapter buys the difference with ``power-users/purchase/`` (absolute pool size, so a
   repeat buys nothing) and allocates again. Protect tenants have no seats.
9. Suspend, resume, cancel, add-ons and plan changes have no MSP API endpoint: unsupported.
10. Usage: the documents define no month parameter, so Egnyte reports today's figures only
    (``usage_history = False``): the portal collects them daily into the current month. The
    current month comes from the domain and tenant listings (10 records a call, read once per
    adapter for 15 minutes), so a nightly collection costs a tenth of a call per tenant against
    the 1,000 calls a day. A past month is asked with ``?month=YYYY-MM`` and accepted only from
    an answer that names that month (``"month"``); an answer without it is today's figures and is
    refused (VendorUnsupported), never booked to the past month. 404 ``usage_not_found`` means
    nothing recorded: no rows. Protect ``cupUsed`` is taken to be GB and reported as STORAGE_GB.
11. Statuses: "trial expired" is SUSPENDED for the tenant and EXPIRED for its subscription; the
    four lock/hold/declined states are SUSPENDED; "deleted" (never listed) is CANCELLED.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, urlsplit

import requests

from vendors.errors import (
    VendorBadRequest,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorThrottled,
    VendorTransientError,
    VendorUnexpectedAnswer,
    VendorUnsupported,
)
from vendors.http import HttpVendorAdapter, parse_retry_after
from vendors.ratelimit import RateLimit
from vendors.types import (
    Capability,
    CapabilityInfo,
    CreateOption,
    Metric,
    OptionType,
    ProductKind,
    SubscriptionChange,
    SubscriptionStatus,
    TenantSpec,
    TenantStatus,
    VendorEvent,
    VendorProduct,
    VendorSubscription,
    VendorTenant,
    VendorUsage,
    month_start,
    native,
    unsupported,
)

from .ids import DOMAIN, domain_id, protect_id, split_id
from .webhooks import parse_delivery

API = "/pubapi/v1/msp"
THROTTLE_CODES = frozenset({"ERR_403_DEVELOPER_OVER_QPS", "ERR_403_DEVELOPER_OVER_RATE"})
STORAGE_GB_PER_POWER_USER = 100
MAX_DOMAIN_LENGTH = 50
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
REGION_BY_COUNTRY = {"US": "us", "GB": "uk", "CA": "ca", "AU": "au"}
REGIONS: tuple[tuple[str, str], ...] = (
    ("us", "United States"),
    ("eu", "European Union"),
    ("uk", "United Kingdom"),
    ("ca", "Canada"),
    ("au", "Australia"),
)
#: How long one walk of the listings serves current-month usage (one usage pull).
USAGE_LISTING_TTL_SECONDS = 15 * 60
_CONTACT = "Leave empty for the contact's."
#: What ``POST /trials/`` lets a create carry beyond the common spec (CONTRACTS.md section 3).
CREATE_OPTIONS: tuple[CreateOption, ...] = (
    CreateOption(
        "storage_gb",
        "Storage (GB)",
        OptionType.INTEGER,
        min_value=1,
        help=f"Leave empty for {STORAGE_GB_PER_POWER_USER} GB per power user.",
    ),
    CreateOption(
        "region",
        "Data region",
        OptionType.CHOICE,
        choices=REGIONS,
        help="Where Egnyte keeps the domain's data; leave empty to choose from the country.",
    ),
    CreateOption("admin_username", "Administrator e-mail", OptionType.EMAIL, help=_CONTACT),
    CreateOption("admin_first_name", "Administrator first name", max_value=100, help=_CONTACT),
    CreateOption("admin_last_name", "Administrator last name", max_value=100, help=_CONTACT),
)

# Domain and Tenant ``status`` enums of the MSP API reference (Domains / Tenants sections).
TENANT_STATUS_MAP: dict[str, TenantStatus] = {
    "trial": TenantStatus.TRIAL,
    "active": TenantStatus.ACTIVE,
    "on hold": TenantStatus.SUSPENDED,
    "locked": TenantStatus.SUSPENDED,
    "reseller manual locked": TenantStatus.SUSPENDED,
    "cc declined": TenantStatus.SUSPENDED,
    "trial expired": TenantStatus.SUSPENDED,
    "cancelled": TenantStatus.CANCELLED,
    "deleted": TenantStatus.CANCELLED,
}
SUBSCRIPTION_STATUS_MAP: dict[str, SubscriptionStatus] = {
    "trial": SubscriptionStatus.TRIAL,
    "active": SubscriptionStatus.ACTIVE,
    "on hold": SubscriptionStatus.SUSPENDED,
    "locked": SubscriptionStatus.SUSPENDED,
    "reseller manual locked": SubscriptionStatus.SUSPENDED,
    "cc declined": SubscriptionStatus.SUSPENDED,
    "trial expired": SubscriptionStatus.EXPIRED,
    "cancelled": SubscriptionStatus.CANCELLED,
    "deleted": SubscriptionStatus.CANCELLED,
}
TRIAL_STATUSES = frozenset({"trial", "trial expired"})

# Vendor usage field -> metric (docs/vendors/egnyte.md, "Usage mapping").
DOMAIN_USAGE: tuple[tuple[str, Metric], ...] = (
    ("usedPuLicences", Metric.POWER_USERS),
    ("availablePuLicences", Metric.SEATS_PURCHASED),
    ("usedSuLicences", Metric.STANDARD_USERS),
    ("usedStorage", Metric.STORAGE_GB),
)
PROTECT_USAGE: tuple[tuple[str, Metric], ...] = (("cupUsed", Metric.STORAGE_GB),)

_NO_ENDPOINT = "The Egnyte MSP API has no endpoint for this; do it in the Egnyte Reseller Portal."


def reference_suffix(reference: str) -> str:
    """The end of every domain we create for this reference: our ownership mark."""
    return "-" + hashlib.sha256(reference.encode()).hexdigest()[:8]


def domain_name(name: str, reference: str) -> str:
    """The Connect domain we create for a customer: readable, and unique per our reference."""
    slug = re.sub(r"[^a-z0-9]", "", name.lower())[: MAX_DOMAIN_LENGTH - 9] or "customer"
    return slug + reference_suffix(reference)


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


class EgnyteThrottled(VendorThrottled):
    """Egnyte's gateway refused the call (403 + X-Mashery-Error-Code) before the API saw it."""


def _seconds_to_midnight_utc() -> float:
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return (midnight - now).total_seconds()


class EgnyteAdapter(HttpVendorAdapter):
    vendor = "egnyte"
    display_name = "Egnyte"
    credential_fields = ("access_token",)
    # The MSP's own NFR domain; staff replace the host part.
    default_base_url = "https://yournfrdomain.egnyte.com"
    rate_limit = RateLimit(per_second=2, per_day=1000)
    create_options: ClassVar[tuple[CreateOption, ...]] = CREATE_OPTIONS
    #: The documents define no month parameter: only today's figures can be read (assumption 10).
    usage_history: ClassVar[bool] = False
    capabilities: ClassVar[dict[Capability, CapabilityInfo]] = {
        Capability.CATALOG: native("Plans and their packages from /plans."),
        Capability.LIST_TENANTS: native("Connect domains and Protect tenants, 10 per page."),
        Capability.CREATE_TENANT: native(
            "Creates a Connect trial domain and activates it unless a trial was asked for; "
            "Protect tenants are created in the Reseller Portal."
        ),
        Capability.CHANGE_SEATS: native(
            "Allocates power users to the domain; buys the shortfall in the plan pool first.",
            # The allocation call answers 409 invalid_domain_status for a trial domain.
            refused_for=frozenset({TenantStatus.TRIAL}),
            refused_note="a trial's power users are set when it is converted (Convert trial).",
        ),
        Capability.CHANGE_ADDONS: unsupported(_NO_ENDPOINT),
        Capability.CHANGE_PLAN: unsupported(
            "A plan is chosen when a trial is activated; later changes go through the "
            "Egnyte Reseller Portal."
        ),
        Capability.SUSPEND: unsupported(_NO_ENDPOINT),
        Capability.RESUME: unsupported(_NO_ENDPOINT),
        Capability.CANCEL: unsupported(_NO_ENDPOINT),
        Capability.CONVERT_TRIAL: native("Activates a Connect trial domain on its plan."),
        Capability.USAGE: native(
            "Power users, standard users and storage per domain; content under protection "
            "per Protect tenant. Today's figures only: collected daily into the current month, "
            "which keeps its last figures when it ends."
        ),
        Capability.WEBHOOKS: native(
            "Egnyte posts reseller events to a registered URL with a static auth header."
        ),
    }

    def __init__(self, base_url: str, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(base_url, credentials, **kwargs)
        #: (monotonic time, external id -> listed record): current-month usage for one pull.
        self._listing: tuple[float, dict[str, dict[str, Any]]] = (0.0, {})

    # -- hooks ----------------------------------------------------------------------------------

    def authenticate(self, request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = f"Bearer {self.credentials.get('access_token', '')}"

    def error_for_response(self, response: requests.Response, body: Any) -> VendorError | None:
        """Egnyte's gateway throttles with 403 + X-Mashery-Error-Code (developers.egnyte.com
        Best_Practices, "throttling"); everything else follows the status code."""
        mashery = response.headers.get("X-Mashery-Error-Code", "")
        if response.status_code == 403 and mashery in THROTTLE_CODES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is None:  # the per-second window, or the day, runs out
                retry_after = _seconds_to_midnight_utc() if mashery.endswith("RATE") else 1.0
            return EgnyteThrottled(
                f"Egnyte throttled the call ({mashery})",
                retry_after=retry_after,
                vendor=self.vendor,
                status=403,
                body=body,
            )
        return super().error_for_response(response, body)

    def field_errors(self, body: Any) -> dict[str, list[str]]:
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, dict):
            return {}
        return {
            str(k): [str(m) for m in v] if isinstance(v, list) else [str(v)]
            for k, v in errors.items()
        }

    # -- reads ----------------------------------------------------------------------------------

    def test_connection(self) -> None:
        self.call("GET", f"{API}/plans")

    def pages(
        self, path: str, params: dict[str, str] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Follow ``next`` links; only their query is reused (assumption 4)."""
        query = dict(params or {})
        seen: set[tuple[tuple[str, str], ...]] = set()
        while True:
            body = self.call("GET", path, params=query)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise VendorUnexpectedAnswer(
                    f"unexpected answer from {self.display_name}: a list without results",
                    vendor=self.vendor,
                    body=body,
                )
            yield body["results"]
            link = body.get("next")
            if not link:
                return
            query = dict(parse_qsl(urlsplit(link).query))
            key = tuple(sorted(query.items()))
            if key in seen:
                raise VendorTransientError(
                    "Egnyte pagination did not advance", vendor=self.vendor, body=body
                )
            seen.add(key)

    def list_products(self) -> list[VendorProduct]:
        plans = [plan for page in self.pages(f"{API}/plans") for plan in page]
        products: list[VendorProduct] = []
        addons: dict[str, VendorProduct] = {}
        for plan in plans:
            packages = [p for p in plan.get("packages") or [] if p.get("name")]
            connect = "maxPlanPuLicences" in plan  # ProtectPlan has the totalCup* figures instead
            products.append(
                VendorProduct(
                    external_id=str(plan["planId"]),
                    code=str(plan["planId"]),
                    name=str(plan.get("planName", "")),
                    kind=ProductKind.BASE,
                    trial_available=connect,
                    addons=tuple(p["name"] for p in packages),
                    raw=plan,
                )
            )
            for package in packages:
                addons.setdefault(
                    package["name"],
                    VendorProduct(
                        external_id=package["name"],
                        code=package["name"],
                        name=str(package.get("title") or package["name"]),
                        kind=ProductKind.ADDON,
                        raw=package,
                    ),
                )
        # Connect plans first: they are the ones the API can create.
        products.sort(key=lambda p: not p.trial_available)
        return products + list(addons.values())

    @classmethod
    def estimated_calls(cls, tenants: int, *, usage: bool = False) -> int:
        """The listings carry every figure: pages of 10 over domains and Protect tenants (each
        at least one page), plus the plans for a pull."""
        return math.ceil(tenants / 10) + 2 + (0 if usage else 1)

    def iter_tenant_pages(self) -> Iterator[list[VendorTenant]]:
        for page in self.pages(f"{API}/domains"):
            yield [self._domain_tenant(record) for record in page]
        for page in self.pages(f"{API}/tenants"):
            yield [self._protect_tenant(record) for record in page]

    def get_tenant(self, external_id: str) -> VendorTenant:
        kind, name = self._split(external_id)
        if kind == DOMAIN:
            return self._domain_tenant(self.call("GET", self._domain_path(name)))
        return self._protect_tenant(self.call("GET", f"{API}/tenants/{quote(name, safe='')}"))

    def find_tenant(self, reference: str, name: str = "") -> VendorTenant | None:
        """Ours is the domain ending in our reference's suffix (assumption 5): with the name the
        domain was made from, one GET; without a name, the suffix in the domain listing (a tenth
        of a call per domain, so only when the name is not known)."""
        if name:
            try:
                tenant = self.get_tenant(domain_id(domain_name(name, reference)))
            except VendorNotFound:
                return None
            return dataclasses.replace(tenant, reference=reference)
        suffix = reference_suffix(reference)
        for page in self.pages(f"{API}/domains"):
            for record in page:
                if str(record.get("domain", "")).lower().endswith(suffix):
                    return dataclasses.replace(self._domain_tenant(record), reference=reference)
        return None

    def get_usage(self, external_id: str, period: dt.date) -> list[VendorUsage]:
        """Today's figures for the current month; a past month only from an answer naming it."""
        self.require(Capability.USAGE)
        period = month_start(period)
        this_month = month_start(dt.date.today())
        if period > this_month:
            return []
        kind, name = self._split(external_id)
        record: dict[str, Any] | None
        if period == this_month:
            record = self._current_record(external_id, kind, name)
        else:
            record = self._past_record(kind, name, period)
            if record is None:
                return []
        fields = DOMAIN_USAGE if kind == DOMAIN else PROTECT_USAGE
        return [
            VendorUsage(
                tenant_external_id=external_id,
                period=period,
                metric=metric,
                quantity=Decimal(str(record[field])),
                vendor_field=field,
                subscription_external_id=external_id,
                raw=record,
            )
            for field, metric in fields
            if record.get(field) is not None
        ]

    def _unit_path(self, kind: str, name: str) -> str:
        return (
            self._domain_path(name) if kind == DOMAIN else f"{API}/tenants/{quote(name, safe='')}"
        )

    def _current_record(self, external_id: str, kind: str, name: str) -> dict[str, Any]:
        """From the listings, walked once per pull (10 records a call); else the detail."""
        fetched, records = self._listing
        if not records or time.monotonic() - fetched > USAGE_LISTING_TTL_SECONDS:
            records = {}
            for page in self.pages(f"{API}/domains"):
                records.update((domain_id(str(r["domain"])), r) for r in page)
            for page in self.pages(f"{API}/tenants"):
                records.update((protect_id(str(r["tenant"])), r) for r in page)
            self._listing = (time.monotonic(), records)
        record = records.get(external_id)
        if record is None:  # created since the walk
            record = self.call("GET", self._unit_path(kind, name))
        return record

    def _past_record(self, kind: str, name: str, period: dt.date) -> dict[str, Any] | None:
        """``?month=`` is in no document: an answer that does not name the month is refused."""
        month = period.strftime("%Y-%m")
        try:
            record = self.call("GET", self._unit_path(kind, name), params={"month": month})
        except VendorNotFound as exc:
            if isinstance(exc.body, dict) and exc.body.get("code") == "usage_not_found":
                return None
            raise
        if not isinstance(record, dict) or record.get("month") != month:
            raise VendorUnsupported(
                f"Egnyte answered today's figures when asked for {month}: its API defines no "
                "month parameter, so a past month cannot be read. The portal collects Egnyte "
                "usage daily into the current month instead.",
                vendor=self.vendor,
                status=200,
                body=record,
            )
        return record

    # -- writes ---------------------------------------------------------------------------------

    def create_tenant(self, spec: TenantSpec, idempotency_key: str) -> VendorTenant:
        """Trial, then activation unless ``spec.trial``; a retry finishes what is missing."""
        self.require(Capability.CREATE_TENANT)
        plan_id = self._plan_id(spec.product_code)
        body = self._trial_body(spec, plan_id)  # refuses a bad spec before any call
        tenant = self.find_tenant(spec.reference, spec.name)
        if tenant is None:
            domain = body["domain"]
            try:
                self.call("POST", f"{API}/trials/", json=body, safe=False)
            except VendorConflict as exc:
                self.log.info("domain %s exists at Egnyte; checking it is listed for us", domain)
                tenant = self._owned_domain(domain, exc)
            if tenant is None:
                tenant = self.get_tenant(domain_id(domain))
        domain = self._split(tenant.external_id)[1]
        if not spec.trial and tenant.status is TenantStatus.TRIAL:
            self._activate(domain, plan_id, spec.seats, body["storageGB"])
            tenant = self.get_tenant(domain_id(domain))
        return dataclasses.replace(tenant, reference=spec.reference)

    @classmethod
    def _trial_body(cls, spec: TenantSpec, plan_id: int) -> dict[str, Any]:
        """``POST /trials/`` from the spec and its create options; refused before any call when
        a value does not fit (nothing is created)."""
        extra, contact = spec.extra, spec.contact
        problems: dict[str, list[str]] = {}
        storage = extra.get("storage_gb")
        if storage is None:
            storage = spec.seats * STORAGE_GB_PER_POWER_USER
        if isinstance(storage, bool) or not isinstance(storage, int) or storage < 1:
            problems["storage_gb"] = ["Storage must be a whole number of GB, at least 1."]
        region = extra.get("region") or cls._region(spec.country)
        if region not in dict(REGIONS):
            problems["region"] = [f"Region must be one of {', '.join(dict(REGIONS))}."]
        if spec.seats < 1:
            problems["seats"] = ["At least one power user."]
        admin = {
            "username": extra.get("admin_username") or contact.email,
            "firstName": extra.get("admin_first_name") or contact.first_name,
            "lastName": extra.get("admin_last_name") or contact.last_name,
        }
        for key, option in (("firstName", "admin_first_name"), ("lastName", "admin_last_name")):
            if len(admin[key]) > 100:
                problems[option] = ["At most 100 characters."]
        if problems:
            raise VendorBadRequest(
                "Egnyte cannot create this domain: "
                + "; ".join(m for messages in problems.values() for m in messages),
                vendor=cls.vendor,
                field_errors=problems,
            )
        body: dict[str, Any] = {
            "domain": domain_name(spec.name, spec.reference),
            "id": plan_id,
            "powerUsers": spec.seats,
            "storageGB": storage,
            "region": region,
        }
        body.update({key: value for key, value in admin.items() if value})
        return body

    def convert_trial(
        self,
        external_id: str,
        subscription_id: str = "",
        seats: int | None = None,
        idempotency_key: str = "",
    ) -> VendorTenant:
        self.require(Capability.CONVERT_TRIAL)
        name = self._domain_only(
            external_id, "Protect trials are converted in the Reseller Portal."
        )
        tenant = self.get_tenant(external_id)
        if tenant.status is not TenantStatus.TRIAL:
            return tenant  # already converted: repeating is a no-op
        record = tenant.raw
        self._activate(
            name,
            int(record["planId"]),
            seats or int(record.get("availablePuLicences") or 1),
            int(record.get("allocatedStorage") or 1),
        )
        return self.get_tenant(external_id)

    def change_subscription(
        self, external_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> VendorTenant:
        self.require_change(change)
        if change.seats is None:
            return self.get_tenant(external_id)
        name = self._domain_only(external_id, "Protect tenants are billed by content, not seats.")
        self._with_pool(
            lambda: self.call(
                "POST",
                f"{self._domain_path(name)}/power-users/allocate",
                json={"powerUsers": change.seats},
                safe=False,
            ),
            plan_id=lambda: int(self.get_tenant(external_id).raw["planId"]),
        )
        return self.get_tenant(external_id)

    # -- webhooks (the portal registers its receiver; deliveries are parsed by webhooks.py) ------

    #: The events that change a tenant the portal mirrors (each names its domain or tenant).
    webhook_event_types: ClassVar[tuple[str, ...]] = (
        "RESELLER_CREATED_CONNECT_TRIAL",
        "RESELLER_CREATED_PROTECT_TRIAL",
        "RESELLER_CONVERTED_CONNECT_TRIAL_TO_PAID",
        "RESELLER_CONVERTED_PROTECT_TRIAL_TO_PAID",
        "RESELLER_CONNECT_TRIAL_EXPIRED",
        "RESELLER_MRR_CHANGED",
    )

    @classmethod
    def parse_webhook(cls, body: bytes) -> VendorEvent:
        """A delivery body -> VendorEvent; ValueError (WebhookPayloadError) when it is not one."""
        event = parse_delivery(body)
        return VendorEvent(
            event_id=event.event_id,
            event_type=event.event_type,
            tenant_external_id=event.tenant_external_id,
            raw=event.raw,
        )

    def list_webhooks(self) -> list[dict[str, Any]]:
        """Every registered webhook with its details."""
        listed = self.call("GET", f"{API}/webhooks") or []
        return [
            self.call("GET", f"{API}/webhooks/{quote(w['webhook_id'], safe='')}") for w in listed
        ]

    def ensure_webhook(
        self, url: str, event_types: list[str], auth_header: str, auth_header_value: str
    ) -> dict[str, Any]:
        """Register ``url`` once: update (and so re-enable) an existing one, else register."""
        body = {
            "webhook_url": url,
            "eventTypes": list(event_types),
            "auth_header": auth_header,
            "auth_header_value": auth_header_value,
        }
        for hook in self.list_webhooks():
            if hook.get("webhook_url") == url:
                path = f"{API}/webhooks/{quote(hook['webhook_id'], safe='')}"
                replaced: dict[str, Any] = self.call("PUT", path, json=body, safe=False)
                return replaced
        created: dict[str, Any] = self.call("POST", f"{API}/webhooks", json=body, safe=False)
        return created

    def delete_webhook(self, webhook_id: str) -> None:
        self.call("DELETE", f"{API}/webhooks/{quote(webhook_id, safe='')}", safe=False)

    # -- helpers --------------------------------------------------------------------------------

    def _split(self, external_id: str) -> tuple[str, str]:
        try:
            return split_id(external_id)
        except ValueError as exc:
            raise VendorNotFound(str(exc), vendor=self.vendor) from None

    def _domain_only(self, external_id: str, why: str) -> str:
        kind, name = self._split(external_id)
        if kind != DOMAIN:
            raise VendorUnsupported(why, vendor=self.vendor)
        return name

    @staticmethod
    def _domain_path(name: str) -> str:
        return f"{API}/domains/{quote(name, safe='')}"

    def _plan_id(self, code: str) -> int:
        try:
            return int(code)
        except (TypeError, ValueError):
            raise VendorBadRequest(
                f"Egnyte plan codes are plan ids; {code!r} is not one", vendor=self.vendor
            ) from None

    @staticmethod
    def _region(country: str) -> str:
        country = country.upper()
        return "eu" if country in EU_COUNTRIES else REGION_BY_COUNTRY.get(country, "us")

    def _owned_domain(self, domain: str, conflict: VendorConflict) -> VendorTenant:
        """A 409 on the name: listed for this MSP, it carries our suffix and is ours; not listed,
        another Egnyte account has it."""
        try:
            return self.get_tenant(domain_id(domain))
        except VendorNotFound:
            raise VendorConflict(
                f"The Egnyte domain name {domain!r} belongs to another Egnyte account.",
                vendor=self.vendor,
                status=conflict.status,
                body=conflict.body,
            ) from None

    def _activate(self, domain: str, plan_id: int, seats: int, storage: int) -> None:
        body = {"planId": plan_id, "powerUsers": seats, "storageGB": storage}
        path = f"{API}/trials/{quote(domain, safe='')}/activate/"
        try:
            self._with_pool(lambda: self.call("POST", path, json=body, safe=False), lambda: plan_id)
        except VendorConflict as exc:
            if not (isinstance(exc.body, dict) and exc.body.get("code") == "not_a_trial"):
                raise  # "not a trial": activated already (a lost answer), which is the goal

    def _with_pool(self, send: Callable[[], Any], plan_id: Callable[[], int]) -> Any:
        """Send; if the plan pool is short, buy the shortfall (absolute pool size) and resend."""
        try:
            return send()
        except VendorConflict as exc:
            body = exc.body if isinstance(exc.body, dict) else {}
            if body.get("code") != "insufficient_power_users":
                raise
            shortfall = int(body.get("required", 0)) - int(body.get("available", 0))
            plan = self._plan(plan_id())
            pool = int(plan.get("maxPlanPuLicences") or 0) + max(1, shortfall)
            self.log.info("buying power users: plan %s pool -> %s", plan["planId"], pool)
            self.call(
                "POST",
                f"{API}/plans/{plan['planId']}/power-users/purchase/",
                json={"powerUsers": pool},
                safe=False,
            )
            return send()

    def _plan(self, plan_id: int) -> dict[str, Any]:
        for page in self.pages(f"{API}/plans"):
            for plan in page:
                if plan.get("planId") == plan_id:
                    return plan
        raise VendorNotFound(f"Egnyte plan {plan_id} not found", vendor=self.vendor)

    # -- mapping --------------------------------------------------------------------------------

    def _domain_tenant(self, record: dict[str, Any]) -> VendorTenant:
        external_id = domain_id(str(record["domain"]))
        raw_status = str(record.get("status", ""))
        subscription = VendorSubscription(
            external_id=external_id,
            product_code=str(record.get("planId", "")),
            product_name=str(record.get("planName", "")),
            status=SUBSCRIPTION_STATUS_MAP.get(raw_status, SubscriptionStatus.UNKNOWN),
            seats=record.get("availablePuLicences"),
            seats_used=record.get("usedPuLicences"),
            term="monthly",
            is_trial=raw_status in TRIAL_STATUSES,
            starts=_date(record.get("subscriptionDate")) or _date(record.get("createdOn")),
            addons=tuple(f["name"] for f in record.get("features") or [] if f.get("numPurchased")),
            raw=record,
        )
        return VendorTenant(
            external_id=external_id,
            name=str(record["domain"]),  # no documented schema carries a company name
            status=TENANT_STATUS_MAP.get(raw_status, TenantStatus.UNKNOWN),
            subscriptions=(subscription,),
            raw=record,
        )

    def _protect_tenant(self, record: dict[str, Any]) -> VendorTenant:
        external_id = protect_id(str(record["tenant"]))
        raw_status = str(record.get("status", ""))
        subscription = VendorSubscription(
            external_id=external_id,
            product_code=str(record.get("planId", "")),
            product_name=str(record.get("planName", "")),
            status=SUBSCRIPTION_STATUS_MAP.get(raw_status, SubscriptionStatus.UNKNOWN),
            term="monthly",
            is_trial=raw_status in TRIAL_STATUSES,
            starts=_date(record.get("subscriptionDate")) or _date(record.get("createdOn")),
            raw=record,
        )
        return VendorTenant(
            external_id=external_id,
            name=str(record["tenant"]),
            status=TENANT_STATUS_MAP.get(raw_status, TenantStatus.UNKNOWN),
            subscriptions=(subscription,),
            raw=record,
        )
