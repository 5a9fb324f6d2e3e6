"""In-memory Lookout partner account: tenants, orgs, orders, tokens, usage history. No HTTP.

Every public method expects the caller to hold ``self.lock`` (the sandbox's lock): the routes
take it once per request, so one request sees and changes a consistent state.

Orders are processed "asynchronously" the way the partner API describes them (OrderStatus with
an ``orderState`` to poll): an accepted order's change is applied at once (that is when it is
marked in the journal), but the order reports PENDING/IN_PROGRESS until it was polled
``order_polls_to_complete`` times and ``order_delay_seconds`` passed; only then does a new
tenant leave the PENDING state.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from random import Random
from typing import Any, Literal, overload

from vendors.lookout import enums
from vendors.lookout.enums import AutoRenewState, EntityState, OrderState, OrderType, TermType
from vendors.sandbox import seeding

from .errors import BadRequest, NotFound, Unauthorized

APPLICATION_KEY = "lookout-sandbox-partner-cp-key-0f3a9c1e7b2d4a68"
WRONG_APPLICATION_KEY = "lookout-sandbox-partner-cp-key-revoked-00000000"

STATUS_FROM_TEST = {
    "active": EntityState.ACTIVE,
    "trial": EntityState.TRIAL,
    "suspended": EntityState.SUSPENDED,
    "cancelled": EntityState.CANCELLED,
}
#: set_usage accepts vendor field names and the portal's metric names.
USAGE_FIELD_ALIASES = {"seats_purchased": "licensesPurchased", "seats_used": "licensesUsed"}
PROTECTIONS = ("APP", "NET", "PHISH", "DEVICE", "OS")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def month_key(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def term_end(start: dt.datetime, term_type: str, length: int) -> dt.datetime:
    if term_type == TermType.TRIAL:
        return start + dt.timedelta(days=length)
    months = length * (12 if term_type == TermType.YEAR else 1)
    year, month = divmod(start.month - 1 + months, 12)
    return start.replace(year=start.year + year, month=month + 1, day=min(start.day, 28))


@dataclass
class Tenant:
    external_partner_id: str
    guid: str
    company_name: str
    state: str
    contact: dict[str, str]
    sku: str
    seat_total: int
    term_type: str
    term_length: int
    auto_renew: str
    created_at: dt.datetime
    implementation_date: dt.datetime | None
    renewal_date: dt.datetime | None
    licenses_used: int = 0
    external_org_id: str = ""
    country: str = ""
    region: str = enums.MesRegion.US
    commercial_partner_name: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    #: "YYYY-MM" -> {"licensesPurchased": n, "licensesUsed": n}, months before the current one
    usage: dict[str, dict[str, int]] = field(default_factory=dict)
    orders: list[str] = field(default_factory=list)

    def license_usage(self) -> str:
        return f"{self.licenses_used}/{self.seat_total}"

    def details(self) -> dict[str, Any]:
        """TenantDetails, the list item of GET /tenants."""
        return {
            "name": self.company_name,
            "externalPartnerId": self.external_partner_id,
            "skus": self.sku,
            "licenseUsage": self.license_usage(),
            "billingDate": self.renewal_date.date().isoformat() if self.renewal_date else None,
            "state": self.state,
            "guid": self.guid,
        }

    def detail(self) -> dict[str, Any]:
        """GET /tenants/{id}: TenantDetails plus the Tenant, Admin and ManagedOrder fields."""
        return {
            **self.details(),
            "companyName": self.company_name,
            "country": self.country,
            "region": self.region,
            "contactEmail": self.contact["email"],
            "contactFirstName": self.contact["first_name"],
            "contactLastName": self.contact["last_name"],
            "managed": bool(self.external_org_id),
            "externalOrgId": self.external_org_id or None,
            "commercialPartnerName": self.commercial_partner_name or None,
        }

    def subscription(self) -> dict[str, Any]:
        """Subscription: the current subscription overview."""
        return {
            "skus": self.sku,
            "productType": enums.ProductType.MES,
            "termType": self.term_type,
            "termLength": self.term_length,
            "seatTotal": self.seat_total,
            "autoRenewState": self.auto_renew,
            "implementationDate": iso(self.implementation_date),
            "renewalDate": iso(self.renewal_date),
        }


@dataclass
class Org:
    external_org_id: str
    name: str
    seats: int
    default: bool = False
    state: str = EntityState.ACTIVE
    region: str = enums.MesRegion.US

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "externalOrgId": self.external_org_id,
            "seats": self.seats,
            "defaultOrganization": self.default,
            "state": self.state,
            "region": self.region,
        }


@dataclass
class Order:
    transaction_id: str
    external_partner_id: str
    order_type: str
    request: dict[str, Any]
    order_date: dt.datetime
    state: str = OrderState.PENDING
    error_message: str | None = None
    entity_guid: str | None = None
    implementation_date: dt.datetime | None = None
    polls: int = 0
    accepted_at: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        """OrderHeader + OrderBodyResponse + OrderStatus."""
        body = self.request
        data = {
            "transactionId": self.transaction_id,
            "externalPartnerId": self.external_partner_id,
            "orderType": self.order_type,
            "skus": body.get("skus"),
            "termType": body.get("termType"),
            "termLength": body.get("termLength"),
            "seatTotal": body.get("seatTotal"),
            "autoRenewState": body.get("autoRenewState"),
            "orderDate": iso(self.order_date),
            "implementationDate": iso(self.implementation_date),
            "orderState": self.state,
            "errorMessage": self.error_message,
            "lookoutEntityGuid": self.entity_guid,
        }
        return {key: value for key, value in data.items() if value is not None}


@dataclass
class AppKey:
    guid: str
    key_name: str
    key: str
    created_at: dt.datetime
    expires_at: dt.datetime

    def as_dict(self, with_key: bool = False) -> dict[str, Any]:
        data = {
            "guid": self.guid,
            "appl_guid": "management-api",
            "key_name": self.key_name,
            "creator_guid": "partner-api",
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
            "fingerprint": self.key[-8:],
            "fingerprint_algo": "suffix",
            "expires_at": int(self.expires_at.timestamp() * 1000),
            "created_by": "Partner API",
        }
        if with_key:
            data["key"] = self.key
        return data


@overload
def _int(body: dict[str, Any], name: str, *, required: Literal[True], minimum: int = 0) -> int: ...
@overload
def _int(body: dict[str, Any], name: str, *, required: bool, minimum: int = 0) -> int | None: ...
def _int(body: dict[str, Any], name: str, *, required: bool, minimum: int = 0) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{name} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadRequest(f"{name} must be an integer >= {minimum}")
    return value


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    return value


@overload
def _choice(body: dict[str, Any], name: str, allowed: Collection[str], default: str) -> str: ...
@overload
def _choice(
    body: dict[str, Any], name: str, allowed: Collection[str], default: None = None
) -> str | None: ...
def _choice(
    body: dict[str, Any], name: str, allowed: Collection[str], default: str | None = None
) -> str | None:
    value = body.get(name, default)
    if value is None:  # an explicit null reads as the field left out
        value = default
    if value is not None and value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(sorted(allowed))}")
    return value


class LookoutState:
    def __init__(self, lock: threading.RLock | None = None) -> None:
        self.lock = lock or threading.RLock()
        self.tenants: dict[str, Tenant] = {}
        self.orgs: dict[str, Org] = {}
        self.orders: dict[str, Order] = {}
        self.pending: dict[str, Order] = {}
        self.tokens: dict[str, tuple[str, float]] = {}  # access token -> (application key, expiry)
        self.app_keys: dict[tuple[str, str], dict[str, AppKey]] = {}
        self.token_lifetime: float = enums.TOKEN_LIFETIME_SECONDS
        self.order_polls_to_complete = enums.ORDER_POLLS_TO_COMPLETE
        self.order_delay_seconds = enums.ORDER_DELAY_SECONDS

    # -- tokens --------------------------------------------------------------------------------

    def issue_token(self, application_key: str) -> dict[str, Any]:
        if application_key != APPLICATION_KEY:
            raise Unauthorized("invalid application key")
        token = secrets.token_urlsafe(32)
        expires_at = time.time() + self.token_lifetime
        self.tokens[token] = (application_key, expires_at)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_at": int(expires_at * 1000),
            "expires_in": int(self.token_lifetime),
            "scope": "",
        }

    def check_token(self, token: str) -> str:
        """The application key behind a live access token; Unauthorized otherwise."""
        entry = self.tokens.get(token)
        if entry is None:
            raise Unauthorized("Unauthorized: invalid access token")
        if entry[1] <= time.time():
            raise Unauthorized("Unauthorized: access token expired")
        return entry[0]

    def expire_tokens(self) -> None:
        """Make every issued access token expired now (test hook)."""
        self.tokens = {token: (key, 0.0) for token, (key, _) in self.tokens.items()}

    # -- tenants -------------------------------------------------------------------------------

    def tenant(self, external_partner_id: str) -> Tenant:
        self.settle_for(external_partner_id)
        tenant = self.tenants.get(external_partner_id)
        if tenant is None:
            raise NotFound(f"Tenant {external_partner_id} not found")
        return tenant

    def tenant_list(self, org_id: str | None = None) -> list[Tenant]:
        self.settle_all()
        tenants = list(self.tenants.values())
        if org_id is not None:
            tenants = [t for t in tenants if t.external_org_id == org_id]
        return tenants

    def org(self, external_org_id: str) -> Org:
        org = self.orgs.get(external_org_id)
        if org is None:
            raise NotFound(f"Organization {external_org_id} not found")
        return org

    def default_org(self) -> Org:
        for org in self.orgs.values():
            if org.default:
                return org
        raise NotFound("No default organization")

    def set_default_org(self, external_org_id: str) -> Org:
        target = self.org(external_org_id)
        for org in self.orgs.values():
            org.default = org is target
        return target

    def bundle(self, tenant: Tenant, month: str | None) -> dict[str, Any]:
        """TenantDataBundle; ``month`` (YYYY-MM) picks a month's licence figures."""
        data = {**tenant.stats}
        current = month_key(dt.date.today())
        if month is None or month == current:
            figures = tenant.usage.get(current) or {
                "licensesPurchased": tenant.seat_total,
                "licensesUsed": tenant.licenses_used,
            }
        else:
            figures = tenant.usage.get(month, {})
        data.update(figures)
        return data

    def global_data(self) -> dict[str, Any]:
        tenants = self.tenants.values()
        return {
            "appsAnalyzed": sum(t.stats.get("applicationsScanned", 0) for t in tenants),
            "maliciousSitesDetected": sum(t.stats.get("maliciousSitesBlocked", 0) for t in tenants),
            "phishingSitesDetected": sum(t.stats.get("phishingSitesBlocked", 0) for t in tenants),
            "countries": [],
        }

    # -- orders --------------------------------------------------------------------------------

    def order(self, transaction_id: str, *, polled: bool = False) -> Order:
        order = self.orders.get(transaction_id)
        if order is None:
            raise NotFound(f"Order {transaction_id} not found")
        self._settle(order, polled=polled)
        return order

    def tenant_orders(self, external_partner_id: str) -> list[Order]:
        tenant = self.tenant(external_partner_id)
        return [self.orders[tid] for tid in tenant.orders]

    def submit(self, order_type: str, body: Any) -> tuple[Order, bool, list[str]]:
        """Accept an order: (order, new, actions applied). A known transactionId is a replay."""
        if not isinstance(body, dict):
            raise BadRequest("Request body must be a JSON object")
        transaction_id = _text(body, "transactionId")
        external_id = _text(body, "externalPartnerId")
        known = self.orders.get(transaction_id)
        if known is not None:
            if known.order_type != order_type or known.external_partner_id != external_id:
                raise BadRequest(
                    f"transactionId {transaction_id} was already used for another order"
                )
            self._settle(known)
            return known, False, []
        handler = {
            OrderType.CREATE: self._create,
            OrderType.MODIFY: self._modify,
            OrderType.RENEW: self._renew,
            OrderType.CANCEL: self._cancel,
        }[order_type]
        order = Order(transaction_id, external_id, order_type, dict(body), now_utc())
        failure, actions = handler(order, body)
        if failure:
            order.state, order.error_message = OrderState.FAILED, failure
        else:
            self.pending[transaction_id] = order
        self.orders[transaction_id] = order
        if external_id in self.tenants:
            self.tenants[external_id].orders.append(transaction_id)
        return order, True, actions

    def _create(self, order: Order, body: dict[str, Any]) -> tuple[str | None, list[str]]:
        if "companyName" not in body and "name" in body:
            return self._create_org(order, body)
        sku = _choice(body, "skus", enums.SKUS)
        if sku is None:
            raise BadRequest("skus is required")
        seats = _int(body, "seatTotal", required=True, minimum=1)
        term_type = _choice(body, "termType", TermType.ALL, TermType.YEAR)
        default_length = enums.TRIAL_DAYS if term_type == TermType.TRIAL else 1
        term_length = _int(body, "termLength", required=False, minimum=1) or default_length
        auto_renew = _choice(
            body, "autoRenewState", {AutoRenewState.ENABLED, AutoRenewState.DISABLED}, "ENABLED"
        )
        contact = {
            "email": _text(body, "contactEmail"),
            "first_name": _text(body, "contactFirstName"),
            "last_name": _text(body, "contactLastName"),
        }
        company = _text(body, "companyName")
        org_id = ""
        if body.get("managed") in (True, "true"):
            org_id = _text(body, "externalOrgId")
            if org_id not in self.orgs:
                raise BadRequest(f"Unknown externalOrgId {org_id}")
        if order.external_partner_id in self.tenants:
            return f"Tenant {order.external_partner_id} already exists", []
        created = now_utc()
        tenant = Tenant(
            external_partner_id=order.external_partner_id,
            guid=str(uuid.uuid4()),
            company_name=company,
            state=EntityState.PENDING,
            contact=contact,
            sku=sku,
            seat_total=seats,
            term_type=term_type,
            term_length=term_length,
            auto_renew=auto_renew,
            created_at=created,
            implementation_date=None,
            renewal_date=term_end(created, term_type, term_length),
            external_org_id=org_id,
            country=_text(body, "country", required=False),
            region=body.get("region") or enums.MesRegion.US,
            commercial_partner_name=_text(body, "commercialPartnerName", required=False),
            stats=_empty_stats(),
        )
        self.tenants[tenant.external_partner_id] = tenant
        order.entity_guid = tenant.guid
        return None, ["create_tenant"]

    def _create_org(self, order: Order, body: dict[str, Any]) -> tuple[str | None, list[str]]:
        seats = _int(body, "seatTotal", required=True, minimum=0)
        if order.external_partner_id in self.orgs:
            return f"Organization {order.external_partner_id} already exists", []
        org = Org(order.external_partner_id, _text(body, "name"), seats)
        self.orgs[org.external_org_id] = org
        if body.get("defaultOrganization") is True:
            self.set_default_org(org.external_org_id)
        return None, ["create_org"]

    def _existing(self, order: Order) -> Tenant:
        tenant = self.tenants.get(order.external_partner_id)
        if tenant is None:
            raise BadRequest(f"Unknown externalPartnerId {order.external_partner_id}")
        return tenant

    def _modify(self, order: Order, body: dict[str, Any]) -> tuple[str | None, list[str]]:
        tenant = self._existing(order)
        sku = _choice(body, "skus", enums.SKUS)
        if sku is None:
            raise BadRequest("skus is required")
        seats = _int(body, "seatTotal", required=False, minimum=1)
        for name, current in (
            ("termType", tenant.term_type),
            ("termLength", tenant.term_length),
            ("autoRenewState", tenant.auto_renew),
        ):
            if body.get(name) is not None and body[name] != current:
                raise BadRequest(f"{name} cannot change in a modify order; use /orders/renew")
        if tenant.state == EntityState.CANCELLED:
            return f"Tenant {tenant.external_partner_id} is cancelled", []
        return None, self._apply_subscription(tenant, sku, seats)

    def _renew(self, order: Order, body: dict[str, Any]) -> tuple[str | None, list[str]]:
        tenant = self._existing(order)
        sku = _choice(body, "skus", enums.SKUS)
        if sku is None:
            raise BadRequest("skus is required")
        seats = _int(body, "seatTotal", required=False, minimum=1)
        term_type = _choice(body, "termType", TermType.ALL, tenant.term_type)
        term_length = _int(body, "termLength", required=False, minimum=1)
        auto_renew = _choice(
            body,
            "autoRenewState",
            {AutoRenewState.ENABLED, AutoRenewState.DISABLED},
            tenant.auto_renew,
        )
        if tenant.state == EntityState.CANCELLED:
            return f"Tenant {tenant.external_partner_id} is cancelled", []
        actions = self._apply_subscription(tenant, sku, seats)
        if term_length is None:
            term_length = tenant.term_length if term_type == tenant.term_type else 1
        was_trial = tenant.term_type == TermType.TRIAL
        if (term_type, term_length, auto_renew) != (
            tenant.term_type,
            tenant.term_length,
            tenant.auto_renew,
        ):
            start = now_utc()
            tenant.term_type, tenant.term_length, tenant.auto_renew = (
                term_type,
                term_length,
                auto_renew,
            )
            tenant.renewal_date = term_end(start, term_type, term_length)
            if was_trial and term_type != TermType.TRIAL:
                tenant.implementation_date = start
                if tenant.state == EntityState.TRIAL:
                    tenant.state = EntityState.ACTIVE
                actions.append("convert_trial")
            else:
                actions.append("renew")
        return None, actions

    def _cancel(self, order: Order, body: dict[str, Any]) -> tuple[str | None, list[str]]:
        tenant = self._existing(order)
        sku = _choice(body, "skus", enums.SKUS)
        if sku is None:
            raise BadRequest("skus is required")
        if sku != tenant.sku:
            raise BadRequest(f"Tenant {tenant.external_partner_id} has no {sku} subscription")
        if tenant.state == EntityState.CANCELLED:
            return f"Tenant {tenant.external_partner_id} is already cancelled", []
        tenant.state = EntityState.CANCELLED
        tenant.auto_renew = AutoRenewState.DISABLED
        return None, ["cancel"]

    @staticmethod
    def _apply_subscription(tenant: Tenant, sku: str, seats: int | None) -> list[str]:
        actions = []
        if sku != tenant.sku:
            tenant.sku = sku
            actions.append("change_plan")
        if seats is not None and seats != tenant.seat_total:
            tenant.seat_total = seats
            actions.append("change_seats")
        return actions

    def _settle(self, order: Order, *, polled: bool = False) -> None:
        """Move an order on: PENDING -> IN_PROGRESS -> COMPLETED once polled and aged enough."""
        if order.state in OrderState.DONE:
            return
        if polled:
            order.polls += 1
        aged = time.monotonic() - order.accepted_at >= self.order_delay_seconds
        if order.polls >= self.order_polls_to_complete and aged:
            order.state = OrderState.COMPLETED
            order.implementation_date = now_utc()
            self.pending.pop(order.transaction_id, None)
            tenant = self.tenants.get(order.external_partner_id)
            created = order.order_type == OrderType.CREATE
            if created and tenant is not None and tenant.state == EntityState.PENDING:
                trial = tenant.term_type == TermType.TRIAL
                tenant.state = EntityState.TRIAL if trial else EntityState.ACTIVE
                tenant.implementation_date = order.implementation_date
        elif order.polls:
            order.state = OrderState.IN_PROGRESS

    def settle_for(self, external_partner_id: str) -> None:
        for order in list(self.pending.values()):
            if order.external_partner_id == external_partner_id:
                self._settle(order)

    def settle_all(self) -> None:
        for order in list(self.pending.values()):
            self._settle(order)

    # -- management application keys -----------------------------------------------------------

    def owner_exists(self, kind: str, external_id: str) -> None:
        if kind == "tenants":
            self.tenant(external_id)
        else:
            self.org(external_id)

    def app_key_list(self, kind: str, external_id: str) -> list[AppKey]:
        self.owner_exists(kind, external_id)
        return list(self.app_keys.get((kind, external_id), {}).values())

    def app_key(self, kind: str, external_id: str, key_guid: str) -> AppKey:
        self.owner_exists(kind, external_id)
        key = self.app_keys.get((kind, external_id), {}).get(key_guid)
        if key is None:
            raise NotFound(f"Application key {key_guid} not found")
        return key

    def create_app_key(self, kind: str, external_id: str, key_name: str) -> AppKey:
        self.owner_exists(kind, external_id)
        created = now_utc()
        key = AppKey(
            guid=str(uuid.uuid4()),
            key_name=key_name or f"ManagementApi-{int(created.timestamp())}",
            key=secrets.token_urlsafe(48),
            created_at=created,
            expires_at=created + dt.timedelta(days=365),
        )
        self.app_keys.setdefault((kind, external_id), {})[key.guid] = key
        return key

    def delete_app_key(self, kind: str, external_id: str, key_guid: str) -> AppKey:
        key = self.app_key(kind, external_id, key_guid)
        del self.app_keys[(kind, external_id)][key_guid]
        return key

    # -- seeding -------------------------------------------------------------------------------

    def seed(self, count: int, seed: int = 0) -> None:
        """``count`` tenants: one subscription each, a status mix, 12 months of licence usage."""
        rng = Random(seed)
        today = dt.date.today()
        months = [month_key(m) for m in seeding.last_months(12, today)]
        now = now_utc()
        skus = list(enums.SKUS)
        org_count = max(1, count // 25) if count else 0
        for index in range(org_count):
            org_id = f"ORG-{index + 1:04d}"
            self.orgs[org_id] = Org(
                org_id, f"{seeding.company_name(rng, index)} Group", 0, default=index == 0
            )
        org_ids = list(self.orgs)
        for index in range(count):
            name = seeding.company_name(rng, index)
            who = seeding.contact(rng, name)
            status = seeding.weighted_status(rng)
            seats = rng.choice((5, 10, 15, 20, 25, 50, 100, 250))
            trial = status == "trial"
            term_type = TermType.TRIAL if trial else rng.choice((TermType.YEAR, TermType.MONTH))
            term_length = enums.TRIAL_DAYS if trial else rng.choice((1, 1, 2, 3))
            started = now - dt.timedelta(
                days=rng.randint(20, 25) if trial else rng.randint(400, 900)
            )
            external_id = f"LKT-{seed:03d}-{index + 1:05d}"
            org_id = rng.choice(org_ids) if org_ids and rng.random() < 0.25 else ""
            tenant = Tenant(
                external_partner_id=external_id,
                guid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                company_name=name,
                state=STATUS_FROM_TEST[status],
                contact=who,
                sku=rng.choice(skus),
                seat_total=seats,
                term_type=term_type,
                term_length=term_length,
                auto_renew=AutoRenewState.DISABLED
                if status in ("cancelled", "trial")
                else AutoRenewState.ENABLED,
                created_at=started,
                implementation_date=started,
                renewal_date=term_end(now, term_type, 1 if not trial else rng.randint(5, 10)),
                external_org_id=org_id,
                country=rng.choice(("GB", "DE", "FR", "NL", "US", "IT")),
                stats=_stats(rng),
            )
            series = seeding.usage_series(rng, seats, 13)
            tenant.licenses_used = series[-1]
            if not trial:
                tenant.usage = {
                    month: {"licensesPurchased": seats, "licensesUsed": used}
                    for month, used in zip(months, series, strict=False)
                }
            if org_id:
                self.orgs[org_id].seats += seats
            transaction_id = f"seed-{seed}-{index + 1}"
            request = {
                "transactionId": transaction_id,
                "externalPartnerId": external_id,
                "skus": tenant.sku,
                "seatTotal": seats,
                "termType": term_type,
                "termLength": term_length,
            }
            order = Order(transaction_id, external_id, OrderType.CREATE, request, started)
            order.state, order.entity_guid = OrderState.COMPLETED, tenant.guid
            order.implementation_date = started
            self.orders[transaction_id] = order
            tenant.orders.append(transaction_id)
            self.tenants[external_id] = tenant

    # -- test-facing mutations -----------------------------------------------------------------

    def set_tenant_status(self, external_id: str, status: str) -> None:
        self.tenant(external_id).state = STATUS_FROM_TEST[status]

    def set_seats(self, external_id: str, seats: int) -> None:
        self.tenant(external_id).seat_total = seats

    def remove_tenant(self, external_id: str) -> None:
        self.tenant(external_id)
        del self.tenants[external_id]

    def set_usage(self, external_id: str, period: dt.date, values: dict[str, Any]) -> None:
        tenant = self.tenant(external_id)
        month = tenant.usage.setdefault(month_key(period), {})
        for name, value in values.items():
            month[USAGE_FIELD_ALIASES.get(name, name)] = int(value)

    # -- snapshot ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        self.settle_all()
        return {
            "tenants": [
                {
                    **tenant.detail(),
                    "subscriptions": [
                        {"externalPartnerId": tenant.external_partner_id, **tenant.subscription()}
                    ],
                    "licensesUsed": tenant.licenses_used,
                    "usage": tenant.usage,
                }
                for tenant in self.tenants.values()
            ],
            "products": [
                {
                    "skus": code,
                    "name": info["name"],
                    "productType": enums.ProductType.MES,
                    "trial": info["trial"],
                }
                for code, info in enums.SKUS.items()
            ],
            "orgs": [org.as_dict() for org in self.orgs.values()],
            "orders": [order.as_dict() for order in self.orders.values()],
        }


def _empty_stats() -> dict[str, Any]:
    return {
        "adminLogins": 0,
        "lastAdminLogin": None,
        "openIssues": {"high": 0, "medium": 0, "low": 0},
        "resolvedIssues": {"high": 0, "medium": 0, "low": 0},
        "applicationsScanned": 0,
        "maliciousSitesBlocked": 0,
        "phishingSitesBlocked": 0,
        "protections": list(PROTECTIONS[:3]),
        "globalEnrollmentCodeUrl": None,
    }


def _stats(rng: Random) -> dict[str, Any]:
    """Security figures of a seeded tenant (the non-licence fields of the data bundle)."""
    last_login = now_utc() - dt.timedelta(hours=rng.randint(1, 24 * 30))
    return {
        "adminLogins": rng.randint(0, 400),
        "lastAdminLogin": iso(last_login),
        "openIssues": {
            "high": rng.randint(0, 3),
            "medium": rng.randint(0, 8),
            "low": rng.randint(0, 20),
        },
        "resolvedIssues": {
            "high": rng.randint(0, 10),
            "medium": rng.randint(0, 30),
            "low": rng.randint(0, 80),
        },
        "applicationsScanned": rng.randint(50, 5000),
        "maliciousSitesBlocked": rng.randint(0, 200),
        "phishingSitesBlocked": rng.randint(0, 300),
        "protections": list(PROTECTIONS[: rng.randint(2, len(PROTECTIONS))]),
        "globalEnrollmentCodeUrl": f"https://enroll.lookout.example/{rng.getrandbits(64):016x}",
    }
