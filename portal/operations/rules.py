"""What may be requested: checks against vendor capabilities, the catalog and the mirror.

Pure reads that return a sentence staff can act on (empty when the request is fine), so the
same rules refuse a single request (services raise ValidationError) and explain the rows a
bulk dry run will skip (selectors list the reason).
"""

from __future__ import annotations

from django.conf import settings

from portal.catalog.models import Product, VendorConnection
from portal.customers.models import Subscription, Tenant
from vendors.registry import DISPLAY_NAMES, get_adapter_class
from vendors.types import ProductKind, SubscriptionStatus, TenantStatus

from .kinds import spec
from .models import OPEN_STATES, Operation, OperationKind

GONE_TENANT = (TenantStatus.CANCELLED, TenantStatus.MISSING)
GONE_SUBSCRIPTION = (
    SubscriptionStatus.CANCELLED,
    SubscriptionStatus.EXPIRED,
    SubscriptionStatus.MISSING,
)


def vendor_name(vendor: str) -> str:
    return DISPLAY_NAMES.get(vendor, vendor)


def kind_label(kind: str) -> str:
    return OperationKind(kind).label.lower()


def capability_problem(connection: VendorConnection, kind: str) -> str:
    """Why this vendor cannot do ``kind`` (the adapter's note), or '' when it can."""
    info = get_adapter_class(connection.vendor).capability(spec(kind).capability)
    if info.available:
        return ""
    name = vendor_name(connection.vendor)
    return f"{name} cannot {kind_label(kind)}: {info.note or 'the vendor does not offer it.'}"


def connection_problem(connection: VendorConnection) -> str:
    if not connection.enabled:
        return f"The connection {connection.name} is disabled; enable it before changing anything."
    return ""


def seats_problem(connection: VendorConnection, seats: object) -> str:
    """Seats are a whole number, at least 1, within what the vendor accepts."""
    if isinstance(seats, bool) or not isinstance(seats, int):
        return f"Seats must be a whole number, not {seats!r}."
    if seats < 1:
        return f"Seats must be at least 1 (got {seats}); to stop the service, cancel instead."
    adapter_class = get_adapter_class(connection.vendor)
    limit = adapter_class.max_seats or settings.OPERATIONS_MAX_SEATS
    if seats > limit:
        return f"{vendor_name(connection.vendor)} accepts at most {limit} seats (got {seats})."
    return ""


def catalog_product(connection: VendorConnection, code: str) -> Product | None:
    return Product.objects.filter(connection=connection, code=code, is_active=True).first()


def product_problem(connection: VendorConnection, code: str, *, trial: bool = False) -> str:
    """The product must be a base product in this connection's mirrored catalog."""
    product = catalog_product(connection, code)
    if product is None:
        return (
            f"Unknown product {code!r}: it is not in the {connection.name} catalog "
            "(sync the catalog if the vendor added it recently)."
        )
    if product.kind == ProductKind.ADDON:
        return f"{product.name} is an add-on; choose a base product."
    if trial and not product.trial_available:
        return f"{product.name} cannot start as a trial at {vendor_name(connection.vendor)}."
    return ""


def addons_problem(connection: VendorConnection, addons: list[str]) -> str:
    known = set(
        Product.objects.filter(
            connection=connection, is_active=True, kind=ProductKind.ADDON
        ).values_list("code", flat=True)
    )
    for product_addons in Product.objects.filter(connection=connection, is_active=True).values_list(
        "addons", flat=True
    ):
        known.update(product_addons or [])
    unknown = sorted(set(addons) - known)
    if unknown:
        return f"Unknown add-on(s) {', '.join(unknown)}: not in the {connection.name} catalog."
    return ""


def open_operation(
    kind: str, *, tenant: Tenant | None = None, customer_id: int | None = None,
    connection: VendorConnection | None = None, subscription: Subscription | None = None,
) -> Operation | None:  # fmt: skip
    """An operation of the same kind on the same target that has not finished yet."""
    ops = Operation.objects.filter(kind=kind, state__in=OPEN_STATES)
    if tenant is not None:
        ops = ops.filter(tenant=tenant)
        if subscription is not None:
            ops = ops.filter(subscription=subscription)
    else:
        # django-stubs types this exact lookup as str | int; Django reads None as IS NULL.
        ops = ops.filter(customer_id=customer_id, connection=connection, tenant__isnull=True)  # type: ignore[misc]
    return ops.order_by("pk").first()


def open_operation_problem(operation: Operation | None) -> str:
    if operation is None:
        return ""
    return (
        f"Operation #{operation.pk} ({kind_label(operation.kind)}) is already {operation.state} "
        "for this target; wait for it to finish or cancel it."
    )


def tenant_problem(kind: str, tenant: Tenant) -> str:
    """Whether the tenant's mirrored state allows ``kind``; the reason when it does not."""
    status = tenant.status
    if status == TenantStatus.MISSING:
        return (
            f"{tenant.name} was not seen at the vendor in the last complete sync; "
            "sync the connection first."
        )
    kind_spec = spec(kind)
    if kind_spec.tenant_to is not None and status == kind_spec.tenant_to:
        return f"{tenant.name} is already {status}."
    if status == TenantStatus.CANCELLED:
        return f"{tenant.name} is cancelled at the vendor; nothing can be changed any more."
    allowed = kind_spec.tenant_from
    if allowed and status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        article = "an" if wanted[:1] in "aeiou" else "a"
        return f"Only {article} {wanted} tenant can be {kind_spec.tenant_to}; {tenant.name} is {status}."
    info = get_adapter_class(tenant.connection.vendor).capability(kind_spec.capability)
    if status in info.refused_for:
        name = vendor_name(tenant.connection.vendor)
        return f"{name} refuses to {kind_label(kind)} while {tenant.name} is {status}: {info.refused_note}"
    return ""


def subscription_problem(subscription: Subscription) -> str:
    if subscription.status in GONE_SUBSCRIPTION:
        return f"The subscription {subscription} is {subscription.status}; it cannot be changed."
    return ""


def tenant_action_problem(kind: str, tenant: Tenant) -> str:
    """Every reason a tenant-wide action (suspend, resume, cancel) cannot go ahead."""
    return (
        connection_problem(tenant.connection)
        or capability_problem(tenant.connection, kind)
        or tenant_problem(kind, tenant)
        or open_operation_problem(open_operation(kind, tenant=tenant))
    )
