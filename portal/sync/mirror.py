"""Apply what a vendor reports to the local mirror: a diff, then bulk writes.

One mechanism serves the sync engine (a page of tenants at a time), operation results and
webhook-triggered refreshes (a page of one). Rows are keyed on (connection, external id); a row
is written only when the fingerprint of its normalized vendor data changed, so a resync of an
unchanged vendor writes nothing. Values the portal set through operations (``intended``) are
compared with the vendor's, and every difference becomes a Discrepancy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from portal.catalog.models import Product, VendorConnection
from portal.core.models import fingerprint
from portal.customers.models import Customer, SeatChange, Subscription, Tenant
from portal.events.outbound import emit_each
from vendors.types import SubscriptionStatus, TenantStatus, VendorSubscription, VendorTenant

from .drift import reconcile_intended

BATCH_SIZE = 500

TENANT_FIELDS = ("name", "status", "vendor_reference", "parent_external_id", "raw")
SUBSCRIPTION_FIELDS = (
    "product_code",
    "product_name",
    "status",
    "seats",
    "seats_used",
    "term",
    "auto_renew",
    "is_trial",
    "trial_ends",
    "starts",
    "ends",
    "addons",
    "raw",
)


@dataclass
class MirrorCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows_written: int = 0
    tenants: dict[str, Tenant] = field(default_factory=dict)

    def add(self, other: MirrorCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rows_written += other.rows_written


def tenant_values(vt: VendorTenant) -> dict:
    return {
        "name": vt.name[:200],
        "status": vt.status.value,
        "vendor_reference": vt.reference[:100],
        "parent_external_id": vt.parent_external_id,
        "raw": vt.raw,
    }


def subscription_values(vs: VendorSubscription) -> dict:
    return {
        "product_code": vs.product_code,
        "product_name": vs.product_name[:200],
        "status": vs.status.value,
        "seats": vs.seats,
        "seats_used": vs.seats_used,
        "term": vs.term[:40],
        "auto_renew": vs.auto_renew,
        "is_trial": vs.is_trial,
        "trial_ends": vs.trial_ends,
        "starts": vs.starts,
        "ends": vs.ends,
        "addons": sorted(vs.addons),
        "raw": vs.raw,
    }


def tenant_fingerprint(vt: VendorTenant) -> str:
    return fingerprint(
        {
            "tenant": tenant_values(vt),
            "subscriptions": sorted(
                (s.external_id, subscription_values(s)) for s in vt.subscriptions
            ),
        }
    )


def _product_ids(
    connection: VendorConnection, codes: Iterable[str] | None = None
) -> dict[str, int]:
    products = Product.objects.filter(connection_id=connection.pk)
    if codes is not None:
        products = products.filter(code__in=set(codes))
    return dict(products.values_list("code", "id"))


def _update_rows(model, rows: Sequence, fields: Sequence[str]) -> None:
    """bulk_update for many rows; a plain UPDATE for one or two, which costs a fraction of the
    CASE WHEN statement bulk_update builds (an operation's result is a page of one)."""
    if len(rows) > 2:
        model.objects.bulk_update(rows, fields, batch_size=BATCH_SIZE)
        return
    for row in rows:
        model.objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})


def apply_tenants(
    connection: VendorConnection,
    page: Sequence[VendorTenant],
    *,
    now: dt.datetime | None = None,
    product_ids: dict[str, int] | None = None,
    customers: dict[str, int] | None = None,
) -> MirrorCounts:
    """Mirror one page of vendor tenants with a constant number of queries per page.

    ``customers`` maps an external id to the customer to link a new (or unlinked) tenant to,
    e.g. the customer an operation created it for.
    """

    now = now or timezone.now()
    counts = MirrorCounts()
    if not page:
        return counts
    customers = customers or {}
    by_id = {vt.external_id: vt for vt in page}
    existing = {
        t.external_id: t
        for t in Tenant.objects.filter(connection=connection, external_id__in=list(by_id)).only(
            "id", "external_id", "fingerprint", "status", "customer_id", "intended", "missing_since"
        )
    }
    # A tenant an operation made for a known customer needs no lookup by reference.
    references = {vt.reference for vt in page if vt.reference and vt.external_id not in customers}
    customer_by_ref = (
        dict(Customer.objects.filter(reference__in=references).values_list("reference", "id"))
        if references
        else {}
    )

    new_tenants, changed, status_changes = [], [], []
    for ext_id, vt in by_id.items():
        fp = tenant_fingerprint(vt)
        row = existing.get(ext_id)
        link = customers.get(ext_id) or customer_by_ref.get(vt.reference)
        if row is None:
            new_tenants.append(
                Tenant(
                    connection=connection,
                    external_id=ext_id,
                    fingerprint=fp,
                    customer_id=link,
                    first_seen_at=now,
                    last_seen_at=now,
                    **tenant_values(vt),
                )
            )
        elif row.fingerprint != fp or row.missing_since or (link and not row.customer_id):
            if row.status != vt.status.value:
                status_changes.append({"tenant": row.pk, "from": row.status, "to": vt.status.value})
            for name, value in tenant_values(vt).items():
                setattr(row, name, value)
            row.fingerprint = fp
            row.last_seen_at = now
            row.missing_since = None
            if link and not row.customer_id:
                row.customer_id = link
            changed.append(row)
        else:
            counts.unchanged += 1
            counts.tenants[ext_id] = row

    # No savepoint inside a caller's transaction (an operation's result): nothing here catches
    # an error to carry on, and a savepoint costs two round trips per page.
    with transaction.atomic(savepoint=False):
        if new_tenants:
            Tenant.objects.bulk_create(new_tenants, batch_size=BATCH_SIZE)
            if new_tenants[0].pk is None:  # backends that cannot return ids from bulk inserts
                ids = dict(
                    Tenant.objects.filter(
                        connection=connection, external_id__in=[t.external_id for t in new_tenants]
                    ).values_list("external_id", "id")
                )
                for tenant in new_tenants:
                    tenant.pk = tenant.id = ids[tenant.external_id]
        if changed:
            _update_rows(
                Tenant,
                changed,
                [*TENANT_FIELDS, "fingerprint", "last_seen_at", "missing_since", "customer_id"],
            )
        counts.created = len(new_tenants)
        counts.updated = len(changed)
        counts.rows_written += len(new_tenants) + len(changed)
        written, subscriptions = _apply_subscriptions(
            connection,
            [(t, by_id[t.external_id]) for t in (*new_tenants, *changed)],
            {t.pk for t in new_tenants},
            product_ids,
            now,
        )
        counts.rows_written += written
        for tenant in (*new_tenants, *changed):
            counts.tenants[tenant.external_id] = tenant
        if changed:
            counts.rows_written += reconcile_intended(changed, now=now, subscriptions=subscriptions)
        if status_changes:
            emit_each("tenant.status_changed", [{**c, "connection": connection.pk,
                      "vendor": connection.vendor} for c in status_changes])  # fmt: skip
    return counts


def _apply_subscriptions(
    connection: VendorConnection,
    pairs: Iterable[tuple[Tenant, VendorTenant]],
    new_tenant_ids: set[int],
    product_ids: dict[str, int] | None,
    now: dt.datetime,
) -> tuple[int, list[Subscription]]:
    """Create, update or mark missing the subscriptions of the tenants that changed.

    Returns the rows written and the existing subscriptions of the changed tenants as they now
    are (what reconciling their intended values reads). Without ``product_ids`` only the codes
    written are looked up, and nothing when nothing is written.
    """
    pairs = list(pairs)
    if not pairs:
        return 0, []
    old_ids = [t.pk for t, _ in pairs if t.pk not in new_tenant_ids]
    existing: dict[tuple[int, str], Subscription] = {}
    if old_ids:
        for row in Subscription.objects.filter(tenant_id__in=old_ids):
            existing[(row.tenant_id, row.external_id)] = row
    to_create: list[Subscription] = []
    to_update: list[Subscription] = []
    seen: set[tuple[int, str]] = set()
    written: list[Subscription] = []  # rows whose product is (re)set from its code
    seats_changed: list[Subscription] = []  # rows whose seats, status or add-ons change
    for tenant, vt in pairs:
        for vs in vt.subscriptions:
            key = (tenant.pk, vs.external_id)
            seen.add(key)
            values = subscription_values(vs)
            fp = fingerprint(values)
            sub = existing.get(key)
            if sub is None:
                sub = Subscription(
                    tenant_id=tenant.pk,
                    external_id=vs.external_id,
                    product_id=None,
                    fingerprint=fp,
                    last_seen_at=now,
                    **values,
                )
                to_create.append(sub)
                written.append(sub)
            elif sub.fingerprint != fp or sub.missing_since:
                if (sub.seats, sub.status, sorted(sub.addons)) != (
                    values["seats"],
                    values["status"],
                    values["addons"],
                ):
                    seats_changed.append(sub)
                code_is_new = sub.product_id is None or sub.product_code != vs.product_code
                if product_ids is not None or code_is_new:
                    written.append(sub)
                for name, value in values.items():
                    setattr(sub, name, value)
                sub.fingerprint, sub.last_seen_at, sub.missing_since = fp, now, None
                to_update.append(sub)
    if written:
        # Without a map from the caller, only codes new to a row are looked up (a row whose
        # code did not change keeps its product).
        if product_ids is None:
            product_ids = _product_ids(connection, {sub.product_code for sub in written})
        for sub in written:
            sub.product_id = product_ids.get(sub.product_code, sub.product_id)
    for key, sub in existing.items():
        if key not in seen and sub.missing_since is None:
            sub.missing_since, sub.status = now, SubscriptionStatus.MISSING.value
            to_update.append(sub)
            seats_changed.append(sub)
    if to_create:
        Subscription.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        _fill_ids(to_create)
    seats_changed.extend(to_create)
    if seats_changed:
        SeatChange.objects.bulk_create(
            [
                SeatChange(
                    subscription_id=s.pk,
                    seats=s.seats,
                    status=s.status,
                    addons=s.addons,
                    observed_at=now,
                )
                for s in seats_changed
            ],
            batch_size=BATCH_SIZE,
        )
    if to_update:
        _update_rows(
            Subscription,
            to_update,
            [*SUBSCRIPTION_FIELDS, "product_id", "fingerprint", "last_seen_at", "missing_since"],
        )
    return len(to_create) + len(to_update), list(existing.values())


def _fill_ids(subscriptions: list[Subscription]) -> None:
    """Backends that cannot return ids from bulk inserts: read them back by natural key."""
    if not subscriptions or subscriptions[0].pk is not None:
        return
    keys = {(s.tenant_id, s.external_id) for s in subscriptions}
    ids = {
        (tenant_id, external_id): pk
        for pk, tenant_id, external_id in Subscription.objects.filter(
            tenant_id__in={t for t, _ in keys}
        ).values_list("pk", "tenant_id", "external_id")
    }
    for sub in subscriptions:
        sub.pk = sub.id = ids[(sub.tenant_id, sub.external_id)]


def mirror_tenant(
    connection: VendorConnection, vt: VendorTenant, *, customer: Customer | None = None
) -> Tenant:
    """Mirror one tenant (an operation result or a webhook refresh) and return its row."""
    customers = {vt.external_id: customer.pk} if customer is not None else None
    counts = apply_tenants(connection, [vt], customers=customers)
    tenant = counts.tenants[vt.external_id]
    return Tenant.objects.select_related("connection", "customer").get(pk=tenant.pk)


def mark_missing(connection: VendorConnection, seen: set[str], *, now: dt.datetime) -> int:
    """After a COMPLETE pull only: tenants the vendor no longer lists are marked, never deleted."""
    present = Tenant.objects.filter(connection=connection, missing_since__isnull=True)
    gone = [ext for ext in present.values_list("external_id", flat=True) if ext not in seen]
    marked = 0
    for start in range(0, len(gone), BATCH_SIZE):
        chunk = gone[start : start + BATCH_SIZE]
        marked += Tenant.objects.filter(connection=connection, external_id__in=chunk).update(
            status=TenantStatus.MISSING.value, missing_since=now, updated_at=now
        )
    return marked
