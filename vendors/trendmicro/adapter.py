"""Trend Micro LMPI adapter: customers are tenants, LMPI subscriptions are their subscriptions.

Every request is signed (LMPI "Invoking LMPI"): ``x-access-token``, ``x-posix-time``,
``x-traceid`` and ``x-signature`` = base64(HMAC-SHA256(secret as UTF-8, posix time + METHOD +
request URI + base64(md5(body)) when there is a body)). The request URI is the path below the
connection's base URL (it starts at ``/LMPI/``) plus the query string exactly as sent, and the
MD5 is over the exact body bytes sent. There is no token to refresh.

Assumptions where the LMPI docs are silent (also in docs/vendors/trendmicro.md):

- ``GET /LMPI/v2/customers/{customer_id}`` is not documented: it is tried first (Customers ::
  Update response shape); when it is refused (404/405) the customer is found in the documented
  v3 customer listing instead, and a 405 makes the adapter stop asking. A read of an unknown id
  is "not found" whether LMPI answers 404 or 400 ``InvalidParameters{Customer,Subscription}Id``.
- A customer has at most one subscription per service plan (``.../serviceplan/{id}/getid``
  returns a single id), so ``get_tenant`` finds a customer's subscriptions with one ``getid``
  call per service plan of the partner, then one Get per subscription.
- ``iter_tenant_pages`` lists every subscription once through the v2.5 listing (created range
  2000-01-01 .. tomorrow) and joins it to v3 customer pages by ``customer_id``; each
  subscription's seats and dates need its own Get, since the listing carries neither.
- The reference lives in ``company.note`` as ``portal-ref:<reference>`` (the only free-text field);
  ``find_tenant`` pages the customers for it, or for the exact name. ``create_tenant`` adopts a
  customer only when its note carries our reference, then subscribes it unless it already has
  that product: both steps are safe to repeat.
- Status: LMPI has no suspended flag. A disabled subscription is cancelled; a trial-plan one is a
  trial (expired after its expiration date); a full-plan one with auto-renewal switched off is
  suspended (suspend is the only LMPI call that switches it off); else active. The tenant takes
  the first of active, trial, suspended present among its subscriptions, else cancelled (or
  pending with none). The main subscription is the earliest licence start (ties: lowest id).
- Suspend / resume act on every subscription that can be (v3 suspend / unsuspend); trials cannot
  be suspended (LMPI: not supported without auto-renewal). Suspend sends the licence's current
  expiration date as ``license_expiration_date`` (without it the licences expire at once).
  Cancel disables one subscription, or all of them when none is named.
- Trial conversion is two steps, each done only when the read shows it missing: subscribe the
  customer to the product's full plan (unless a live paid subscription of the product exists),
  then disable the trial subscription if it is still a live trial (a vendor that converts in
  place leaves no trial to disable).
- Create takes the customer's city, state, country and first user from ``create_options``
  (``spec.extra``); the plan is the product's first full (or trial) plan from
  ``/me/serviceplans`` unless ``service_plan_id`` names one.
- Usage comes from Reports :: Customer summary, which has no customer filter and no customer
  id: one report per month is fetched per adapter (a usage pull), joined to the customer and
  subscription listings. A row goes to the customer whose name, city and state match and that
  holds a subscription on the row's service plan; when several customers fit, their usage is
  refused (``VendorConflict``) rather than guessed. A row carrying ``customer_id`` is matched
  on it.
- Throttling is undocumented: no client-side limit; a 429 with Retry-After is honoured.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from vendors.base import DetailWanted
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorError,
    VendorNotFound,
)
from vendors.http import HttpVendorAdapter
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
    VendorProduct,
    VendorSubscription,
    VendorTenant,
    VendorUsage,
    emulated,
    month_start,
    native,
    unsupported,
)

REFERENCE_PREFIX = "portal-ref:"
_REFERENCE = re.compile(re.escape(REFERENCE_PREFIX) + r"(\S+)")
_LISTING_START = "2000-01-01T00:00:00Z"

#: Derived subscription state (see the module docstring) -> normalized status.
SUBSCRIPTION_STATUS_MAP: dict[str, SubscriptionStatus] = {
    "active": SubscriptionStatus.ACTIVE,
    "trial": SubscriptionStatus.TRIAL,
    "expired": SubscriptionStatus.EXPIRED,
    "suspended": SubscriptionStatus.SUSPENDED,
    "disabled": SubscriptionStatus.CANCELLED,
}
#: Derived customer state -> normalized status.
TENANT_STATUS_MAP: dict[str, TenantStatus] = {
    "active": TenantStatus.ACTIVE,
    "trial": TenantStatus.TRIAL,
    "suspended": TenantStatus.SUSPENDED,
    "cancelled": TenantStatus.CANCELLED,
    "no_subscription": TenantStatus.PENDING,
}
#: Reports :: Customer summary field -> metric.
USAGE_FIELDS: dict[str, Metric] = {
    "provisioned": Metric.SEATS_PURCHASED,
    "used": Metric.SEATS_USED,
}
#: LMPI "General error codes": 401 subjects mean the credentials (or clock) are wrong.
AUTH_SUBJECTS = frozenset(
    {
        "AuthenticationFailureSignature",
        "AuthenticationFailureAccessToken",
        "AuthenticationFailurePosixTime",
        "InvalidHeaderAccessToken",
    }
)
INTERNAL_SUBJECTS = frozenset(
    {"InternalMappingError", "CSPIError", "InternalError", "ServerException"}
)
#: LMPI documents no 404 subject: a read naming an unknown id may answer these 400s instead.
UNKNOWN_ID_SUBJECTS = frozenset({"InvalidParametersCustomerId", "InvalidParametersSubscriptionId"})
#: How long one month's report (and the listings joined to it) serves a usage pull.
USAGE_REPORT_TTL_SECONDS = 15 * 60


def _text(
    name: str, label: str, limit: int, *, required: bool = True, help: str = ""
) -> CreateOption:
    low = 1 if required else None
    return CreateOption(name, label, required=required, min_value=low, max_value=limit, help=help)


_CONTACT = "Leave empty for the contact's."
_UNIQUE = "Unique at Trend Micro; leave empty for the contact's e-mail."
#: Customers :: Create fields LMPI requires, after the user's fall back to the contact.
VENDOR_REQUIRED = frozenset(
    {"city", "state", "country", "login_name", "first_name", "last_name", "email"}
)
#: Customers :: Create fields beyond the common spec (company 1-64 limits, ISO country, the
#: first Super Administrator). ``country`` overrides ``TenantSpec.country``.
CREATE_OPTIONS: tuple[CreateOption, ...] = (
    _text("city", "City", 64, help="Required by Trend Micro (1-64 characters)."),
    _text("state", "State / county", 64, help="Required by Trend Micro (1-64 characters)."),
    CreateOption(
        "country",
        "Country code",
        min_value=2,
        max_value=2,
        help="ISO 3166-1 alpha-2, e.g. GB; leave empty for the customer's country.",
    ),
    _text("address", "Address", 255, required=False),
    _text("postal_code", "Postal code", 32, required=False),
    _text("login_name", "Administrator login name", 64, required=False, help=_UNIQUE),
    _text("first_name", "Administrator first name", 64, required=False, help=_CONTACT),
    _text("last_name", "Administrator last name", 64, required=False, help=_CONTACT),
    CreateOption("email", "Administrator e-mail", OptionType.EMAIL, help=_CONTACT),
    _text("time_zone", "Time zone", 64, required=False, help='e.g. "GMT Standard Time".'),
    _text("language", "Language", 10, required=False, help='e.g. "en-US".'),
    _text(
        "service_plan_id",
        "Service plan id",
        36,
        required=False,
        help="Leave empty for the product's first full (or trial) plan.",
    ),
)


@dataclass
class _UsageIndex:
    """One month's summary rows, resolved to customers and subscriptions."""

    fetched: float
    rows: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class TrendMicroAdapter(HttpVendorAdapter):
    vendor: ClassVar[str] = "trendmicro"
    display_name: ClassVar[str] = "Trend Micro"
    credential_fields: ClassVar[tuple[str, ...]] = ("access_token", "secret_key")
    default_base_url: ClassVar[str] = "https://cspi.trendmicro.com"
    rate_limit: ClassVar[RateLimit] = RateLimit()  # LMPI documents no rate limit
    #: LMPI ``limit`` is 1-100 (default 25).
    page_size: int = 100
    max_seats = 999_999  # units_per_license 1-999,999 (customer subscriptions: modify)
    create_options: ClassVar[tuple[CreateOption, ...]] = CREATE_OPTIONS
    capabilities: ClassVar[Mapping[Capability, CapabilityInfo]] = {
        Capability.CATALOG: native("Products and service plans the partner may provision."),
        Capability.LIST_TENANTS: native(
            "Customers joined to the v2.5 subscription listing; one read per subscription."
        ),
        Capability.CREATE_TENANT: native(
            "Creates the customer (reference kept in its note), then the subscription."
        ),
        Capability.CHANGE_SEATS: native(
            "Sets units_per_license; full-version licences only.",
            # CONTRACTS.md (PUT .../subscriptions/{id}): full-version, live licences only.
            refused_for=frozenset({TenantStatus.TRIAL, TenantStatus.SUSPENDED}),
            refused_note="LMPI modifies seats of full-version, live licences only.",
        ),
        Capability.CHANGE_ADDONS: unsupported(
            "Trend Micro LMPI has no add-ons: each product is its own subscription."
        ),
        Capability.CHANGE_PLAN: unsupported(
            "LMPI switches service plans only within one product; moving a customer to another "
            "product is a new subscription in the Trend Micro console."
        ),
        Capability.SUSPEND: native(
            "Suspends every auto-renewing subscription until its current licence end (trials "
            "cannot be)."
        ),
        Capability.RESUME: native("Unsuspends every suspended subscription."),
        Capability.CANCEL: native("Disables the subscription (immediate, not reversible)."),
        Capability.CONVERT_TRIAL: emulated(
            "Subscribes the customer to the product's full plan, then disables the trial."
        ),
        Capability.USAGE: native(
            "Monthly provisioned vs used seats from the customer summary (one report per pull)."
        ),
        Capability.WEBHOOKS: unsupported("LMPI sends no webhooks; changes are found by syncing."),
    }

    def __init__(self, base_url: str, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(base_url, credentials, **kwargs)
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self._plans: dict[str, dict[str, Any]] | None = None
        #: False once the undocumented ``GET /customers/{id}`` answered 405.
        self._customer_get = True
        self._usage: dict[dt.date, _UsageIndex] = {}

    # -- HTTP hooks ------------------------------------------------------------------------------

    def signature(self, posix_time: str, method: str, uri: str, body: bytes | None) -> str:
        """LMPI x-signature: base64 HMAC-SHA256 with the secret used as-is (not decoded)."""
        digest = base64.b64encode(hashlib.md5(body).digest()).decode() if body else ""  # noqa: S324
        message = f"{posix_time}{method.upper()}{uri}{digest}"
        secret = self.credentials.get("secret_key", "").encode("utf-8")
        return base64.b64encode(
            hmac.new(secret, message.encode(), hashlib.sha256).digest()
        ).decode()

    def authenticate(self, request: requests.PreparedRequest) -> None:
        """Sign the exact URI (below the base URL) and body bytes; fresh time on every attempt."""
        uri = request.path_url
        if self._base_path and uri.startswith(self._base_path + "/"):
            uri = uri[len(self._base_path) :]
        body = request.body.encode() if isinstance(request.body, str) else request.body
        posix_time = str(int(time.time()))
        request.headers["Content-Type"] = "application/json; charset=utf-8"
        request.headers["x-access-token"] = self.credentials.get("access_token", "")
        request.headers["x-posix-time"] = posix_time
        request.headers["x-traceid"] = str(uuid.uuid4())
        request.headers["x-signature"] = self.signature(
            posix_time, request.method or "GET", uri, body
        )

    def error_for_response(self, response: requests.Response, body: Any) -> VendorError | None:
        """Map by LMPI "General error codes" (error_subject), falling back to the HTTP status."""
        status = response.status_code
        if 200 <= status < 300:
            return None
        subject = body.get("error_subject", "") if isinstance(body, dict) else ""
        message = self.error_message(body) or response.reason or f"HTTP {status}"
        kwargs = {"vendor": self.vendor, "status": status, "body": body}
        if subject == "AuthenticationFailurePosixTime":
            message += " (check this server's clock: LMPI allows 15 minutes of skew)"
        if status == 401 or subject in AUTH_SUBJECTS:
            return VendorAuthError(message, **kwargs)
        if status == 429 or status >= 500 or subject in INTERNAL_SUBJECTS:
            return self.transient_error(response, message, **kwargs)
        if status == 400 and subject in UNKNOWN_ID_SUBJECTS and response.request.method == "GET":
            return VendorNotFound(message, **kwargs)  # a read of an id LMPI does not know
        return super().error_for_response(response, body)

    def field_errors(self, body: Any) -> dict[str, list[str]]:
        """``InvalidParameters{FieldName}`` names the field in the subject."""
        subject = body.get("error_subject", "") if isinstance(body, dict) else ""
        if subject.startswith("InvalidParameters") and len(subject) > len("InvalidParameters"):
            field = _snake(subject[len("InvalidParameters") :])
            return {field: [self.error_message(body)]}
        return {}

    # -- reads -----------------------------------------------------------------------------------

    def test_connection(self) -> None:
        self.call("GET", "/LMPI/v2/partners/product")

    def list_products(self) -> list[VendorProduct]:
        """One product per product code; Partners :: Product list has a row per licence version."""
        entries = self.call("GET", "/LMPI/v2/partners/product").get("products", [])
        by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in entries:
            by_code[entry["product_code"]].append(entry)
        products = []
        for code, rows in by_code.items():
            versions = {str(r.get("version", "")).lower() for r in rows}
            main = next((r for r in rows if str(r.get("version")).lower() == "full"), rows[0])
            products.append(
                VendorProduct(
                    external_id=main["product_id"],
                    code=code,
                    name=main["product_name"],
                    kind=ProductKind.BUNDLE if main.get("type") == "Suite" else ProductKind.BASE,
                    trial_available="trial" in versions,
                    raw={"versions": rows},
                )
            )
        return products

    def service_plans(self) -> dict[str, dict[str, Any]]:
        """The partner's service plans by id, read once per adapter (they change rarely)."""
        if self._plans is None:
            plans = self.call("GET", "/LMPI/v2/me/serviceplans")
            self._plans = {p["service_plan_id"]: p for p in plans}
        return self._plans

    def _pages(self, path: str, params: dict[str, str], key: str) -> Iterator[list[dict[str, Any]]]:
        """LMPI paging: page from 1 with ``limit`` until ``paging.total`` items are seen."""
        page, seen = 1, 0
        while True:
            body = self.call("GET", path, params={**params, "page": page, "limit": self.page_size})
            items = body.get(key) or []
            if items:
                yield items
            seen += len(items)
            total = (body.get("paging") or {}).get("total", 0)
            if not items or seen >= total:
                return
            page += 1

    def _window(self) -> dict[str, str]:
        end = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        return {"start": _LISTING_START, "end": end.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def _customer_pages(self) -> Iterator[list[dict[str, Any]]]:
        window = self._window()
        params = {"created_start": window["start"], "created_end": window["end"]}
        return self._pages("/LMPI/v3/customers", params, "customers")

    def _subscription_pages(self) -> Iterator[list[dict[str, Any]]]:
        window = self._window()
        params = {"created_start": window["start"], "created_end": window["end"]}
        return self._pages("/LMPI/v2.5/customers/subscriptions", params, "subscriptions")

    def _modified_since(self) -> set[str] | None:
        """Ids of the subscriptions modified since the memo's ``since`` (v2.5 modified window,
        open to tomorrow like the created window); None when there is no earlier pull."""
        since = self.detail_memo.since if self.detail_memo is not None else None
        if since is None:
            return None
        end = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        params = {
            "modified_start": since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "modified_end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        path = "/LMPI/v2.5/customers/subscriptions"
        return {
            str(item["subscription_id"])
            for items in self._pages(path, params, "subscriptions")
            for item in items
        }

    def iter_tenant_pages(self) -> Iterator[list[VendorTenant]]:
        # The modified window is read before the full listing: a change made after it is in
        # the next pull's window, which starts before this pull did.
        modified = self._modified_since()
        listing: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for items in self._subscription_pages():
            for item in items:
                listing[item["customer_id"]].append(item)
        for customers in self._customer_pages():
            # One batch of Gets per page of customers, run concurrently (read_details).
            wanted = {c["customer_id"]: listing[c["customer_id"]] for c in customers}
            subscriptions = self._read_subscriptions_of(wanted, modified)
            yield [self._tenant(c, subscriptions[c["customer_id"]]) for c in customers]

    def _detail_or_none(self, path: str) -> dict[str, Any] | None:
        """A subscription's detail; None when it vanished since the listing."""
        try:
            detail: dict[str, Any] = self.call("GET", path) or {}
        except VendorNotFound:
            return None
        return detail

    def _read_subscriptions(
        self, customer_id: str, items: list[dict[str, Any]]
    ) -> list[VendorSubscription]:
        return self._read_subscriptions_of({customer_id: items})[customer_id]

    def _read_subscriptions_of(
        self, listed: Mapping[str, list[dict[str, Any]]], modified: set[str] | None = None
    ) -> dict[str, list[VendorSubscription]]:
        """Get each listed subscription of each customer (seats and dates are only there); skip
        vanished ones. With a sync's memo, only new, changed, ``modified`` or refresh-due ones
        are read."""
        plans = self.service_plans()
        pairs = [(customer_id, item) for customer_id, items in listed.items() for item in items]
        wanted = [
            DetailWanted(
                customer_id,
                str(item["subscription_id"]),
                item,
                partial(
                    self._detail_or_none,
                    f"/LMPI/v2/customers/{customer_id}/subscriptions/{item['subscription_id']}",
                ),
                changed=modified is not None and str(item["subscription_id"]) in modified,
            )
            for customer_id, item in pairs
        ]
        subs: dict[str, list[VendorSubscription]] = {customer_id: [] for customer_id in listed}
        for (customer_id, item), detail in zip(pairs, self.read_details(wanted), strict=True):
            if detail is None:
                continue
            plan = plans.get(item.get("service_plan_id", ""), {})
            subs[customer_id].append(self._subscription({**item, **detail}, plan))
        return subs

    def _customer(self, external_id: str) -> dict[str, Any]:
        """The undocumented Get when the vendor answers it, else the documented v3 listing."""
        if self._customer_get:
            try:
                customer: dict[str, Any] = self.call("GET", f"/LMPI/v2/customers/{external_id}")
                return customer
            except (VendorNotFound, VendorBadRequest) as exc:
                if exc.status not in (404, 405):
                    raise
                self._customer_get = exc.status != 405
        for customers in self._customer_pages():
            for listed in customers:
                if listed.get("customer_id") == external_id:
                    return listed
        raise VendorNotFound(f"Customer {external_id} was not found.", vendor=self.vendor)

    def get_tenant(self, external_id: str) -> VendorTenant:
        customer = self._customer(external_id)
        items = []
        for plan_id in self.service_plans():
            try:
                found = self.call(
                    "GET", f"/LMPI/v2/customers/{external_id}/serviceplan/{plan_id}/getid"
                )
            except VendorNotFound:
                continue
            items.append({"subscription_id": found["subscription_id"], "service_plan_id": plan_id})
        return self._tenant(customer, self._read_subscriptions(external_id, items))

    def find_tenant(self, reference: str, name: str = "") -> VendorTenant | None:
        named = None
        for customers in self._customer_pages():
            for customer in customers:
                if reference and self.reference_of(customer) == reference:
                    return self.get_tenant(customer["customer_id"])
                if name and named is None and customer.get("name") == name:
                    named = customer
        return self.get_tenant(named["customer_id"]) if named else None

    def get_usage(self, external_id: str, period: dt.date) -> list[VendorUsage]:
        """Provisioned and used seats of each of the tenant's rows in the month's summary."""
        self.require(Capability.USAGE)
        period = month_start(period)
        index = self._usage_index(period)
        if external_id in index.ambiguous:
            raise VendorConflict(
                "Trend Micro's usage report names customers, not ids, and "
                f"{', '.join(index.ambiguous[external_id])} share this customer's name, city, "
                "state and service plan: give them distinct cities or states at Trend Micro.",
                vendor=self.vendor,
            )
        return [
            VendorUsage(
                tenant_external_id=external_id,
                period=period,
                metric=metric,
                quantity=Decimal(str(row[vendor_field])),
                vendor_field=vendor_field,
                subscription_external_id=subscription_id,
                raw=row,
            )
            for subscription_id, row in index.rows.get(external_id, [])
            for vendor_field, metric in USAGE_FIELDS.items()
            if row.get(vendor_field) is not None
        ]

    def _usage_index(self, period: dt.date) -> _UsageIndex:
        """The month's report joined to the customers and subscriptions, once per pull."""
        cached = self._usage.get(period)
        if cached is not None and time.monotonic() - cached.fetched < USAGE_REPORT_TTL_SECONDS:
            return cached
        report = self.call(
            "POST",
            "/LMPI/v2/reports/summary",
            json={
                "report_cycle_year": f"{period.year:04d}",
                "report_cycle_month": f"{period.month:02d}",
            },
            safe=True,  # a report is a read
        )
        by_place: dict[tuple[Any, Any, Any], list[str]] = defaultdict(list)
        for customers in self._customer_pages():
            for customer in customers:
                place = (customer.get("name"), customer.get("city"), customer.get("state"))
                by_place[place].append(customer["customer_id"])
        plans_of: dict[str, dict[str, str]] = defaultdict(dict)  # customer -> plan -> sub
        for items in self._subscription_pages():
            for item in items:
                plans_of[item["customer_id"]][item["service_plan_id"]] = item["subscription_id"]
        plan_ids: dict[str, set[str]] = defaultdict(set)
        for plan_id, plan in self.service_plans().items():
            plan_ids[plan.get("name", "")].add(plan_id)
        index = _UsageIndex(fetched=time.monotonic())
        for row in (report or {}).get("summary") or []:
            self._index_row(index, row, by_place, plans_of, plan_ids)
        self._usage[period] = index
        return index

    @staticmethod
    def _index_row(
        index: _UsageIndex,
        row: dict[str, Any],
        by_place: Mapping[tuple[Any, Any, Any], list[str]],
        plans_of: Mapping[str, dict[str, str]],
        plan_ids: Mapping[str, set[str]],
    ) -> None:
        """Book a row to the one customer it can be; mark namesakes it cannot tell apart."""
        wanted = plan_ids.get(row.get("service_plan", ""), set())

        def subscription_of(customer_id: str) -> str:
            subs = plans_of.get(customer_id, {})
            return next((subs[p] for p in sorted(wanted) if p in subs), "")

        if row.get("customer_id"):
            candidates = [row["customer_id"]]
        else:
            place = (row.get("customer"), row.get("city"), row.get("state"))
            candidates = by_place.get(place, [])
            if len(candidates) > 1:
                candidates = [c for c in candidates if subscription_of(c)] or candidates
        if len(candidates) == 1:
            index.rows.setdefault(candidates[0], []).append((subscription_of(candidates[0]), row))
        elif candidates:
            for customer_id in candidates:
                index.ambiguous[customer_id] = [c for c in candidates if c != customer_id]

    # -- writes ----------------------------------------------------------------------------------

    def create_tenant(self, spec: TenantSpec, idempotency_key: str) -> VendorTenant:
        """Find-then-create: LMPI has no idempotency key, so the note carries our reference."""
        self.require(Capability.CREATE_TENANT)
        body = self._customer_body(spec)  # refuses a bad spec before any call
        plan_id = spec.extra.get("service_plan_id") or self._plan_for(spec.product_code, spec.trial)
        existing = self.find_tenant(spec.reference, spec.name)
        if existing is not None and existing.reference != spec.reference:
            existing = None  # a namesake that is not ours
        if existing is None:
            created = self.call("POST", "/LMPI/v2/customers", json=body, safe=False)
            customer_id = created["customer_id"]
            has_product = False
        else:
            customer_id = existing.external_id
            has_product = any(s.product_code == spec.product_code for s in existing.subscriptions)
        if not has_product:
            self.call(
                "POST",
                f"/LMPI/v2/customers/{customer_id}/subscriptions",
                json={"service_plan_id": plan_id, "units_per_license": spec.seats},
                safe=False,
            )
        self.log.info(
            "created %s for reference %s (key %s)", customer_id, spec.reference, idempotency_key
        )
        return self.get_tenant(customer_id)

    def _plan_for(self, product_code: str, trial: bool) -> str:
        version = "trial" if trial else "full"
        for plan_id, plan in self.service_plans().items():
            if (
                plan.get("product_code") == product_code
                and str(plan.get("version")).lower() == version
            ):
                return plan_id
        raise VendorConflict(
            f"No {version} service plan for product {product_code} in this LMPI account.",
            vendor=self.vendor,
        )

    @classmethod
    def _customer_body(cls, spec: TenantSpec) -> dict[str, Any]:
        """Customers :: Create body from the spec and its create options; refused before any call
        when a required field is missing or too long (nothing is created)."""
        contact = spec.contact
        values = {
            "country": spec.country,
            "login_name": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "time_zone": "GMT Standard Time",
            "language": "en-US",
            **{k: str(v).strip() for k, v in spec.extra.items() if v not in (None, "")},
        }
        problems = {
            option.name: [cls._option_problem(option)]
            for option in CREATE_OPTIONS
            if cls._option_problem(option, values.get(option.name, ""))
        }
        if problems:
            raise VendorBadRequest(
                "Trend Micro needs " + "; ".join(m[0] for m in problems.values()),
                vendor=cls.vendor,
                field_errors=problems,
            )
        company = {key: values[key] for key in ("city", "state", "country")}
        company.update(
            {k: values[k] for k in ("address", "postal_code", "emergency_email") if values.get(k)}
        )
        company.update(name=spec.name, note=f"{REFERENCE_PREFIX}{spec.reference}")
        user_keys = ("login_name", "first_name", "last_name", "email", "time_zone", "language")
        return {"company": company, "user": {key: values[key] for key in user_keys}}

    @staticmethod
    def _option_problem(option: CreateOption, value: str | None = None) -> str:
        """Why ``value`` does not fit the option (``None``: the rule itself, for messages)."""
        rule = f"{option.label.lower()} ({option.min_value or 0}-{option.max_value} characters)"
        if option.type is OptionType.EMAIL:
            rule = f"{option.label.lower()} (an e-mail address)"
        if value is None:
            return rule
        if not value:
            return rule if option.required or option.name in VENDOR_REQUIRED else ""
        too_long = option.max_value is not None and len(value) > option.max_value
        too_short = option.min_value is not None and len(value) < option.min_value
        bad_email = option.type is OptionType.EMAIL and "@" not in value
        return rule if too_long or too_short or bad_email else ""

    def change_subscription(
        self, external_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> VendorTenant:
        """Absolute seat counts, so a repeat changes nothing."""
        self.require_change(change)
        tenant = self.get_tenant(external_id)
        sub = self._pick(tenant, change.subscription_id)
        if change.seats is not None and sub.seats != change.seats:
            self.call(
                "PUT",
                f"/LMPI/v2/customers/{external_id}/subscriptions/{sub.external_id}",
                json={"units_per_license": change.seats},
                safe=False,
            )
            return self.get_tenant(external_id)
        return tenant

    def suspend(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.SUSPEND)
        return self._switch(
            external_id, SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED, "suspend"
        )

    def resume(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.RESUME)
        return self._switch(
            external_id, SubscriptionStatus.SUSPENDED, SubscriptionStatus.ACTIVE, "unsuspend"
        )

    def _switch(
        self, external_id: str, source: SubscriptionStatus, target: SubscriptionStatus, verb: str
    ) -> VendorTenant:
        """(Un)suspend every subscription in ``source``; done already when all are in ``target``."""
        tenant = self.get_tenant(external_id)
        todo = [s for s in tenant.subscriptions if s.status is source]
        if not todo:
            if any(s.status is target for s in tenant.subscriptions):
                return tenant
            raise VendorConflict(
                f"{tenant.name} has no subscription LMPI can {verb}.", vendor=self.vendor
            )
        for sub in todo:
            path = f"/LMPI/v3/customers/{external_id}/subscriptions/{sub.external_id}/{verb}"
            # Without a date a suspend expires the licences now: keep them to their paid end.
            ends = sub.raw.get("licenses", [{}])[0].get("license_expiration_date")
            body = {"license_expiration_date": ends} if verb == "suspend" and ends else None
            self.call("PUT", path, json=body, safe=False)
        return self.get_tenant(external_id)

    def cancel(
        self, external_id: str, subscription_id: str = "", idempotency_key: str = ""
    ) -> VendorTenant:
        self.require(Capability.CANCEL)
        tenant = self.get_tenant(external_id)
        targets = (
            [self._pick(tenant, subscription_id)] if subscription_id else list(tenant.subscriptions)
        )
        for sub in targets:
            if sub.status is not SubscriptionStatus.CANCELLED:
                path = f"/LMPI/v2/customers/{external_id}/subscriptions/{sub.external_id}/disable"
                self.call("PUT", path, safe=False)
        return self.get_tenant(external_id)

    def convert_trial(
        self,
        external_id: str,
        subscription_id: str = "",
        seats: int | None = None,
        idempotency_key: str = "",
    ) -> VendorTenant:
        """Subscribe the full plan, then disable the trial: each step only when still missing."""
        self.require(Capability.CONVERT_TRIAL)
        tenant = self.get_tenant(external_id)
        if subscription_id:
            trial = self._pick(tenant, subscription_id)
        else:
            trial = next((s for s in tenant.subscriptions if s.is_trial), None) or self._pick(
                tenant, ""
            )
        if not trial.is_trial:
            return tenant  # converted in place already
        if self._paid_of(tenant, trial.product_code) is None:
            if trial.status is SubscriptionStatus.CANCELLED:
                raise VendorConflict(
                    f"The trial of {trial.product_code} is disabled and no paid subscription "
                    "replaced it: subscribe the customer again instead.",
                    vendor=self.vendor,
                )
            self.call(
                "POST",
                f"/LMPI/v2/customers/{external_id}/subscriptions",
                json={
                    "service_plan_id": self._plan_for(trial.product_code, trial=False),
                    "units_per_license": seats or trial.seats,
                },
                safe=False,
            )
            tenant = self.get_tenant(external_id)
            if self._paid_of(tenant, trial.product_code) is None:
                raise VendorConflict(
                    f"Trend Micro accepted the paid subscription to {trial.product_code} but "
                    "does not show it.",
                    vendor=self.vendor,
                )
        left = next((s for s in tenant.subscriptions if s.external_id == trial.external_id), None)
        if left is not None and left.is_trial and left.status is not SubscriptionStatus.CANCELLED:
            path = f"/LMPI/v2/customers/{external_id}/subscriptions/{left.external_id}/disable"
            self.call("PUT", path, safe=False)
            tenant = self.get_tenant(external_id)
        return tenant

    @staticmethod
    def _paid_of(tenant: VendorTenant, product_code: str) -> VendorSubscription | None:
        """The product's live paid subscription (a converted trial or the one that replaced it)."""
        return next(
            (
                s
                for s in tenant.subscriptions
                if s.product_code == product_code
                and not s.is_trial
                and s.status is not SubscriptionStatus.CANCELLED
            ),
            None,
        )

    # -- mapping ---------------------------------------------------------------------------------

    def _pick(self, tenant: VendorTenant, subscription_id: str) -> VendorSubscription:
        for sub in tenant.subscriptions:
            if not subscription_id or sub.external_id == subscription_id:
                return sub
        raise VendorNotFound(
            f"Subscription {subscription_id or '(main)'} of {tenant.external_id} not found.",
            vendor=self.vendor,
        )

    @staticmethod
    def reference_of(customer: dict[str, Any]) -> str:
        match = _REFERENCE.search(customer.get("note") or "")
        return match.group(1) if match else ""

    @staticmethod
    def subscription_state(payload: dict[str, Any], plan: dict[str, Any]) -> str:
        """LMPI has no status field: derive one (see the module docstring)."""
        if not payload.get("enabled", True):
            return "disabled"
        licence = (payload.get("licenses") or [{}])[0]
        if str(plan.get("version", "")).lower() == "trial":
            ends = _date(licence.get("license_expiration_date"))
            return "expired" if ends and ends < dt.datetime.now(dt.UTC).date() else "trial"
        if plan.get("auto_renewal", True) and not payload.get("is_auto_renewal", True):
            return "suspended"
        return "active"

    def _subscription(self, payload: dict[str, Any], plan: dict[str, Any]) -> VendorSubscription:
        licence = (payload.get("licenses") or [{}])[0]
        state = self.subscription_state(payload, plan)
        is_trial = str(plan.get("version", "")).lower() == "trial"
        ends = _date(licence.get("license_expiration_date"))
        period = plan.get("initial_license_period_month")
        return VendorSubscription(
            external_id=payload["subscription_id"],
            product_code=plan.get("product_code", ""),
            status=SUBSCRIPTION_STATUS_MAP.get(state, SubscriptionStatus.UNKNOWN),
            seats=licence.get("units"),
            product_name=plan.get("product", "") or payload.get("name", ""),
            term=f"{period} months" if period else "",
            auto_renew=payload.get("is_auto_renewal"),
            is_trial=is_trial,
            trial_ends=ends if is_trial else None,
            starts=_date(licence.get("license_start_date")),
            ends=ends,
            raw=payload,
        )

    def _tenant(self, customer: dict[str, Any], subs: list[VendorSubscription]) -> VendorTenant:
        subs.sort(
            key=lambda s: (
                s.status is SubscriptionStatus.CANCELLED,
                s.starts or dt.date.max,
                s.external_id,
            )
        )
        states = {s.status for s in subs}
        state = "cancelled" if subs else "no_subscription"
        for candidate, status in (
            ("active", SubscriptionStatus.ACTIVE),
            ("trial", SubscriptionStatus.TRIAL),
            ("suspended", SubscriptionStatus.SUSPENDED),
        ):
            if status in states:
                state = candidate
                break
        return VendorTenant(
            external_id=customer["customer_id"],
            name=customer.get("name", ""),
            status=TENANT_STATUS_MAP.get(state, TenantStatus.UNKNOWN),
            reference=self.reference_of(customer),
            subscriptions=tuple(subs),
            raw=customer,
        )
