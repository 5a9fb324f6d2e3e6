"""Lookout Partner API adapter (MES partner provisioning).

Sources: the partner Swagger excerpt (/work/shared/vendor-docs/lookout-partner-api.txt), the MES
token docs on doc.lookout.com ("request a token"), and CONTRACTS.md section 1.

How it talks to Lookout:
- Auth: ``POST /oauth2/token`` with ``Authorization: Bearer <application key>`` and
  ``grant_type=client_credentials`` gives an access token (``expires_in`` seconds, ~2 h). The token
  is cached until shortly before it expires and dropped and fetched again once on a 401.
- Tenants are keyed by ``externalPartnerId``, which is *our* customer reference: it is both
  ``VendorTenant.external_id`` and ``reference``. Lookout's own GUID stays in ``raw``.
- Every write is an order keyed by the partner's ``transactionId``; we send the operation's
  idempotency key, so a repeated call is recognised by Lookout and applied once. Orders are
  asynchronous: we poll ``GET /orders/{transactionId}`` until COMPLETED or FAILED, a bounded
  number of times; still pending -> ``VendorTransientError`` (retrying with the same
  transactionId is safe).

Assumptions where the vendor docs are silent (enum literals live in ``enums.py``, flagged as
placeholders until confirmed from the partner Swagger):
1. Production base URL is ``https://api.lookout.com`` (the MES API host); only the pre-production
   partner host is public.
2. An expired or unknown access token gets HTTP 401 (from the gateway) although the Swagger lists
   only 403; 401 and 403 both map to ``VendorAuthError`` (403 after no refresh).
3. The Error body is ``{message, traceId}`` (Swagger schema ``Error``); the traceId is appended to
   our error message for support tickets. The token endpoint answers OAuth-style
   ``{error, error_description}``. There are no per-field errors.
4. ``skus`` is a single bundle value per tenant (the Swagger types it as one enum); a tenant has
   exactly one subscription, whose id is the tenant's externalPartnerId. There are no add-ons.
5. A trial is an order with ``termType=TRIAL`` (``termLength`` in days); converting it is a renew
   order to ``termType=YEAR``, as the Swagger sends term changes to ``/orders/renew``.
6. ``/orders/modify`` changes seats and SKU (a plan change); it refuses term changes.
7. Order processing failures come back as ``orderState=FAILED`` with ``errorMessage``; validation
   failures as HTTP 400. A FAILED order maps to ``VendorConflict`` (the state forbids it), except
   a create whose externalPartnerId already exists, which returns that tenant (it is ours).
8. ``GET /tenants/{id}`` is in no document (only its sub-resources are): it is tried, and a 404 or
   405 falls back to the documented ``GET /tenants`` listing; when the listing holds the tenant
   the 404 meant "no such route" and the adapter stops asking (so does a 405).
   ``GET /tenants`` pages with offset/limit (max 100 per page, assumed) and returns ``count``, the
   total. List items (TenantDetails) carry no seat count, so each tenant's
   ``/subscription`` is read as well (one call per tenant). Used seats come from the list row's
   ``licenseUsage`` (a string of no documented format, lookout-partner-api.txt TenantDetails):
   read as ``"<used>/<purchased>"``; any other shape is an unknown figure (None), never 0.
9. Usage: ``GET /tenants/{id}/data_bundle`` answers today's ``licensesPurchased`` /
   ``licensesUsed``; its ``filter`` parameter has no documented format, so Lookout cannot be
   relied on for a past month (``usage_history = False``: the portal collects daily into the
   current month). A past month is asked with ``filter=YYYY-MM`` and accepted only when the
   answer names that filter; otherwise it is today's figures and is refused (VendorUnsupported).
10. No catalog endpoint: the SKU table in ``enums.py`` is the catalog.
11. Suspend/resume: no order type does it (Lookout itself may show SUSPENDED, e.g. non-payment).
12. Rate limits are undocumented; no client-side limit is applied.
13. Create options (``CREATE_OPTIONS``): the Admin schema requires ``contactFirstName`` and
    ``contactLastName`` (lookout-partner-api.txt:630-637), so both are required options instead
    of a split of the contact's name (a one-word name would have no last name);
    ``contact_email`` falls back to the contact's e-mail. ``external_org_id`` creates a managed
    tenant under that org (ManagedOrder, lines 853-859); the org is kept in ``raw``, not in
    ``parent_external_id``, because list items do not carry it. A spec missing any of them is
    refused before any call.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

import requests

from vendors.base import DetailWanted, PageCursor
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorConflict,
    VendorError,
    VendorNotFound,
    VendorTransientError,
    VendorUnsupported,
)
from vendors.http import HttpVendorAdapter
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

from . import enums
from .enums import API_PREFIX, TOKEN_PATH, AutoRenewState, EntityState, OrderState, TermType

STATUS_MAP: dict[str, TenantStatus] = {
    EntityState.PENDING: TenantStatus.PENDING,
    EntityState.TRIAL: TenantStatus.TRIAL,
    EntityState.ACTIVE: TenantStatus.ACTIVE,
    EntityState.SUSPENDED: TenantStatus.SUSPENDED,
    EntityState.CANCELLED: TenantStatus.CANCELLED,
}
#: The one subscription follows its tenant's EntityState.
SUBSCRIPTION_STATUS_MAP: dict[str, SubscriptionStatus] = {
    EntityState.PENDING: SubscriptionStatus.PENDING,
    EntityState.TRIAL: SubscriptionStatus.TRIAL,
    EntityState.ACTIVE: SubscriptionStatus.ACTIVE,
    EntityState.SUSPENDED: SubscriptionStatus.SUSPENDED,
    EntityState.CANCELLED: SubscriptionStatus.CANCELLED,
}
#: data_bundle field -> metric (docs/vendors/lookout.md, "Usage mapping").
USAGE_FIELDS: dict[str, Metric] = {
    "licensesPurchased": Metric.SEATS_PURCHASED,
    "licensesUsed": Metric.SEATS_USED,
}

#: TenantDetails.licenseUsage, a string of no documented format; read "<used>/<purchased>".
_LICENSE_USAGE = re.compile(r"\s*(\d+)\s*/\s*\d+\s*")


def license_used(value: Any) -> int | None:
    """The used licences of a tenant list row's ``licenseUsage``; None (not 0) when it is
    missing or in another shape, so an unknown figure never reads as nothing used."""
    match = _LICENSE_USAGE.fullmatch(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


_NAME = "Required by Lookout for the tenant's first administrator (Admin schema)."
#: What a create order carries beyond the common spec (Admin and ManagedOrder schemas).
CREATE_OPTIONS: tuple[CreateOption, ...] = (
    CreateOption(
        "contact_first_name", "Administrator first name", required=True, min_value=1, help=_NAME
    ),
    CreateOption(
        "contact_last_name", "Administrator last name", required=True, min_value=1, help=_NAME
    ),
    CreateOption(
        "contact_email",
        "Administrator e-mail",
        OptionType.EMAIL,
        help="Leave empty for the contact's e-mail.",
    ),
    CreateOption(
        "external_org_id",
        "Organization",
        help="The externalOrgId of a Lookout organization to create the tenant under "
        "(a managed tenant); leave empty for a tenant of the partner itself.",
    ),
)


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


class LookoutAdapter(HttpVendorAdapter):
    vendor = "lookout"
    display_name = "Lookout"
    credential_fields = ("application_key",)
    default_base_url = "https://api.lookout.com"
    create_options: ClassVar[tuple[CreateOption, ...]] = CREATE_OPTIONS
    #: data_bundle's filter has no documented format: only today's figures (assumption 9).
    usage_history: ClassVar[bool] = False
    capabilities: ClassVar[dict[Capability, CapabilityInfo]] = {
        Capability.CATALOG: emulated(
            "Lookout has no catalog endpoint; the SKUs offered are a fixed table in the portal."
        ),
        Capability.LIST_TENANTS: native(),
        Capability.CREATE_TENANT: native("A create order, processed asynchronously by Lookout."),
        Capability.CHANGE_SEATS: native("A modify order with the new seat total."),
        Capability.CHANGE_ADDONS: unsupported(
            "Lookout sells SKU bundles without add-ons; change the SKU (plan) instead."
        ),
        Capability.CHANGE_PLAN: native("A modify order with the new SKU."),
        Capability.SUSPEND: unsupported(
            "The Lookout Partner API has no suspend order; suspend the tenant in the Lookout "
            "console or cancel it."
        ),
        Capability.RESUME: unsupported(
            "The Lookout Partner API has no resume order; ask Lookout or use the console."
        ),
        Capability.CANCEL: native("A cancel order; the tenant is cancelled as a whole."),
        Capability.CONVERT_TRIAL: emulated(
            "No conversion call: a renew order moves the trial term to a one-year paid term."
        ),
        Capability.USAGE: native(
            "Licences purchased and used, from the tenant's data bundle. Today's figures only: "
            "collected daily into the current month, which keeps its last figures when it ends."
        ),
        Capability.WEBHOOKS: unsupported(
            "Lookout sends no partner webhooks; changes come by sync."
        ),
    }
    #: GET /tenants limit; Lookout's maximum is not documented (100 assumed).
    page_size: int = 100
    #: Polls of an order before giving up for now (the engine retries with the same key).
    order_poll_attempts: int = 8
    order_poll_first: float = 0.2
    order_poll_cap: float = 2.0
    #: Refresh a token this long before Lookout's expiry (capped at a tenth of its lifetime).
    token_margin: float = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: str | None = None
        self._token_deadline = 0.0
        self._fetching_token = False
        #: False once the undocumented ``GET /tenants/{id}`` proved absent (assumption 8).
        self._tenant_get = True

    # -- auth ----------------------------------------------------------------------------------

    def _fetch_token(self) -> str:
        """Exchange the application key for an access token (a safe, retried call)."""
        self._fetching_token = True
        try:
            body = self.call(
                "POST",
                TOKEN_PATH,
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Bearer {self.credentials.get('application_key', '')}"},
                safe=True,
            )
        finally:
            self._fetching_token = False
        token: str | None = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise VendorTransientError("token response without access_token", vendor=self.vendor)
        lifetime = float(body.get("expires_in") or 0)
        margin = min(self.token_margin, lifetime / 10)
        self._token = token
        self._token_deadline = time.monotonic() + lifetime - margin
        self.share_token("access", token, lifetime - margin)
        return token

    def authenticate(self, request: requests.PreparedRequest) -> None:
        if urlsplit(request.url or "").path.endswith(TOKEN_PATH):
            return  # the token request carries the application key itself
        token = self._token
        if token is None or time.monotonic() >= self._token_deadline:
            shared = self.shared_token("access")
            if shared is not None:
                token, left = shared
                self._token, self._token_deadline = token, time.monotonic() + left
            else:
                token = self._fetch_token()
        request.headers["Authorization"] = f"Bearer {token}"

    def refresh_auth(self) -> bool:
        if self._fetching_token:
            return False  # the application key itself was refused
        self.discard_shared_token("access", self._token)
        self._token = None
        return True

    # -- errors --------------------------------------------------------------------------------

    def error_for_response(self, response: requests.Response, body: Any) -> VendorError | None:
        # Partner Swagger: every call documents 400 BadRequest, 403 "Unauthorized" (Forbidden) and
        # 404 NotFound with the Error schema; the base maps those, 401, 409, 429 and 5xx. Lookout
        # specific: any refusal at the token endpoint (MES docs, "request a token") means the
        # application key cannot be used, so it is an auth error, not a bad request.
        status = response.status_code
        if status in (400, 401, 403) and urlsplit(response.url or "").path.endswith(TOKEN_PATH):
            return VendorAuthError(
                self.error_message(body) or f"HTTP {status}",
                vendor=self.vendor,
                status=status,
                body=body,
            )
        return super().error_for_response(response, body)

    def error_message(self, body: Any) -> str:
        if isinstance(body, dict):
            message = body.get("message") or body.get("error_description") or body.get("error")
            if isinstance(message, str) and message:
                trace = body.get("traceId")
                return f"{message} (traceId {trace})" if trace else message
        return super().error_message(body)

    # -- reads ---------------------------------------------------------------------------------

    def test_connection(self) -> None:
        self.call("GET", f"{API_PREFIX}/tenants", params={"offset": 0, "limit": 1})

    def list_products(self) -> list[VendorProduct]:
        # No catalog endpoint: check the connection can read the account, then offer the SKUs.
        self.test_connection()
        return [
            VendorProduct(
                external_id=code,
                code=code,
                name=str(info["name"]),
                kind=ProductKind.BASE,
                trial_available=bool(info["trial"]),
                raw={"skus": code, **info},
            )
            for code, info in enums.SKUS.items()
        ]

    def iter_tenant_pages(self) -> Iterator[list[VendorTenant]]:
        for _cursor, page in self.iter_tenant_pages_from(None):
            yield page

    #: GET /tenants pages by offset, so a later process can list on from any page.
    resumable_pages = True

    def iter_tenant_pages_from(
        self, cursor: PageCursor | None = None
    ) -> Iterator[tuple[PageCursor | None, list[VendorTenant]]]:
        for offset, items in self._offset_pages(int(cursor["offset"]) if cursor else 0):
            # The list row carries skus and licenseUsage, not the seats and term: the
            # subscription is read only for a new or changed row or a due refresh.
            subscriptions = self.read_details([self._wanted_subscription(i) for i in items])
            yield (
                {"offset": offset} if offset else None,
                [self._tenant(i, s) for i, s in zip(items, subscriptions, strict=True)],
            )

    def _wanted_subscription(self, item: dict[str, Any]) -> DetailWanted:
        tenant = str(item["externalPartnerId"])
        return DetailWanted(tenant, tenant, item, partial(self._subscription_of, item))

    def get_tenant(self, external_id: str) -> VendorTenant:
        detail = self._tenant_details(external_id)
        return self._tenant(detail, self._subscription_of(detail))

    def _tenant_details(self, external_id: str) -> dict[str, Any]:
        """The undocumented detail when Lookout answers it, else the documented listing."""
        if self._tenant_get:
            try:
                detail: dict[str, Any] = self.call("GET", self._tenant_path(external_id))
                return detail
            except (VendorNotFound, VendorBadRequest) as exc:
                if exc.status not in (404, 405):
                    raise
                self._tenant_get = exc.status != 405
        for details in self._detail_pages():
            for item in details:
                if item.get("externalPartnerId") == external_id:
                    self._tenant_get = False  # listed, so the 404 was "no such route"
                    return item
        raise VendorNotFound(f"Tenant {external_id} is not at Lookout.", vendor=self.vendor)

    def _detail_pages(self) -> Iterator[list[dict[str, Any]]]:
        for _offset, items in self._offset_pages(0):
            yield items

    def _offset_pages(self, offset: int) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """(the offset that fetched it, the page) from ``offset`` on."""
        while True:
            body = self.call(
                "GET", f"{API_PREFIX}/tenants", params={"offset": offset, "limit": self.page_size}
            )
            items = body.get("tenants") or []
            if items:
                yield offset, items
            offset += len(items)
            total = body.get("count")
            if not items or (isinstance(total, int) and offset >= total):
                return

    def find_tenant(self, reference: str, name: str = "") -> VendorTenant | None:
        if reference:
            try:
                return self.get_tenant(reference)
            except VendorNotFound:
                return None
        for page in self.iter_tenant_pages():
            for tenant in page:
                if name and tenant.name == name:
                    return tenant
        return None

    def get_usage(self, external_id: str, period: dt.date) -> list[VendorUsage]:
        """Today's figures for the current month; a past month only from an answer naming it."""
        self.require(Capability.USAGE)
        period = month_start(period)
        this_month = month_start(dt.date.today())
        if period > this_month:
            return []
        path = f"{self._tenant_path(external_id)}/data_bundle"
        month = period.strftime("%Y-%m")
        if period == this_month:
            bundle = self.call("GET", path)
        else:
            bundle = self.call("GET", path, params={"filter": month})
            if not isinstance(bundle, dict) or bundle.get("filter") != month:
                raise VendorUnsupported(
                    f"Lookout answered today's figures when asked for {month}: the data "
                    "bundle's filter has no documented format, so a past month cannot be read. "
                    "The portal collects Lookout usage daily into the current month instead.",
                    vendor=self.vendor,
                    status=200,
                    body=bundle,
                )
        usage = []
        for field, metric in USAGE_FIELDS.items():
            value = bundle.get(field)
            if isinstance(value, dict):  # tolerate the nested {"licensesUsed": {"licensesUsed": n}}
                value = value.get(field)
            if value is None:
                continue
            usage.append(
                VendorUsage(
                    tenant_external_id=external_id,
                    period=period,
                    metric=metric,
                    quantity=Decimal(value),
                    vendor_field=field,
                    subscription_external_id=external_id,
                    raw={field: value, "month": month},
                )
            )
        return usage

    # -- writes --------------------------------------------------------------------------------

    def create_tenant(self, spec: TenantSpec, idempotency_key: str) -> VendorTenant:
        self.require(Capability.CREATE_TENANT)
        if spec.addons:
            self.require(Capability.CHANGE_ADDONS)
        admin = self._admin(spec)  # refuses a bad spec before any call
        trial = spec.trial
        body: dict[str, Any] = {
            "transactionId": idempotency_key,
            "externalPartnerId": spec.reference,
            "skus": spec.product_code,
            "productType": enums.ProductType.MES,
            "termType": TermType.TRIAL if trial else TermType.YEAR,
            "termLength": enums.TRIAL_DAYS if trial else 1,
            "seatTotal": spec.seats,
            "autoRenewState": AutoRenewState.DISABLED if trial else AutoRenewState.ENABLED,
            "companyName": spec.name,
            "country": spec.country,
            **admin,
        }
        org_id = spec.extra.get("external_org_id")
        if org_id:
            body.update(managed=True, externalOrgId=str(org_id))
        order = self._order("", body)
        if order.get("orderState") == OrderState.FAILED:
            existing = self.find_tenant(spec.reference)
            if existing is None:
                raise self._failed(order)
            self.log.info(
                "create order %s failed; %s already exists", idempotency_key, spec.reference
            )
            return existing
        return self.get_tenant(spec.reference)

    def change_subscription(
        self, external_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> VendorTenant:
        self.require_change(change)
        current = self._subscription(external_id)
        sku = change.product_code or current["skus"]
        if sku == current["skus"] and change.seats in (None, current.get("seatTotal")):
            return self.get_tenant(external_id)  # already as asked: repeating changes nothing
        body: dict[str, Any] = {
            "transactionId": idempotency_key,
            "externalPartnerId": external_id,
            "skus": sku,
        }
        if change.seats is not None:
            body["seatTotal"] = change.seats
        self._order_or_raise("/modify", body)
        return self.get_tenant(external_id)

    def cancel(
        self, external_id: str, subscription_id: str = "", idempotency_key: str = ""
    ) -> VendorTenant:
        self.require(Capability.CANCEL)
        tenant = self.get_tenant(external_id)
        if tenant.status is TenantStatus.CANCELLED:
            return tenant
        body = {
            "transactionId": idempotency_key or uuid.uuid4().hex,
            "externalPartnerId": external_id,
            "skus": tenant.subscriptions[0].product_code if tenant.subscriptions else "",
        }
        self._order_or_raise("/cancel", body)
        return self.get_tenant(external_id)

    def convert_trial(
        self,
        external_id: str,
        subscription_id: str = "",
        seats: int | None = None,
        idempotency_key: str = "",
    ) -> VendorTenant:
        self.require(Capability.CONVERT_TRIAL)
        current = self._subscription(external_id)
        if current.get("termType") != TermType.TRIAL:
            return self.get_tenant(external_id)  # already converted
        body: dict[str, Any] = {
            "transactionId": idempotency_key or uuid.uuid4().hex,
            "externalPartnerId": external_id,
            "skus": current["skus"],
            "termType": TermType.YEAR,
            "termLength": 1,
            "autoRenewState": AutoRenewState.ENABLED,
        }
        if seats is not None:
            body["seatTotal"] = seats
        self._order_or_raise("/renew", body)
        return self.get_tenant(external_id)

    @classmethod
    def _admin(cls, spec: TenantSpec) -> dict[str, str]:
        """The Admin schema's three required fields, from the create options (and the contact's
        e-mail); VendorBadRequest naming each missing one, before any call."""
        values = {
            "contactFirstName": str(spec.extra.get("contact_first_name") or "").strip(),
            "contactLastName": str(spec.extra.get("contact_last_name") or "").strip(),
            "contactEmail": str(spec.extra.get("contact_email") or spec.contact.email).strip(),
        }
        options = {
            "contactFirstName": "contact_first_name",
            "contactLastName": "contact_last_name",
            "contactEmail": "contact_email",
        }
        problems = {
            options[key]: [f"Lookout requires {key} (Admin schema)."]
            for key, value in values.items()
            if not value
        }
        if not spec.name.strip():
            problems["name"] = ["Lookout requires companyName (Tenant schema)."]
        if spec.seats < 1:
            problems["seats"] = ["Lookout requires seatTotal of at least 1."]
        if problems:
            raise VendorBadRequest(
                "Lookout cannot create this tenant: "
                + "; ".join(m for messages in problems.values() for m in messages),
                vendor=cls.vendor,
                field_errors=problems,
            )
        return values

    # -- orders --------------------------------------------------------------------------------

    def _order(self, suffix: str, body: dict[str, Any]) -> dict[str, Any]:
        """Post an order (never retried here) and poll it until Lookout has processed it."""
        order: dict[str, Any] = self.call(
            "POST", f"{API_PREFIX}/orders{suffix}", json=body, safe=False
        )
        transaction_id = body["transactionId"]
        for attempt in range(self.order_poll_attempts):
            if order.get("orderState") in OrderState.DONE:
                return order
            self._sleep(min(self.order_poll_cap, self.order_poll_first * 2**attempt))
            order = self.call("GET", f"{API_PREFIX}/orders/{quote(transaction_id, safe='')}")
        if order.get("orderState") in OrderState.DONE:
            return order
        raise VendorTransientError(
            f"order {transaction_id} is still {order.get('orderState')} at Lookout",
            retry_after=self.order_poll_cap * 5,
            vendor=self.vendor,
            body=order,
        )

    def _order_or_raise(self, suffix: str, body: dict[str, Any]) -> dict[str, Any]:
        order = self._order(suffix, body)
        if order.get("orderState") == OrderState.FAILED:
            raise self._failed(order)
        return order

    def _failed(self, order: dict[str, Any]) -> VendorError:
        message = order.get("errorMessage") or f"order {order.get('transactionId')} failed"
        return VendorConflict(message, vendor=self.vendor, body=order)

    # -- mapping -------------------------------------------------------------------------------

    def _tenant_path(self, external_id: str) -> str:
        return f"{API_PREFIX}/tenants/{quote(external_id, safe='')}"

    def _subscription(self, external_id: str) -> dict[str, Any]:
        subscription: dict[str, Any] = self.call(
            "GET", f"{self._tenant_path(external_id)}/subscription"
        )
        return subscription

    def _subscription_of(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """The tenant's subscription; Lookout shows only those created through the partner API."""
        try:
            return self._subscription(item["externalPartnerId"])
        except VendorNotFound:
            return None

    def _tenant(self, item: dict[str, Any], subscription: dict[str, Any] | None) -> VendorTenant:
        external_id = item["externalPartnerId"]
        state = item.get("state") or ""
        subscriptions: tuple[VendorSubscription, ...] = ()
        if subscription is not None:
            subscriptions = (
                self._vendor_subscription(
                    external_id, state, subscription, used=license_used(item.get("licenseUsage"))
                ),
            )
        return VendorTenant(
            external_id=external_id,
            name=item.get("name") or item.get("companyName") or "",
            status=STATUS_MAP.get(state, TenantStatus.UNKNOWN),
            reference=external_id,
            subscriptions=subscriptions,
            raw={**item, "subscription": subscription},
        )

    def _vendor_subscription(
        self, external_id: str, state: str, sub: dict[str, Any], *, used: int | None = None
    ) -> VendorSubscription:
        sku = sub.get("skus") or ""
        term_type = sub.get("termType") or ""
        is_trial = term_type == TermType.TRIAL
        renewal = _date(sub.get("renewalDate"))
        auto_renew = sub.get("autoRenewState")
        return VendorSubscription(
            external_id=external_id,
            product_code=sku,
            product_name=str(enums.SKUS.get(sku, {}).get("name", sku)),
            status=SUBSCRIPTION_STATUS_MAP.get(state, SubscriptionStatus.UNKNOWN),
            seats=sub.get("seatTotal"),
            seats_used=used,
            term=f"{sub.get('termLength')} {term_type}".strip() if term_type else "",
            auto_renew=None if auto_renew is None else auto_renew == AutoRenewState.ENABLED,
            is_trial=is_trial,
            trial_ends=renewal if is_trial else None,
            starts=_date(sub.get("implementationDate")),
            ends=renewal,
            raw=sub,
        )
