"""GravityZone answers to portal values: licence entries, statuses, dates, add-on flags.

Pure functions over decoded JSON, so every reading the documents leave open is handled in one
place (docs/vendors/bitdefender.md, "Variants").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vendors.errors import VendorBadRequest, VendorUnexpectedAnswer
from vendors.types import Metric, SubscriptionStatus, TenantStatus

VENDOR = "bitdefender"
PARTNER, CUSTOMER = 0, 1
COMPANY_TYPES = {"customer": CUSTOMER, "partner": PARTNER}
MONTHLY_SUBSCRIPTION = 3
#: Trials per company type: a customer gets a monthly subscription trial (type 5), an MSP a
#: monthly licence trial (type 4) (guide lines 3-18; CONTRACTS 2, licenseSubscription.type).
TRIAL_TYPE = {CUSTOMER: 5, PARTNER: 4}
#: licenseSubscription types that take reservedSlots and the add-on flags (CONTRACTS 2).
MONTHLY_TYPES = frozenset({3, 5})
REFERENCE_PREFIX = "portal-ref:"

BASE_PRODUCT_CODE = "endpointSecurity"
BASE_PRODUCT_NAME = "Cloud Security for MSP - Endpoint Security"
EDR = "manageEventCorrelator"
EDR_REQUIRES = ("manageSandboxAnalyzer", "manageHyperDetect")
#: Add-on products are the licence flags that switch them on (guide lines 26-32).
ADDON_NAMES: dict[str, str] = {
    "manageExchange": "Security for Exchange",
    "manageEncryption": "Full Disk Encryption",
    "manageRemoteEnginesScanning": "Security for Virtualized Environments",
    "manageHyperDetect": "HyperDetect (Advanced Threat Security)",
    "manageSandboxAnalyzer": "Sandbox Analyzer (Advanced Threat Security)",
    "managePatchManagement": "Patch Management",
    EDR: "Endpoint Detection and Response (EDR)",
}

# licenseSubscription.type -> status while not suspended and not ended (CONTRACTS 2).
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

#: getMonthlyUsage field -> our metric (CONTRACTS 2). Other fields stay in ``raw`` only.
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


def unexpected(what: str, answer: Any) -> VendorUnexpectedAnswer:
    body = answer if isinstance(answer, dict) else {"result": answer}
    return VendorUnexpectedAnswer(
        f"{what}: an answer of a shape no document describes", vendor=VENDOR, body=body
    )


def main_licence(answer: Any) -> dict[str, Any] | None:
    """The Endpoint Security licence out of getLicenseInfo, with every add-on flag on it.

    The document answers an array of licence entries (CONTRACTS 2, getLicenseInfo): the main
    one is the entry that is not ``isAddon`` (Endpoint Security, ``assignedProductType`` 0,
    when several products come back). An add-on switch is on when the main entry or one of the
    add-on entries carries it. A single object is read as a one-entry array. None: no licence.
    """
    entries = [answer] if isinstance(answer, dict) else answer
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise unexpected("getLicenseInfo", answer)
    products = [e for e in entries if not e.get("isAddon")]
    if not products:
        return None
    main = next((e for e in products if e.get("assignedProductType") in (0, None)), products[0])
    carriers = [main, *(e for e in entries if e.get("isAddon"))]
    return {**main, **{f: any(e.get(f) is True for e in carriers) for f in ADDON_NAMES}}


def addon_flags(addons: tuple[str, ...]) -> dict[str, bool]:
    """The full flag set for ``addons`` (product codes are the flag names); EDR brings its two."""
    unknown = sorted(set(addons) - set(ADDON_NAMES))
    if unknown:
        raise VendorBadRequest(
            f"Unknown add-on(s) {', '.join(unknown)}; known: {', '.join(ADDON_NAMES)}.",
            vendor=VENDOR,
            field_errors={"addons": [f"unknown: {', '.join(unknown)}"]},
        )
    wanted = set(addons)
    if EDR in wanted:
        wanted.update(EDR_REQUIRES)
    return {flag: flag in wanted for flag in ADDON_NAMES}


def current_flags(licence: dict[str, Any]) -> dict[str, bool]:
    return {f: licence.get(f) is True for f in ADDON_NAMES}


def reference_of(company: dict[str, Any]) -> str:
    address = company.get("address") or ""
    if not isinstance(address, str) or not address.startswith(REFERENCE_PREFIX):
        return ""
    return address[len(REFERENCE_PREFIX) :]


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def parse_day(value: Any) -> dt.date | None:
    """A date or ISO date-time (any zone suffix) as its UTC calendar day; None when unset."""
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


def tenant_status(company: dict[str, Any], licence: dict[str, Any] | None) -> TenantStatus:
    if licence is not None and licence_ended(licence):
        return TenantStatus.CANCELLED
    if company.get("isSuspended") is True:
        return TenantStatus.SUSPENDED
    if licence is None:
        return TenantStatus.UNKNOWN
    kind: Any = licence.get("subscriptionType")  # an int in the documents, or absent
    return LICENCE_TENANT_STATUS.get(kind, TenantStatus.UNKNOWN)


def subscription_status(company: dict[str, Any], licence: dict[str, Any]) -> SubscriptionStatus:
    kind: Any = licence.get("subscriptionType")  # an int in the documents, or absent
    expires = parse_day(licence.get("expiryDate"))
    if licence_ended(licence):
        return SubscriptionStatus.CANCELLED
    if kind in TRIAL_LICENCES and expires is not None and expires < utc_today():
        return SubscriptionStatus.EXPIRED
    if company.get("isSuspended") is True:
        return SubscriptionStatus.SUSPENDED
    return LICENCE_SUBSCRIPTION_STATUS.get(kind, SubscriptionStatus.UNKNOWN)


def seats_of(licence: dict[str, Any]) -> int | None:
    """totalSlots = reserved seats; 0 or none means the shared pool (usage billing): None."""
    slots = licence.get("totalSlots")
    return slots if isinstance(slots, int) and not isinstance(slots, bool) and slots > 0 else None
