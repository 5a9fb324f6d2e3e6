"""In-memory state of the Egnyte MSP sandbox: plans, Connect domains, Protect tenants, webhooks.

No HTTP here (see ``routes.py`` for the API and ``delivery.py`` for webhook deliveries). Every
public method takes ``self.lock``; the routes call them and turn ``EgnyteError`` into answers.
Records are rendered in the API's own field names so the routes only paginate and serialize.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from vendors.sandbox import seeding

from ..ids import DOMAIN, PROTECT, domain_id, protect_id, split_id
from ..webhooks import EVENT_TYPES
from .errors import Conflict, EgnyteError, NotFound, ValidationError

TRIAL_DAYS = 15
#: Webhooks per clientId+NFR domain (the docs say "limited" without a number: assumption).
WEBHOOK_LIMIT = 5
#: Egnyte domain names: lowercase letters, digits and inner hyphens, at most 50 characters.
DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
REGIONS = ("us", "eu", "uk", "ca", "au")
SUSPENDED_STATUSES = ("on hold", "locked", "reseller manual locked", "cc declined")
#: Test-facing status words (set_tenant_status) -> the raw Egnyte status they set.
STATUS_WORDS = {
    "active": "active",
    "trial": "trial",
    "suspended": "on hold",
    "cancelled": "cancelled",
}
#: Names registered by other Egnyte customers: a trial on them answers 409 domain_taken.
RESERVED_DOMAINS = frozenset({"acme", "demo", "egnyte", "test", "www"})
PACKAGES = (
    {"name": "advanced_security", "title": "Advanced Security", "category": "security"},
    {"name": "storage_sync", "title": "Storage Sync", "category": "hybrid"},
    {"name": "extra_storage_1tb", "title": "Extra Storage 1 TB", "category": "storage"},
)
SOURCES = (
    {"name": "sharepoint", "title": "SharePoint Online", "category": "repository"},
    {"name": "onedrive", "title": "OneDrive", "category": "repository"},
)


def month_key(day: dt.date) -> str:
    return day.strftime("%Y-%m")


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


@dataclass(slots=True)
class Plan:
    plan_id: int
    name: str
    kind: str  # DOMAIN (a Connect plan) or PROTECT
    price: Decimal  # Connect: per power user and month; Protect: monthly base per tenant
    pool: int = 0  # power users purchased for the plan (maxPlanPuLicences)
    storage: int = 0  # GB of the plan (maxPlanStorage)
    cup_included: int = 0  # Protect: content under protection included per tenant, GB


@dataclass(slots=True)
class Domain:
    domain: str
    plan_id: int
    status: str
    created_on: dt.datetime
    subscription_date: dt.date | None
    power_users: int
    power_used: int
    standard_users: int
    standard_used: int
    storage_allocated: int
    storage_used: int
    region: str = "us"
    admin: dict[str, str] = field(default_factory=dict)
    features: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, dict[str, int]] = field(default_factory=dict)

    def figures(self) -> dict[str, int]:
        return {
            "availablePuLicences": self.power_users,
            "usedPuLicences": self.power_used,
            "availableSuLicences": self.standard_users,
            "usedSuLicences": self.standard_used,
            "allocatedStorage": self.storage_allocated,
            "usedStorage": self.storage_used,
        }


@dataclass(slots=True)
class ProtectTenant:
    tenant: str
    domain: str
    plan_id: int
    status: str
    created_on: dt.datetime
    subscription_date: dt.date | None
    cup_used: int
    cup_included: int
    history: dict[str, dict[str, int]] = field(default_factory=dict)

    def figures(self) -> dict[str, int]:
        return {"cupUsed": self.cup_used, "cupIncluded": self.cup_included}


@dataclass(slots=True)
class Webhook:
    webhook_id: str
    webhook_url: str
    event_types: list[str]
    auth_header: str
    auth_header_value: str
    status: str = "enabled"
    failures: int = 0  # consecutive failed delivery attempts

    def record(self, detail: bool = True) -> dict[str, Any]:
        if not detail:
            return {"webhook_id": self.webhook_id, "status": self.status}
        return {
            "webhook_id": self.webhook_id,
            "webhook_url": self.webhook_url,
            "event_types": list(self.event_types),
            "auth_header": self.auth_header,
            "auth_header_value": self.auth_header_value,
            "status": self.status,
        }


@dataclass(frozen=True)
class Delivery:
    """One event to POST to one webhook (handed to the delivery worker, outside the lock)."""

    webhook_id: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]


def default_plans() -> list[Plan]:
    return [
        Plan(1, "Platform Enterprise", DOMAIN, Decimal("20.00"), storage=10000),
        Plan(2, "Business", DOMAIN, Decimal("12.00"), storage=5000),
        Plan(3, "Enterprise Lite", DOMAIN, Decimal("15.00"), storage=8000),
        Plan(20202, "Protect", PROTECT, Decimal("400.99"), cup_included=500),
    ]


class EgnyteState:
    def __init__(self, lock: threading.RLock | None = None, rng_seed: int = 0) -> None:
        self.lock = lock or threading.RLock()
        self.rng = random.Random(rng_seed)
        self.plans: dict[int, Plan] = {p.plan_id: p for p in default_plans()}
        self.domains: dict[str, Domain] = {}  # insertion order = creation order = list order
        self.tenants: dict[str, ProtectTenant] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.reserved: set[str] = set(RESERVED_DOMAINS)
        self.cup_purchased = 10000
        self.reseller = {
            "reseller_code": "RSL7781",
            "first_name": "Morgan",
            "last_name": "Reyes",
            "email": "morgan.reyes@distributor.example",
            "company_name": "Channel Distributor MSP",
        }
        #: Set by the routes: receives the deliveries an event causes (must not block).
        self.deliver: Callable[[Delivery], None] | None = None

    # -- seeding --------------------------------------------------------------------------------

    def seed(self, count: int, seed: int = 0, today: dt.date | None = None) -> None:
        """``count`` customers: 4 in 5 are Connect domains, 1 in 5 a Protect tenant."""
        rng = random.Random(seed)
        today = today or dt.date.today()
        months = seeding.last_months(12, today)
        connect = [p for p in self.plans.values() if p.kind == DOMAIN]
        protect = next(p for p in self.plans.values() if p.kind == PROTECT)
        with self.lock:
            for index in range(count):
                name = seeding.company_name(rng, index)
                slug = re.sub(r"[^a-z0-9]", "", name.lower())[:50]
                status = seeding.weighted_status(rng)
                if status == "suspended":
                    status = rng.choice(SUSPENDED_STATUSES)
                if status == "trial":
                    created = today - dt.timedelta(days=rng.randint(0, TRIAL_DAYS - 1))
                    subscribed = None
                else:
                    created = today - dt.timedelta(days=rng.randint(400, 1500))
                    subscribed = created + dt.timedelta(days=rng.randint(3, TRIAL_DAYS))
                created_on = dt.datetime.combine(created, dt.time(rng.randint(0, 23)))
                if index % 5 == 4:
                    self._seed_protect(
                        rng, protect, name, slug, status, created_on, subscribed, months
                    )
                else:
                    plan = rng.choice(connect)
                    self._seed_domain(rng, plan, name, slug, status, created_on, subscribed, months)
            for plan in connect:  # the MSP bought its pools and storage with some headroom
                plan.pool = self.allocated(plan.plan_id) + 50
                storage = sum(
                    d.storage_allocated for d in self.domains.values() if d.plan_id == plan.plan_id
                )
                plan.storage = max(plan.storage, storage + 5000)

    def _seed_domain(
        self,
        rng: random.Random,
        plan: Plan,
        name: str,
        slug: str,
        status: str,
        created_on: dt.datetime,
        subscribed: dt.date | None,
        months: list[dt.date],
    ) -> None:
        seats = rng.randint(3, 60)
        storage = seats * rng.choice((50, 100, 200))
        person = seeding.contact(rng, name)
        used_series = seeding.usage_series(rng, seats, len(months))
        storage_series = seeding.usage_series(rng, storage, len(months))
        history = {}
        if status != "trial":
            for month, used, gb in zip(months, used_series, storage_series, strict=True):
                used = max(1, min(seats, used))
                history[month_key(month)] = {
                    "availablePuLicences": seats,
                    "usedPuLicences": used,
                    "availableSuLicences": seats * 2,
                    "usedSuLicences": min(seats * 2, used + seats // 2),
                    "allocatedStorage": storage,
                    "usedStorage": min(storage, gb),
                }
        used = max(1, min(seats, used_series[-1]))
        features = [
            {**pkg, "type": "flat", "numPurchased": 1}
            for pkg in PACKAGES
            if status != "trial" and rng.random() < 0.3
        ]
        self.domains[slug] = Domain(
            domain=slug,
            plan_id=plan.plan_id,
            status=status,
            created_on=created_on,
            subscription_date=subscribed,
            power_users=seats,
            power_used=used,
            standard_users=seats * 2,
            standard_used=min(seats * 2, used + seats // 2),
            storage_allocated=storage,
            storage_used=min(storage, storage_series[-1]),
            region=rng.choice(REGIONS),
            admin={
                "username": person["email"],
                "firstName": person["first_name"],
                "lastName": person["last_name"],
            },
            features=features,
            history=history,
        )

    def _seed_protect(
        self,
        rng: random.Random,
        plan: Plan,
        name: str,
        slug: str,
        status: str,
        created_on: dt.datetime,
        subscribed: dt.date | None,
        months: list[dt.date],
    ) -> None:
        included = plan.cup_included * rng.choice((1, 2, 4))
        series = seeding.usage_series(rng, included, len(months))
        history = {}
        if status != "trial":
            history = {
                month_key(m): {"cupUsed": used, "cupIncluded": included}
                for m, used in zip(months, series, strict=True)
            }
        tenant = f"protect{slug}"[:50]
        self.tenants[tenant] = ProtectTenant(
            tenant=tenant,
            domain=slug,
            plan_id=plan.plan_id,
            status=status,
            created_on=created_on,
            subscription_date=subscribed,
            cup_used=series[-1],
            cup_included=included,
            history=history,
        )

    # -- reads ------------------------------------------------------------------------------------

    def allocated(self, plan_id: int) -> int:
        """Power users of a plan's pool allocated to paid domains (trials are free)."""
        return sum(
            d.power_users
            for d in self.domains.values()
            if d.plan_id == plan_id and d.status not in ("trial", "cancelled")
        )

    def plan_record(self, plan: Plan) -> dict[str, Any]:
        record: dict[str, Any] = {"id": plan.plan_id, "planId": plan.plan_id, "planName": plan.name}
        if plan.kind == PROTECT:
            return (
                record
                | self.cup_totals()
                | {
                    "monthlyCost": float(plan.price),
                    "sources": [{**s, "type": "flat", "numPurchased": 0} for s in SOURCES],
                }
            )
        allocated_storage = sum(
            d.storage_allocated for d in self.domains.values() if d.plan_id == plan.plan_id
        )
        return record | {
            "maxPlanPuLicences": plan.pool,
            "maxPlanSuLicences": plan.pool * 2,
            "costPerUser": _money(plan.price),
            "maxPlanStorage": plan.storage,
            "allocatedPlanStorage": allocated_storage,
            "availablePlanStorage": max(0, plan.storage - allocated_storage),
            "features": [],
            "packages": [{**p, "type": "flat", "numPurchased": 0} for p in PACKAGES],
            "sources": [],
        }

    def list_plans(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self.plan_record(p) for p in self.plans.values()]

    def list_domains(self, plan_name: str | None) -> list[Domain]:
        with self.lock:
            return [
                d
                for d in self.domains.values()
                if plan_name is None or self.plans[d.plan_id].name == plan_name
            ]

    def list_tenants(self, plan_name: str | None) -> list[ProtectTenant]:
        with self.lock:
            return [
                t
                for t in self.tenants.values()
                if plan_name is None or self.plans[t.plan_id].name == plan_name
            ]

    def domain_record(self, domain: Domain, month: str | None = None) -> dict[str, Any]:
        """A Domain in API shape (list items and detail share the schema, cost and features)."""
        with self.lock:
            plan = self.plans[domain.plan_id]
            figures = self._figures(domain, month)
            record = {
                "domain": domain.domain,
                "planId": plan.plan_id,
                "planName": plan.name,
                "status": domain.status,
                "createdOn": domain.created_on.isoformat(timespec="seconds"),
                "subscriptionDate": _iso(domain.subscription_date),
                "availablePuLicences": figures["availablePuLicences"],
                "usedPuLicences": figures["usedPuLicences"],
                "unusedPuLicences": figures["availablePuLicences"] - figures["usedPuLicences"],
                "availableSuLicences": figures["availableSuLicences"],
                "usedSuLicences": figures["usedSuLicences"],
                "unusedSuLicences": figures["availableSuLicences"] - figures["usedSuLicences"],
                "availableStorage": plan.storage,
                "usedStorage": figures["usedStorage"],
                "allocatedStorage": figures["allocatedStorage"],
            }
            paid = domain.status not in ("trial", "cancelled")
            cost = plan.price * figures["availablePuLicences"] if paid else Decimal(0)
            record["monthlyCost"] = float(cost)
            record["features"] = [dict(f) for f in domain.features]
            record["sources"] = []
            if month:
                record["month"] = month
            return record

    def cup_totals(self) -> dict[str, int]:
        """The MSP-wide content-under-protection figures every tenant record repeats."""
        included = sum(t.cup_included for t in self.tenants.values())
        used = sum(t.cup_used for t in self.tenants.values())
        available = self.cup_purchased + included
        return {
            "totalCupPurchased": self.cup_purchased,
            "totalCupIncluded": included,
            "totalCupAvailable": available,
            "totalCupUsed": used,
            "totalCupUnused": max(0, available - used),
        }

    def tenant_record(
        self,
        tenant: ProtectTenant,
        month: str | None = None,
        totals: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """A Protect Tenant in API shape; ``totals`` are the MSP-wide CUP figures (one sum per page)."""
        with self.lock:
            plan = self.plans[tenant.plan_id]
            figures = self._figures(tenant, month)
            record: dict[str, Any] = {
                "tenant": tenant.tenant,
                "domain": tenant.domain,
                "planId": plan.plan_id,
                "planName": plan.name,
                "createdOn": tenant.created_on.isoformat(timespec="seconds"),
                "subscriptionDate": _iso(tenant.subscription_date),
                "status": tenant.status,
                "cupUsed": figures["cupUsed"],
                "cupIncluded": figures["cupIncluded"],
                **(totals or self.cup_totals()),
            }
            paid = tenant.status not in ("trial", "trial expired", "cancelled")
            record["monthlyCost"] = float(plan.price) if paid else 0.0
            if month:
                record["month"] = month
            return record

    def _figures(self, unit: Domain | ProtectTenant, month: str | None) -> dict[str, int]:
        """Live figures, or those recorded at the close of ``month`` (YYYY-MM)."""
        if month is None or month == month_key(dt.date.today()):
            return unit.figures()
        try:
            return unit.history[month]
        except KeyError:
            raise NotFound(
                f"No usage recorded for this account in {month}.", code="usage_not_found"
            ) from None

    def get_domain(self, name: str) -> Domain:
        with self.lock:
            try:
                return self.domains[name.lower()]
            except KeyError:
                raise NotFound(f"Domain {name} not found.") from None

    def get_tenant(self, name: str) -> ProtectTenant:
        with self.lock:
            try:
                return self.tenants[name.lower()]
            except KeyError:
                raise NotFound(f"Tenant {name} not found.") from None

    def connect_plan(self, plan_id: Any, field_name: str) -> Plan:
        plan = self.plans.get(plan_id) if isinstance(plan_id, int) else None
        if plan is None:
            raise ValidationError({field_name: [f"Unknown plan {plan_id!r}."]})
        if plan.kind != DOMAIN:
            raise ValidationError({field_name: ["Only Connect plans are available here."]})
        return plan

    # -- writes: trials and power users -----------------------------------------------------------

    def create_trial(self, body: Any) -> dict[str, Any]:
        body = _object(body)
        name = body.get("domain")
        errors: dict[str, list[str]] = {}
        if not isinstance(name, str) or not DOMAIN_RE.match(name.lower()):
            errors["domain"] = ["Use 1-50 lowercase letters, digits or inner hyphens."]
        _positive_ints(body, ("powerUsers", "storageGB"), errors)
        if body.get("region") not in REGIONS:
            errors["region"] = [f"One of: {', '.join(REGIONS)}."]
        if errors:
            raise ValidationError(errors)
        name = name.lower()
        with self.lock:
            plan = self.connect_plan(body.get("id"), "id")
            if self._taken(name):
                raise Conflict(
                    "Domain name is already taken.",
                    "domain_taken",
                    suggestions=[
                        s for s in (f"{name[:46]}{n}" for n in range(1, 10)) if not self._taken(s)
                    ][:3],
                )
            now = dt.datetime.now().replace(microsecond=0)
            domain = Domain(
                domain=name,
                plan_id=plan.plan_id,
                status="trial",
                created_on=now,
                subscription_date=None,
                power_users=body["powerUsers"],
                power_used=1,  # the administrator
                standard_users=body["powerUsers"] * 2,
                standard_used=0,
                storage_allocated=body["storageGB"],
                storage_used=0,
                region=body["region"],
                admin={k: str(body.get(k) or "") for k in ("username", "firstName", "lastName")},
            )
            self.domains[name] = domain
            self._emit(
                "RESELLER_CREATED_CONNECT_TRIAL",
                domain_name=name,
                plan_name=plan.name,
                power_users=domain.power_users,
                storage=domain.storage_allocated,
            )
            return {
                "domain": name,
                "domainUrl": f"https://{name}.egnyte.com",
                "trialStart": now.date().isoformat(),
                "trialEnd": (now.date() + dt.timedelta(days=TRIAL_DAYS)).isoformat(),
                "powerUsers": domain.power_users,
                "storageGB": domain.storage_allocated,
            }

    def _taken(self, name: str) -> bool:
        return (
            name in self.domains
            or name in self.reserved
            or any(t.domain == name for t in self.tenants.values())
        )

    def activate_trial(self, name: str, body: Any) -> dict[str, Any]:
        body = _object(body)
        errors: dict[str, list[str]] = {}
        _positive_ints(body, ("powerUsers", "storageGB"), errors)
        if errors:
            raise ValidationError(errors)
        with self.lock:
            domain = self.get_domain(name)
            plan = self.connect_plan(body.get("planId"), "planId")
            if domain.status != "trial":
                raise Conflict(f"Domain {domain.domain} is not a trial.", "not_a_trial")
            if body["powerUsers"] < domain.power_used:
                errors["powerUsers"] = [f"At least the {domain.power_used} power users in use."]
            if body["storageGB"] < domain.storage_used:
                errors["storageGB"] = [f"At least the {domain.storage_used} GB in use."]
            if errors:
                raise ValidationError(errors)
            self._check_pool(plan, body["powerUsers"])
            domain.plan_id = plan.plan_id
            domain.status = "active"
            domain.subscription_date = dt.date.today()
            domain.power_users = body["powerUsers"]
            domain.standard_users = body["powerUsers"] * 2
            domain.storage_allocated = body["storageGB"]
            self._emit(
                "RESELLER_CONVERTED_CONNECT_TRIAL_TO_PAID",
                domain_name=domain.domain,
                plan_name=plan.name,
                power_users=domain.power_users,
                storage=domain.storage_allocated,
            )
            return {
                "domain": domain.domain,
                "domainUrl": f"https://{domain.domain}.egnyte.com",
                "activationDate": domain.subscription_date.isoformat(),
            }

    def _check_pool(self, plan: Plan, extra: int) -> None:
        available = plan.pool - self.allocated(plan.plan_id)
        if extra > available:
            raise Conflict(
                f"Not enough power users in the {plan.name} pool: {available} available, "
                f"{extra} needed. Purchase more first.",
                "insufficient_power_users",
                required=extra,
                available=available,
            )

    def allocate(self, name: str, body: Any) -> tuple[dict[str, Any], bool]:
        """Set a domain's power users (absolute); returns the answer and whether it changed."""
        body = _object(body)
        errors: dict[str, list[str]] = {}
        _positive_ints(body, ("powerUsers",), errors)
        if errors:
            raise ValidationError(errors)
        with self.lock:
            domain = self.get_domain(name)
            plan = self.plans[domain.plan_id]
            if domain.status in ("trial", "cancelled"):
                raise Conflict(
                    f"Power users cannot be allocated to a {domain.status} domain.",
                    "invalid_domain_status",
                )
            new = body["powerUsers"]
            if new < domain.power_used:
                raise ValidationError(
                    {"powerUsers": [f"At least the {domain.power_used} power users in use."]}
                )
            previous = domain.power_users
            if new > previous:
                self._check_pool(plan, new - previous)
            changed = new != previous
            if changed:
                domain.power_users = new
                domain.standard_users = new * 2
                self._emit(
                    "RESELLER_MRR_CHANGED",
                    domain_name=domain.domain,
                    plan_name=plan.name,
                    previous_power_users=previous,
                    power_users=new,
                    previous_mrr=_money(plan.price * previous),
                    mrr=_money(plan.price * new),
                )
            answer = {
                "domain": domain.domain,
                "previousPowerUsers": previous,
                "newPowerUsers": new,
                "poolAvailableAfter": plan.pool - self.allocated(plan.plan_id),
            }
            return answer, changed

    def quote(self, plan_id: int, body: Any, purchase: bool = False) -> tuple[dict[str, Any], bool]:
        """Price (and with ``purchase`` buy) a plan pool of ``powerUsers`` (absolute)."""
        body = _object(body)
        errors: dict[str, list[str]] = {}
        _positive_ints(body, ("powerUsers",), errors)
        if errors:
            raise ValidationError(errors)
        with self.lock:
            if plan_id not in self.plans:
                raise NotFound(f"Plan {plan_id} not found.")
            plan = self.connect_plan(plan_id, "planId")
            new, previous = body["powerUsers"], plan.pool
            if new < previous:
                raise ValidationError(
                    {
                        "powerUsers": [
                            f"The pool already has {previous}; reduce it in the Reseller Portal."
                        ]
                    }
                )
            today = dt.date.today()
            days = calendar.monthrange(today.year, today.month)[1]
            days_left = days - today.day + 1
            delta_monthly = plan.price * (new - previous)
            answer = {
                "previousPowerUsers": previous,
                "newPowerUsers": new,
                "deltaPowerUsers": new - previous,
                "deltaMonthly": _money(delta_monthly),
                "proratedCost": _money(delta_monthly * days_left / days),
                "proratedDaysLeft": days_left,
                "proratedMonthsLeft": 0,
            }
            changed = purchase and new != previous
            if changed:
                plan.pool = new
                self._emit(
                    "RESELLER_UPSELL_INVOICE_GENERATED",
                    plan_name=plan.name,
                    previous_power_users=previous,
                    power_users=new,
                    amount=answer["proratedCost"],
                )
            return answer, changed

    # -- writes: webhooks ---------------------------------------------------------------------------

    def list_webhooks(self) -> list[dict[str, Any]]:
        with self.lock:
            return [w.record(detail=False) for w in self.webhooks.values()]

    def get_webhook(self, webhook_id: str) -> Webhook:
        with self.lock:
            try:
                return self.webhooks[webhook_id]
            except KeyError:
                raise NotFound(f"Webhook {webhook_id} not found.") from None

    def register_webhook(self, body: Any) -> Webhook:
        fields = _webhook_fields(body)
        with self.lock:
            if len(self.webhooks) >= WEBHOOK_LIMIT:
                raise Conflict("Max webhook limit exceeded.", "webhook_limit_exceeded_error")
            webhook_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            hook = Webhook(webhook_id=webhook_id, **fields)
            self.webhooks[webhook_id] = hook
            return hook

    def update_webhook(self, webhook_id: str, body: Any) -> tuple[Webhook, bool]:
        """Full replace; re-enables a disabled webhook (assumption: updating is how you revive it).

        Returns the webhook and whether anything changed (an identical PUT is a no-op).
        """
        fields = _webhook_fields(body)
        with self.lock:
            hook = self.get_webhook(webhook_id)
            before = hook.record()
            for key, value in fields.items():
                setattr(hook, key, value)
            hook.status, hook.failures = "enabled", 0
            return hook, hook.record() != before

    def delete_webhook(self, webhook_id: str) -> None:
        with self.lock:
            self.get_webhook(webhook_id)
            del self.webhooks[webhook_id]

    def delivery_result(self, webhook_id: str, ok: bool, disable_after: int) -> bool:
        """Count one delivery attempt; returns False once the webhook is (or gets) disabled."""
        with self.lock:
            hook = self.webhooks.get(webhook_id)
            if hook is None or hook.status != "enabled":
                return False
            if ok:
                hook.failures = 0
                return True
            hook.failures += 1
            if hook.failures >= disable_after:
                hook.status = "disabled"
                return False
            return True

    def _emit(self, event_type: str, **detail: Any) -> None:
        """Queue the event for every enabled webhook subscribed to it (caller holds the lock)."""
        if self.deliver is None:
            return
        body = {
            "event_type": event_type,
            **self.reseller,
            "transaction_timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "event_created_by": self.reseller["email"],
            "is_event_by_staff_user": False,
            **detail,
        }
        for hook in self.webhooks.values():
            if hook.status == "enabled" and event_type in hook.event_types:
                headers = {hook.auth_header: hook.auth_header_value}
                self.deliver(Delivery(hook.webhook_id, hook.webhook_url, headers, dict(body)))

    # -- test-facing mutations: "the vendor changed something behind our back" ---------------------

    def unit(self, external_id: str) -> Domain | ProtectTenant:
        kind, name = split_id(external_id)
        return self.get_domain(name) if kind == DOMAIN else self.get_tenant(name)

    def set_tenant_status(self, external_id: str, status: str) -> None:
        with self.lock:
            self.unit(external_id).status = STATUS_WORDS[status]

    def set_seats(self, external_id: str, seats: int) -> None:
        with self.lock:
            unit = self.unit(external_id)
            if not isinstance(unit, Domain):
                raise ValueError("Protect tenants have no seats (content under protection)")
            unit.power_users = seats
            unit.power_used = min(unit.power_used, seats)
            unit.standard_users = seats * 2

    def remove_tenant(self, external_id: str) -> None:
        with self.lock:
            kind, name = split_id(external_id)
            (self.domains if kind == DOMAIN else self.tenants).pop(name)

    def set_usage(self, external_id: str, period: dt.date | str, values: dict[str, int]) -> None:
        """Overwrite figures (API field names, e.g. ``usedPuLicences``) for one month.

        ``period`` may be an ISO date string: the control endpoint passes JSON arguments.
        """
        if isinstance(period, str):
            period = dt.date.fromisoformat(period)
        with self.lock:
            unit = self.unit(external_id)
            key = month_key(period)
            if key == month_key(dt.date.today()):
                for name, value in values.items():
                    setattr(unit, _LIVE_FIELDS[name], value)
            else:
                unit.history.setdefault(key, unit.figures()).update(values)

    def reserve_domain(self, name: str) -> None:
        """Make a domain name taken by another Egnyte customer."""
        with self.lock:
            self.reserved.add(name)

    # -- snapshot -----------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            totals = self.cup_totals()
            tenants = [
                self._unit_snapshot(domain_id(d.domain), d, self.domain_record(d))
                for d in self.domains.values()
            ]
            tenants += [
                self._unit_snapshot(protect_id(t.tenant), t, self.tenant_record(t, None, totals))
                for t in self.tenants.values()
            ]
            return {
                "tenants": tenants,
                "products": self.list_plans(),
                "webhooks": [w.record() | {"failures": w.failures} for w in self.webhooks.values()],
            }

    def _unit_snapshot(
        self, external_id: str, unit: Domain | ProtectTenant, record: dict[str, Any]
    ) -> dict[str, Any]:
        plan = self.plans[unit.plan_id]
        return {
            "external_id": external_id,
            "kind": DOMAIN if isinstance(unit, Domain) else PROTECT,
            # The vendor keeps no company name: a domain (or Protect tenant) is its own name.
            "name": unit.domain if isinstance(unit, Domain) else unit.tenant,
            "status": unit.status,
            "record": record,
            "usage": {month: dict(values) for month, values in unit.history.items()},
            "subscriptions": [
                {
                    "external_id": external_id,
                    "product_code": str(plan.plan_id),
                    "product_name": plan.name,
                    "status": unit.status,
                    "seats": unit.power_users if isinstance(unit, Domain) else None,
                    "seats_used": unit.power_used if isinstance(unit, Domain) else None,
                    "addons": [f["name"] for f in unit.features]
                    if isinstance(unit, Domain)
                    else [],
                }
            ],
        }


_LIVE_FIELDS = {
    "availablePuLicences": "power_users",
    "usedPuLicences": "power_used",
    "availableSuLicences": "standard_users",
    "usedSuLicences": "standard_used",
    "allocatedStorage": "storage_allocated",
    "usedStorage": "storage_used",
    "cupUsed": "cup_used",
    "cupIncluded": "cup_included",
}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise EgnyteError("Expected a JSON object.", code="parse_error")
    return body


def _positive_ints(
    body: dict[str, Any], names: tuple[str, ...], errors: dict[str, list[str]]
) -> None:
    for name in names:
        value = body.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors[name] = ["A positive integer is required."]


def _webhook_fields(body: Any) -> dict[str, Any]:
    """Validate a webhook body; the docs use both ``eventTypes`` and ``event_types``, accept both."""
    body = _object(body)
    errors: dict[str, list[str]] = {}
    url = body.get("webhook_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        errors["webhook_url"] = ["An absolute http(s) URL is required."]
    events = body.get("eventTypes", body.get("event_types"))
    if not isinstance(events, list) or not events:
        errors["eventTypes"] = ["A non-empty list of event types is required."]
    elif unknown := [e for e in events if e not in EVENT_TYPES]:
        errors["eventTypes"] = [f"Unknown event type {unknown[0]!r}."]
    for name in ("auth_header", "auth_header_value"):
        if not isinstance(body.get(name), str) or not body[name]:
            errors[name] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    return {
        "webhook_url": url,
        "event_types": list(dict.fromkeys(events)),
        "auth_header": body["auth_header"],
        "auth_header_value": body["auth_header_value"],
    }
