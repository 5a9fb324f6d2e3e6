"""Redstor RedAPI adapter: OAuth2 client credentials with a private_key_jwt assertion, REST JSON.

Documented (KB 1607 "How to use the RedAPI", RedAPI V1 spec, CONTRACTS.md section 5): a service
account's client id + RSA private key (JWK) sign an RS256 assertion (iss = sub = client id,
aud = token endpoint, iat/nbf/exp, random jti) posted to https://id.redstor.com/connect/token for
a 3600 s bearer token with scopes ``api.read api.write``; API at https://api.redstor.com with
``?apiVersion=``; paging ``maxResults`` (1-100) / ``pageToken`` -> ``nextPageToken`` /
``totalCount`` / ``results``; errors are RFC 7807 ProblemDetails; 429 under the fair-use policy.

Assumptions where the docs are silent (one place, also in docs/vendors/redstor.md):

- Credentials: ``client_id`` and ``private_key`` (the JWK RedApp hands out, or a PEM RSA key) are
  the secret fields; ``token_url`` is an optional, non-secret extra (``optional_credential_fields``).
  Without it the token endpoint is id.redstor.com's for api.redstor.com, else
  ``<base_url>/connect/token`` (the sandbox and any single-host proxy).
- The access token goes in ``Authorization: Bearer`` (the KB's ``Authentication:`` is a typo).
- We pin ``apiVersion=1``: the V1 spec is the only contract we have, and an unpinned call gets
  the latest version, whose shapes we have not seen.
- A tenant is a company of ``type == "Customer"`` anywhere under our root partner company: we list
  ``/companies/{root}/customers/transitive`` so customers of our sub-partners (resellers) are
  included, and skip ``Partner`` rows. ``parent_external_id`` is ``parentCompanyId``.
- Subscriptions come from ``GET /companies/{id}/subscriptions`` per company (one call per tenant
  while listing; there is no bulk call that carries seats). The first one is the main one.
- ``CreateCompanyRequest`` is assumed to be ``{companyName, type, externalReference,
  adminUser{name, email}}`` and ``Company`` to echo ``externalReference``: that is where our
  customer reference lives. ``AddProductSubscriptionRequest`` is assumed to be ``{productId,
  editionId, licensedSeats}``.
- Seats: the documented ProductSubscription (``productId, trialStatus, editionId,
  subscriptionId, isActive``) carries no seat count, so ``VendorSubscription.seats`` is None
  (Redstor bills consumption: active seats come with usage). The V1 document has no call that
  changes seats (a ``PATCH`` of the subscription is not in it, and the sandbox's default,
  variant ``seat_patch=absent``, answers 405), so change seats is unsupported: the pages, the
  service and this adapter refuse it before any call.
- ``trialStatus``: the document shows only ``NotUsed``. ``NotUsed`` and ``Converted`` are paid
  subscriptions, ``Expired`` an ended trial, and any other value on an active subscription a
  running trial (``InProgress``, ``Active``, ``InUse``, ... : variant ``trial_status``).
- A removed subscription (DELETE answers "removal processed/queued") may stay listed with
  ``isActive: false`` or no longer be listed (variant ``cancelled_subscriptions``): a tenant with
  no listed subscription is therefore cancelled, not pending.
- Tenant status derives from ``isEnabled`` and the subscriptions (TENANT_STATUS_MAP): disabled ->
  suspended; none listed or none active -> cancelled; only trials -> trial.
- A disabled company ("Disable Customer") keeps ``isActive: true`` on its subscriptions; the
  document says nothing of what disabling does to them, so we read them as suspended with their
  company (an active or trial subscription of a disabled company is SUSPENDED), not as active.
- Suspend = ``PATCH .../disable``, resume = ``PATCH .../enable``; cancel = ``DELETE`` the product
  subscription(s), never the company (deleting drops the customer's backups).
- Empty collections may answer ``204 No Content`` (listed for every GET in the spec): read as empty.
- Usage: ``GET /companies/{id}/consumption/company?date=<last second of the month>`` with
  ``shouldExcludeTrials=true`` (trial consumption is not billable); the current month is asked
  without ``date``. ``date`` selects the month's figures. ``totalDataProtectedInBytesExternal`` (a share of
  ``totalDataProtectedInBytes``) has no portal metric and stays in ``raw``.
- Idempotent create: search by exact name (case-insensitive) and accept it when its
  ``externalReference`` is ours or empty; a company found without the product subscription gets
  it added (a retry after a half-finished create). Finding by reference alone scans the tree.
- Rate: no published number; we assume 100 requests/s per service account
  (``REDSTOR_RATE_LIMIT_PER_SECOND``) and keep the client at 90 % of it.
- ``422`` (business rule refused: already subscribed, not a trial) maps to ``VendorConflict``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar
from urllib.parse import urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization

from vendors.base import DetailWanted, PageCursor
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorRateWait,
    VendorTransientError,
)
from vendors.http import HttpVendorAdapter
from vendors.ratelimit import RateLimit
from vendors.types import (
    Capability,
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
    month_start,
    native,
    unsupported,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REAL_API_HOST = "api.redstor.com"
REAL_TOKEN_URL = "https://id.redstor.com/connect/token"
FAIR_USE_PER_SECOND = float(os.environ.get("REDSTOR_RATE_LIMIT_PER_SECOND", "100"))
#: Every OAuth error the identity server can answer means the connection's setup is wrong.
OAUTH_ERRORS = frozenset(
    {
        "invalid_client",
        "unauthorized_client",
        "invalid_grant",
        "invalid_scope",
        "unsupported_grant_type",
        "invalid_request",
    }
)
#: trialStatus values that are not a running trial; any other is one (the spec shows NotUsed).
PAID_TRIAL_STATUSES = frozenset({"NotUsed", "Converted"})
TRIAL_EXPIRED = "Expired"

#: (isActive, what the trialStatus says) -> status; see trial_state().
SUBSCRIPTION_STATUS_MAP: dict[tuple[Any, str], SubscriptionStatus] = {
    (True, "paid"): SubscriptionStatus.ACTIVE,
    (True, "running"): SubscriptionStatus.TRIAL,
    (True, "expired"): SubscriptionStatus.EXPIRED,
    (False, "paid"): SubscriptionStatus.CANCELLED,
    (False, "running"): SubscriptionStatus.CANCELLED,
    (False, "expired"): SubscriptionStatus.EXPIRED,
}
#: What a disabled company's subscriptions read as suspended from.
LIVE_SUBSCRIPTION_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIAL})
#: (isEnabled, what its subscriptions amount to) -> status; see subscription_summary().
TENANT_STATUS_MAP: dict[tuple[Any, str], TenantStatus] = {
    (True, "paid"): TenantStatus.ACTIVE,
    (True, "trial"): TenantStatus.TRIAL,
    (True, "ended"): TenantStatus.CANCELLED,
    (True, "none"): TenantStatus.CANCELLED,  # removed subscriptions may no longer be listed
    (False, "paid"): TenantStatus.SUSPENDED,
    (False, "trial"): TenantStatus.SUSPENDED,
    (False, "ended"): TenantStatus.SUSPENDED,
    (False, "none"): TenantStatus.SUSPENDED,
}
#: ConsumptionWithProduct field -> portal metric.
USAGE_MAP: dict[str, Metric] = {
    "activeSeats": Metric.SEATS_USED,
    "inactiveSeats": Metric.INACTIVE_SEATS,
    "sharedSeats": Metric.SHARED_SEATS,
    "activeWorkloads": Metric.WORKLOADS,
    "totalDataProtectedInBytes": Metric.PROTECTED_BYTES,
    "fupOverageInBytes": Metric.OVERAGE_BYTES,
}


def trial_state(raw: dict[str, Any]) -> str:
    """'paid', 'running', 'expired' or '' (no trialStatus string): what trialStatus says."""
    value = raw.get("trialStatus")
    if not isinstance(value, str) or not value:
        return ""
    if value in PAID_TRIAL_STATUSES:
        return "paid"
    return "expired" if value == TRIAL_EXPIRED else "running"


def subscription_summary(subscriptions: list[dict[str, Any]]) -> str:
    """'paid', 'trial', 'ended' or 'none': the subscription half of the tenant status key."""
    if not subscriptions:
        return "none"
    live = [s for s in subscriptions if s.get("isActive") is True and trial_state(s) != "expired"]
    if not live:
        return "ended"
    return "trial" if all(trial_state(s) == "running" for s in live) else "paid"


class RedstorAdapter(HttpVendorAdapter):
    vendor = "redstor"
    display_name = "Redstor"
    credential_fields = ("client_id", "private_key")
    #: Not secret, may be left empty; the connection form shows it as an advanced setting.
    optional_credential_fields: ClassVar[tuple[str, ...]] = ("token_url",)
    default_base_url = "https://api.redstor.com"
    rate_limit = RateLimit(per_second=FAIR_USE_PER_SECOND * 0.9)
    page_size = 100
    api_version: ClassVar[str] = "1"
    scope: ClassVar[str] = "api.read api.write"
    #: Fetch a new token this many seconds before the old one expires.
    token_margin: ClassVar[float] = 60.0
    assertion_lifetime: ClassVar[int] = 300
    capabilities = {
        Capability.CATALOG: native("GET /products; one portal product per product edition."),
        Capability.LIST_TENANTS: native(
            "Customer companies under the partner, sub-partners' customers included."
        ),
        Capability.CREATE_TENANT: native(
            "Creates the customer company, then subscribes it to the product (or its trial)."
        ),
        Capability.CHANGE_SEATS: unsupported(
            "RedAPI V1 documents no seat change (a PATCH of the subscription answers 405); "
            "Redstor bills the seats consumed."
        ),
        Capability.CHANGE_ADDONS: unsupported("Redstor products have no add-ons."),
        Capability.CHANGE_PLAN: unsupported(
            "RedAPI cannot move a subscription to another product or edition: cancel it and "
            "subscribe the customer to the new one."
        ),
        Capability.SUSPEND: native("Disables the customer company."),
        Capability.RESUME: native("Enables the customer company."),
        Capability.CANCEL: native(
            "Removes the product subscription(s); the company and its backups are kept."
        ),
        Capability.CONVERT_TRIAL: native("Converts the trial subscription to a paid one."),
        Capability.USAGE: native(
            "Monthly consumption per product subscription (active seats, workloads, protected "
            "and fair-use overage bytes); trials excluded."
        ),
        Capability.WEBHOOKS: unsupported("RedAPI sends no webhooks; changes are found by sync."),
    }

    def __init__(self, base_url: str, credentials: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(base_url, credentials, **kwargs)
        self.token_url = self.credentials.get("token_url") or self._default_token_url()
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self._signing_key: Any = None
        self._kid: str | None = None
        self._root: str | None = None
        self._catalog: list[VendorProduct] | None = None

    # -- auth ---------------------------------------------------------------------------------

    def _default_token_url(self) -> str:
        if urlsplit(self.base_url).hostname == REAL_API_HOST:
            return REAL_TOKEN_URL
        return self.base_url + "/connect/token"

    def _key(self) -> Any:
        """The service account's RSA key from its JWK (as RedApp issues it) or PEM form."""
        if self._signing_key is None:
            text = (self.credentials.get("private_key") or "").strip()
            try:
                if text.startswith("{"):
                    self._kid = json.loads(text).get("kid")
                    self._signing_key = jwt.algorithms.RSAAlgorithm.from_jwk(text)
                else:
                    self._signing_key = serialization.load_pem_private_key(
                        text.encode(), password=None
                    )
            except (ValueError, TypeError, jwt.PyJWTError) as exc:
                raise VendorAuthError(
                    f"The private key is not an RSA key in JWK or PEM form ({type(exc).__name__}).",
                    vendor=self.vendor,
                )
        return self._signing_key

    def client_assertion(self) -> str:
        """A fresh RS256 assertion: single use, so every token request signs a new one."""
        now = int(time.time())
        claims = {
            "iss": self.credentials.get("client_id", ""),
            "sub": self.credentials.get("client_id", ""),
            "aud": self.token_url,
            "iat": now,
            "nbf": now,
            "exp": now + self.assertion_lifetime,
            "jti": uuid.uuid4().hex,
        }
        key = self._key()
        headers = {"kid": self._kid} if self._kid else None
        return jwt.encode(claims, key, algorithm="RS256", headers=headers)

    def _fetch_token(self) -> None:
        """POST the client assertion; retried with a new assertion (a resent jti is refused)."""
        attempt = 0
        while True:
            attempt += 1
            form = {
                "grant_type": "client_credentials",
                "scope": self.scope,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.client_assertion(),
            }
            try:
                body = self.call("POST", self.token_url, data=form, safe=False)
                break
            except VendorRateWait:
                raise  # held back client-side: the task re-enqueues, nothing was sent
            except VendorTransientError as exc:
                wait = self._backoff(attempt, exc.retry_after)
                if attempt > self.max_retries or wait is None:
                    raise VendorTransientError(
                        f"token request failed: {exc.message}",
                        vendor=self.vendor,
                        status=exc.status,
                        retry_after=exc.retry_after,
                    )
                self._sleep(wait)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise VendorAuthError(
                "The token endpoint returned no access token.", vendor=self.vendor
            )
        self._token = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 3600)
        self._token_expires = time.monotonic() + lifetime
        self.share_token("access", self._token, lifetime - self.token_margin)

    def access_token(self) -> str:
        with self._token_lock:
            if self._token is None or time.monotonic() >= self._token_expires - self.token_margin:
                shared = self.shared_token("access")
                if shared is not None:
                    # Another process's token: its seconds left already exclude the margin.
                    self._token = shared[0]
                    self._token_expires = time.monotonic() + shared[1] + self.token_margin
                else:
                    self._fetch_token()
            return str(self._token)

    def authenticate(self, request: requests.PreparedRequest) -> None:
        if (request.url or "").split("?")[0] == self.token_url:
            return
        request.headers["Authorization"] = f"Bearer {self.access_token()}"

    def refresh_auth(self) -> bool:
        with self._token_lock:
            self.discard_shared_token("access", self._token)
            self._token = None
        return True

    # -- error mapping (V1 spec: 400/401/404/422/500 ProblemDetails; 429 under fair use) --------

    def error_for_response(self, response: requests.Response, body: Any) -> VendorError | None:
        status = response.status_code
        if 200 <= status < 300:
            return None
        kwargs = {"vendor": self.vendor, "status": status, "body": body}
        if isinstance(body, dict) and body.get("error") in OAUTH_ERRORS:
            # RFC 6749 5.2 from the identity server: the client id or key is wrong or revoked.
            return VendorAuthError(self.error_message(body), **kwargs)
        if status == 422:
            return VendorConflict(self.error_message(body) or "Unprocessable", **kwargs)
        return super().error_for_response(response, body)

    def error_message(self, body: Any) -> str:
        if isinstance(body, dict):
            for key in ("detail", "error_description", "title", "error"):
                value = body.get(key)
                if isinstance(value, str) and value:
                    return value
        return super().error_message(body)

    def field_errors(self, body: Any) -> dict[str, list[str]]:
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, dict):
            return {}
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()
        }

    # -- plumbing -----------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.call("GET", path, params={**(params or {}), "apiVersion": self.api_version})

    def _write(self, method: str, path: str, body: Any = None) -> Any:
        return self.call(
            method, path, params={"apiVersion": self.api_version}, json=body, safe=False
        )

    def _pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Follow nextPageToken until it is absent; a 204 is an empty collection."""
        for _token, page in self._token_pages(path, params):
            yield page

    def _token_pages(
        self, path: str, params: Mapping[str, Any] | None = None, token: str | None = None
    ) -> Iterator[tuple[str | None, list[dict[str, Any]]]]:
        """(the pageToken that fetched it, the page), from ``token`` (None: the first page)."""
        query: dict[str, Any] = {**(params or {}), "maxResults": self.page_size}
        while True:
            body = self._get(path, query if token is None else {**query, "pageToken": token})
            if not body:
                return
            yield token, list(body.get("results") or [])
            token = body.get("nextPageToken")
            if not token:
                return

    def root_company_id(self) -> str:
        """Our partner company: the parent of every tenant we create."""
        if self._root is None:
            self._root = str(self._get("/companies")["companyId"])
        return self._root

    # -- reads --------------------------------------------------------------------------------

    def test_connection(self) -> None:
        self._root = None
        self.root_company_id()

    def list_products(self) -> list[VendorProduct]:
        products = []
        for product in self._get("/products") or []:
            kind = ProductKind.BUNDLE if product.get("children") else ProductKind.BASE
            for edition in product.get("editions") or [{}]:
                products.append(
                    VendorProduct(
                        external_id=f"{product['id']}:{edition.get('id', '')}",
                        code=self._code(product, edition),
                        name=" - ".join(filter(None, (product.get("name"), edition.get("name")))),
                        kind=kind,
                        trial_available=bool(edition.get("hasTrial")),
                        raw={**product, "edition": edition},
                    )
                )
        self._catalog = products
        return products

    @staticmethod
    def _code(product: Mapping[str, Any], edition: Mapping[str, Any]) -> str:
        short = product.get("shortName") or str(product.get("id"))
        return f"{short}:{edition['name']}" if edition.get("name") else short

    def _catalog_entry(self, product_id: Any, edition_id: Any) -> VendorProduct | None:
        if self._catalog is None:
            self.list_products()
        for product in self._catalog or []:
            if (
                product.external_id
                == f"{product_id}:{edition_id if edition_id is not None else ''}"
            ):
                return product
        return None

    def _product_for_code(self, code: str) -> VendorProduct:
        for product in self._catalog or self.list_products():
            if product.code == code:
                return product
        raise VendorBadRequest(f"Redstor has no product edition {code!r}.", vendor=self.vendor)

    def _subscription(self, raw: dict[str, Any], *, enabled: Any = True) -> VendorSubscription:
        product = self._catalog_entry(raw.get("productId"), raw.get("editionId"))
        status = SUBSCRIPTION_STATUS_MAP.get(
            (raw.get("isActive"), trial_state(raw)), SubscriptionStatus.UNKNOWN
        )
        if enabled is False and status in LIVE_SUBSCRIPTION_STATUSES:
            status = SubscriptionStatus.SUSPENDED  # the company is disabled, its services with it
        return VendorSubscription(
            external_id=str(raw.get("subscriptionId", "")),
            product_code=product.code
            if product
            else f"{raw.get('productId')}:{raw.get('editionId')}",
            status=status,
            seats=None,  # no documented field carries a seat count
            product_name=product.name if product else "",
            is_trial=trial_state(raw) == "running",
            raw=raw,
        )

    def _tenant(self, company: dict[str, Any], subscriptions: list[dict[str, Any]]) -> VendorTenant:
        key = (company.get("isEnabled"), subscription_summary(subscriptions))
        return VendorTenant(
            external_id=str(company["companyId"]),
            name=company.get("companyName") or "",
            status=TENANT_STATUS_MAP.get(key, TenantStatus.UNKNOWN),
            reference=company.get("externalReference") or "",
            parent_external_id=company.get("parentCompanyId") or "",
            subscriptions=tuple(
                self._subscription(s, enabled=company.get("isEnabled")) for s in subscriptions
            ),
            raw={**company, "subscriptions": subscriptions},
        )

    def _subscriptions_of(self, company_id: str) -> list[dict[str, Any]]:
        return list(self._get(f"/companies/{company_id}/subscriptions") or [])

    def iter_tenant_pages(self) -> Iterator[list[VendorTenant]]:
        for _cursor, page in self.iter_tenant_pages_from(None):
            yield page

    #: RedAPI's nextPageToken lists the rest of a collection from where a page ended; the spec
    #: gives tokens no expiry (assumed to hold for the sync's resume cutoff).
    resumable_pages = True

    def iter_tenant_pages_from(
        self, cursor: PageCursor | None = None
    ) -> Iterator[tuple[PageCursor | None, list[VendorTenant]]]:
        path = f"/companies/{self.root_company_id()}/customers/transitive"
        start = str(cursor["page_token"]) if cursor else None
        for token, page in self._token_pages(path, token=start):
            customers = [c for c in page if c.get("type") == "Customer"]
            # A listed customer's subscriptions, unless its row is unchanged and not due.
            listed = self.read_details([self._wanted_subscriptions(c) for c in customers])
            yield (
                {"page_token": token} if token else None,
                [self._tenant(c, subs) for c, subs in zip(customers, listed, strict=True)],
            )

    def _wanted_subscriptions(self, company: dict[str, Any]) -> DetailWanted:
        company_id = str(company["companyId"])
        read = partial(self._subscriptions_of, company_id)
        return DetailWanted(company_id, company_id, company, read)

    def get_tenant(self, external_id: str) -> VendorTenant:
        company = self._get(f"/companies/{external_id}")
        if not company or company.get("type") != "Customer":
            raise VendorNotFound(f"{external_id} is not a customer company.", vendor=self.vendor)
        return self._tenant(company, self._subscriptions_of(external_id))

    def find_tenant(self, reference: str, name: str = "") -> VendorTenant | None:
        """By exact name through /companies/search (name filter only); by reference via a scan."""
        if name:
            wanted = name.casefold()
            for page in self._pages("/companies/search", {"search": name}):
                for company in page:
                    theirs = company.get("externalReference") or ""
                    if (
                        company.get("type") == "Customer"
                        and (company.get("companyName") or "").casefold() == wanted
                        and (not reference or not theirs or theirs == reference)
                    ):
                        return self._tenant(company, self._subscriptions_of(company["companyId"]))
            return None
        if reference:
            path = f"/companies/{self.root_company_id()}/customers/transitive"
            for page in self._pages(path):
                for company in page:
                    if company.get("externalReference") == reference:
                        return self._tenant(company, self._subscriptions_of(company["companyId"]))
        return None

    def get_usage(self, external_id: str, period: dt.date) -> list[VendorUsage]:
        self.require(Capability.USAGE)
        period = month_start(period)
        this_month = dt.date.today().replace(day=1)
        if period > this_month:
            return []
        params = {"shouldExcludeTrials": "true"}
        if period < this_month:
            next_month = (period + dt.timedelta(days=32)).replace(day=1)
            last_day = next_month - dt.timedelta(days=1)
            params["date"] = f"{last_day:%Y-%m-%d}T23:59:59Z"
        rows = self._get(f"/companies/{external_id}/consumption/company", params) or []
        return [
            VendorUsage(
                tenant_external_id=external_id,
                period=period,
                metric=metric,
                quantity=Decimal(row[field]),
                vendor_field=field,
                subscription_external_id=str(row.get("subscriptionId") or ""),
                raw=row,
            )
            for row in rows
            for field, metric in USAGE_MAP.items()
            if row.get(field) is not None
        ]

    # -- writes -------------------------------------------------------------------------------

    def create_tenant(self, spec: TenantSpec, idempotency_key: str) -> VendorTenant:
        """Find-then-create: the name search makes a retry with the same spec land on one company."""
        self.require(Capability.CREATE_TENANT)
        if spec.addons:
            self.require(Capability.CHANGE_ADDONS)
        product = self._product_for_code(spec.product_code)
        existing = self.find_tenant(spec.reference, spec.name)
        if existing is None:
            contact = spec.contact
            body: dict[str, Any] = {
                "companyName": spec.name,
                "type": "Customer",
                "externalReference": spec.reference,
                "adminUser": {
                    "name": f"{contact.first_name} {contact.last_name}".strip(),
                    "email": contact.email,
                },
            }
            company = self._write("POST", f"/companies/{self.root_company_id()}/customers", body)
            company_id, subscriptions = str(company["companyId"]), []
            self.log.info("created company %s (key %s)", company_id, idempotency_key)
        else:
            company_id = existing.external_id
            subscriptions = [s.raw for s in existing.subscriptions]
        product_id, edition_id = (int(part) for part in product.external_id.split(":"))
        if not any(s.get("isActive") and s.get("productId") == product_id for s in subscriptions):
            path = f"/companies/{company_id}/subscriptions" + ("/trial" if spec.trial else "")
            body = {"productId": product_id, "editionId": edition_id, "licensedSeats": spec.seats}
            self._write("POST", path, body)
        return self.get_tenant(company_id)

    def change_subscription(
        self, external_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> VendorTenant:
        """Nothing of a subscription can be changed through RedAPI V1: refused before any call."""
        self.require_change(change)
        return self.get_tenant(external_id)

    def _main(self, external_id: str) -> VendorSubscription:
        tenant = self.get_tenant(external_id)
        if not tenant.subscriptions:
            raise VendorNotFound(f"{external_id} has no subscription.", vendor=self.vendor)
        return tenant.subscriptions[0]

    def suspend(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.SUSPEND)
        self._write("PATCH", f"/companies/{external_id}/disable")
        return self.get_tenant(external_id)

    def resume(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.RESUME)
        self._write("PATCH", f"/companies/{external_id}/enable")
        return self.get_tenant(external_id)

    def cancel(
        self, external_id: str, subscription_id: str = "", idempotency_key: str = ""
    ) -> VendorTenant:
        """Remove one subscription (or all): already-removed ones are skipped, so a retry is safe."""
        self.require(Capability.CANCEL)
        tenant = self.get_tenant(external_id)
        chosen = [
            s
            for s in tenant.subscriptions
            if s.external_id == subscription_id or not subscription_id
        ]
        if subscription_id and not chosen:
            raise VendorNotFound(
                f"Subscription {subscription_id} is not on {external_id}.", vendor=self.vendor
            )
        for sub in chosen:
            if sub.raw.get("isActive"):
                self._write("DELETE", f"/companies/{external_id}/subscriptions/{sub.external_id}")
        return self.get_tenant(external_id)

    def convert_trial(
        self,
        external_id: str,
        subscription_id: str = "",
        seats: int | None = None,
        idempotency_key: str = "",
    ) -> VendorTenant:
        """Convert the (given or first) running trial; an already converted one is left alone.
        New seats are refused before the conversion (no documented seat call)."""
        self.require(Capability.CONVERT_TRIAL)
        if seats is not None:
            self.require(Capability.CHANGE_SEATS)
        tenant = self.get_tenant(external_id)
        subs = [
            s
            for s in tenant.subscriptions
            if not subscription_id or s.external_id == subscription_id
        ]
        trial = next((s for s in subs if s.is_trial and s.raw.get("isActive")), None)
        target: VendorSubscription | None
        if trial is not None:
            path = f"/companies/{external_id}/subscriptions/{trial.external_id}/trial/convert"
            self._write("PATCH", path)
            target = trial
        else:
            target = next((s for s in subs if s.status is SubscriptionStatus.ACTIVE), None)
            if target is None:
                raise VendorConflict(
                    f"{external_id} has no running trial to convert.", vendor=self.vendor
                )
        return self.get_tenant(external_id)
