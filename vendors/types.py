"""Normalized, vendor-neutral types that adapters return and the portal stores.

Every vendor status goes through an explicit mapping table in its adapter; anything not in the
table becomes ``UNKNOWN`` rather than a guess. The vendor payload is always kept in ``raw``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Capability(StrEnum):
    CATALOG = "catalog"
    LIST_TENANTS = "list_tenants"
    CREATE_TENANT = "create_tenant"
    CHANGE_SEATS = "change_seats"
    CHANGE_ADDONS = "change_addons"
    CHANGE_PLAN = "change_plan"
    SUSPEND = "suspend"
    RESUME = "resume"
    CANCEL = "cancel"
    CONVERT_TRIAL = "convert_trial"
    USAGE = "usage"
    WEBHOOKS = "webhooks"


class Support(StrEnum):
    NATIVE = "native"
    EMULATED = "emulated"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class CapabilityInfo:
    """How a vendor supports one capability, with a sentence staff can read when it does not."""

    support: Support
    note: str = ""
    #: Tenant statuses the vendor refuses it for (e.g. Egnyte: no seats on a trial), and why.
    refused_for: frozenset[TenantStatus] = frozenset()
    refused_note: str = ""

    @property
    def available(self) -> bool:
        return self.support is not Support.UNSUPPORTED


def native(
    note: str = "", *, refused_for: frozenset[TenantStatus] = frozenset(), refused_note: str = ""
) -> CapabilityInfo:
    return CapabilityInfo(Support.NATIVE, note, refused_for, refused_note)


def emulated(note: str) -> CapabilityInfo:
    return CapabilityInfo(Support.EMULATED, note)


def unsupported(note: str) -> CapabilityInfo:
    return CapabilityInfo(Support.UNSUPPORTED, note)


class TenantStatus(StrEnum):
    PENDING = "pending"
    TRIAL = "trial"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    MISSING = "missing"  # set by the portal only: not seen in a complete pull
    UNKNOWN = "unknown"


class SubscriptionStatus(StrEnum):
    PENDING = "pending"
    TRIAL = "trial"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    MISSING = "missing"  # set by the portal only
    UNKNOWN = "unknown"


class ProductKind(StrEnum):
    BASE = "base"
    ADDON = "addon"
    BUNDLE = "bundle"


class Metric(StrEnum):
    """The one usage vocabulary; adapters map vendor fields onto it and keep the vendor's name."""

    SEATS_PURCHASED = "seats_purchased"
    SEATS_USED = "seats_used"
    INACTIVE_SEATS = "inactive_seats"
    SHARED_SEATS = "shared_seats"
    ENDPOINTS = "endpoints"
    POWER_USERS = "power_users"
    STANDARD_USERS = "standard_users"
    STORAGE_GB = "storage_gb"
    PROTECTED_BYTES = "protected_bytes"
    WORKLOADS = "workloads"
    EDR_ENDPOINTS = "edr_endpoints"
    ENCRYPTION_ENDPOINTS = "encryption_endpoints"
    ADDON_ENDPOINTS = "addon_endpoints"
    EXCHANGE_MAILBOXES = "exchange_mailboxes"
    EMAIL_SECURITY_MAILBOXES = "email_security_mailboxes"
    ATS_ENDPOINTS = "ats_endpoints"
    PATCH_MANAGEMENT_ENDPOINTS = "patch_management_endpoints"
    VIRTUAL_SERVERS = "virtual_servers"
    VDI_ENDPOINTS = "vdi_endpoints"
    MOBILE_DEVICES = "mobile_devices"
    CONTAINER_HOSTS = "container_hosts"
    OVERAGE_BYTES = "overage_bytes"


METRIC_UNITS: dict[Metric, str] = {
    Metric.SEATS_PURCHASED: "seats",
    Metric.SEATS_USED: "seats",
    Metric.INACTIVE_SEATS: "seats",
    Metric.SHARED_SEATS: "seats",
    Metric.ENDPOINTS: "endpoints",
    Metric.POWER_USERS: "users",
    Metric.STANDARD_USERS: "users",
    Metric.STORAGE_GB: "GB",
    Metric.PROTECTED_BYTES: "bytes",
    Metric.WORKLOADS: "workloads",
    Metric.EDR_ENDPOINTS: "endpoints",
    Metric.ENCRYPTION_ENDPOINTS: "endpoints",
    Metric.ADDON_ENDPOINTS: "endpoints",
    Metric.EXCHANGE_MAILBOXES: "mailboxes",
    Metric.EMAIL_SECURITY_MAILBOXES: "mailboxes",
    Metric.ATS_ENDPOINTS: "endpoints",
    Metric.PATCH_MANAGEMENT_ENDPOINTS: "endpoints",
    Metric.VIRTUAL_SERVERS: "servers",
    Metric.VDI_ENDPOINTS: "endpoints",
    Metric.MOBILE_DEVICES: "devices",
    Metric.CONTAINER_HOSTS: "hosts",
    Metric.OVERAGE_BYTES: "bytes",
}


def month_start(day: dt.date) -> dt.date:
    """Usage periods are calendar months, identified by their first day."""
    return day.replace(day=1)


@dataclass(frozen=True)
class VendorProduct:
    external_id: str
    code: str
    name: str
    kind: ProductKind = ProductKind.BASE
    trial_available: bool = False
    addons: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class VendorSubscription:
    external_id: str
    product_code: str
    status: SubscriptionStatus
    seats: int | None = None
    seats_used: int | None = None
    product_name: str = ""
    term: str = ""
    auto_renew: bool | None = None
    is_trial: bool = False
    trial_ends: dt.date | None = None
    starts: dt.date | None = None
    ends: dt.date | None = None
    addons: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class VendorTenant:
    external_id: str
    name: str
    status: TenantStatus
    reference: str = ""  # our customer reference, when the vendor record carries it
    parent_external_id: str = ""
    subscriptions: tuple[VendorSubscription, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class VendorUsage:
    tenant_external_id: str
    period: dt.date
    metric: Metric
    quantity: Decimal
    vendor_field: str
    unit: str = ""
    subscription_external_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.unit:
            object.__setattr__(self, "unit", METRIC_UNITS[self.metric])


@dataclass(frozen=True)
class Contact:
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class TenantSpec:
    """What the portal asks a vendor to create: one tenant with one subscription."""

    name: str
    reference: str  # our stable customer reference; adapters store it at the vendor where they can
    product_code: str
    seats: int
    contact: Contact
    trial: bool = False
    addons: tuple[str, ...] = ()
    country: str = "GB"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class OptionType(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"


@dataclass(frozen=True)
class CreateOption:
    """A vendor-specific field of a new tenant: declared by the adapter, asked for by the
    portal's provision page and API, validated there, and handed back in ``TenantSpec.extra``."""

    name: str
    label: str
    type: OptionType = OptionType.TEXT
    required: bool = False
    #: (value, label) pairs for ``OptionType.CHOICE``.
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    #: For text: the vendor's documented length limits; for integers: the range.
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True)
class SubscriptionChange:
    """A change to one subscription; ``None`` means leave that part alone, ``addons`` is the full new set."""

    subscription_id: str = ""
    seats: int | None = None
    addons: tuple[str, ...] | None = None
    product_code: str | None = None


@dataclass(frozen=True)
class VendorEvent:
    """One inbound webhook delivery, normalized; ``event_id`` deduplicates repeated deliveries."""

    event_id: str
    event_type: str
    tenant_external_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
