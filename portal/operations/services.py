"""Requesting changes at vendors: validate, write the Operation and its AuditEvent, enqueue.

Every service refuses a bad request with a ValidationError staff can act on and writes
nothing; a good one writes the ledger row and the audit event in one transaction and enqueues
``run_operation`` only once that transaction has committed (``transaction.on_commit``), so a
worker never sees a row that is not there and a rolled-back request never reaches a vendor.
The same idempotency key with the same request returns the first operation (a double click
or a retried API call); with a different request it is refused (OperationKeyReused).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit.services import Actor, acting_user, audit_record
from portal.catalog.models import VendorConnection
from portal.core.models import Source, fingerprint
from portal.customers.models import Customer, Subscription, Tenant
from portal.sync.discrepancies import discrepancy_close
from portal.sync.models import Discrepancy, Resolution
from vendors.types import SubscriptionStatus

from . import gate, rules
from .engine import enqueue_run
from .kinds import request_service
from .models import Operation, OperationBatch, OperationKind, OperationState
from .options import clean_options, connection_options
from .selectors import batch_plan


class OperationKeyReused(ValidationError):
    """The idempotency key belongs to a different request (the API answers 409)."""


def _enqueue_on_commit(operation: Operation) -> None:
    vendor, pk = operation.connection.vendor, operation.pk
    transaction.on_commit(lambda: enqueue_run(pk, vendor))


def _refuse(problem: str) -> None:
    if problem:
        raise ValidationError(problem)


def _replayed(idempotency_key: str, request_fingerprint: str) -> Operation | None:
    """The operation an earlier identical request created with this key, if any."""
    if not idempotency_key:
        return None
    existing = Operation.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != request_fingerprint:
        raise OperationKeyReused(
            f"The idempotency key {idempotency_key!r} was already used for a different request "
            f"(operation #{existing.pk}); send a new key for a new request."
        )
    return existing


def _operation_create(
    *,
    kind: str,
    connection: VendorConnection,
    customer: Customer | None,
    tenant: Tenant | None,
    subscription: Subscription | None,
    params: dict[str, Any],
    request_fingerprint: str,
    actor: Actor,
    source: str,
    idempotency_key: str,
    batch: OperationBatch | None = None,
) -> Operation:
    operation = Operation(
        kind=kind,
        connection=connection,
        customer=customer,
        tenant=tenant,
        subscription=subscription,
        params=params,
        idempotency_key=idempotency_key or f"op-{uuid.uuid4()}",
        request_fingerprint=request_fingerprint,
        requested_by=acting_user(actor),
        source=source,
        batch=batch,
        max_attempts=settings.OPERATIONS_MAX_ATTEMPTS,
    )
    if not idempotency_key:  # a fresh random key has no twin to lose to: no savepoint needed
        operation.save()
    else:
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin with this key loses here
                operation.save()
        except IntegrityError:
            twin = _replayed(idempotency_key, request_fingerprint)
            if twin is None:
                raise
            return twin
    audit_record(
        action="operation.requested",
        source=source,
        actor=actor,
        obj=operation,
        customer=customer,
        detail={"kind": kind, "params": params, "idempotency_key": operation.idempotency_key},
    )
    if gate.held(operation, actor):
        return operation
    _enqueue_on_commit(operation)
    return operation


def _request(
    *,
    kind: str,
    connection: VendorConnection,
    customer: Customer | None,
    tenant: Tenant | None = None,
    subscription: Subscription | None = None,
    params: dict[str, Any],
    problems: Callable[[], str],
    actor: Actor,
    source: str,
    idempotency_key: str,
    batch: OperationBatch | None = None,
) -> Operation:
    """Replay, validate (``problems()`` returns the first reason to refuse), then record."""
    request_fingerprint = fingerprint(
        {
            "kind": kind,
            "connection": connection.pk,
            "customer": customer.pk if customer else None,
            "tenant": tenant.pk if tenant else None,
            "subscription": subscription.pk if subscription else None,
            "params": params,
        }
    )
    replay = _replayed(idempotency_key, request_fingerprint)
    if replay is not None:
        return replay
    # Lock the target so two concurrent requests cannot both pass the "no open operation" check.
    if tenant is not None:
        Tenant.objects.select_for_update().filter(pk=tenant.pk).values_list("pk").first()
    elif customer is not None:
        Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    _refuse(
        rules.connection_problem(connection)
        or rules.capability_problem(connection, kind)
        or problems()
        or rules.open_operation_problem(
            rules.open_operation(
                kind,
                tenant=tenant,
                subscription=subscription,
                customer_id=customer.pk if customer else None,
                connection=connection,
            )
        )
    )
    return _operation_create(
        kind=kind,
        connection=connection,
        customer=customer,
        tenant=tenant,
        subscription=subscription,
        params=params,
        request_fingerprint=request_fingerprint,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
        batch=batch,
    )


# -- requests ---------------------------------------------------------------------------------


@request_service(OperationKind.CREATE_TENANT)
@transaction.atomic
def tenant_create(
    *,
    customer: Customer,
    connection: VendorConnection,
    product_code: str,
    seats: int,
    trial: bool = False,
    addons: Sequence[str] = (),
    options: Mapping[str, Any] | None = None,
    actor: Actor = None,
    source: str = Source.PAGE,
    idempotency_key: str = "",
) -> Operation:
    """Open an account for the customer at a vendor, with one subscription.

    ``options`` are the vendor's declared create options (``options.connection_options``);
    they are checked here, before anything is queued, and kept in the ledger's params.
    Raises ``ValidationError`` keyed by option name when one does not fit.
    """
    addons = sorted(addons)
    cleaned_options = clean_options(connection_options(connection), options or {})
    first, _, last = customer.contact_name.partition(" ")
    params = {
        "name": customer.name,
        "reference": customer.reference,
        "product_code": product_code,
        "seats": seats,
        "trial": trial,
        "addons": addons,
        "country": customer.country or "GB",
        "contact": {
            "email": customer.contact_email,
            "first_name": first,
            "last_name": last,
            "phone": customer.contact_phone,
        },
        "options": cleaned_options,
    }

    def problems() -> str:
        existing = (
            Tenant.objects.filter(customer=customer, connection=connection)
            .exclude(status__in=rules.GONE_TENANT)
            .first()
        )
        if existing is not None:
            return f"{customer.name} already has the tenant {existing.name} at {connection.name}."
        if not customer.contact_email:
            return f"{customer.name} needs a contact email before a vendor account is opened."
        return (
            rules.product_problem(connection, product_code, trial=trial)
            or rules.seats_problem(connection, seats)
            or (addons and rules.capability_problem(connection, OperationKind.CHANGE_ADDONS))
            or (addons and rules.addons_problem(connection, addons))
            or ""
        )

    return _request(
        kind=OperationKind.CREATE_TENANT,
        connection=connection,
        customer=customer,
        params=params,
        problems=problems,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
    )


def _subscription_request(
    kind: str,
    subscription: Subscription,
    params: dict[str, Any],
    problems: Callable[[], str],
    **kwargs: Any,
) -> Operation:
    tenant = subscription.tenant
    params = {"subscription_id": subscription.external_id, **params}

    def all_problems() -> str:
        return (
            rules.tenant_problem(kind, tenant)
            or rules.subscription_problem(subscription)
            or problems()
        )

    return _request(
        kind=kind,
        connection=tenant.connection,
        customer=tenant.customer,
        tenant=tenant,
        subscription=subscription,
        params=params,
        problems=all_problems,
        **kwargs,
    )


@request_service(OperationKind.CHANGE_SEATS)
@transaction.atomic
def subscription_seats_change(
    *,
    subscription: Subscription,
    seats: int,
    actor: Actor = None,
    source: str = Source.PAGE,
    idempotency_key: str = "",
) -> Operation:
    """Set the seats purchased (an absolute number, so a repeat never bills twice)."""
    connection = subscription.tenant.connection

    def problems() -> str:
        problem = rules.seats_problem(connection, seats)
        if not problem and seats == subscription.seats:
            problem = f"{subscription} already has {seats} seats."
        return problem

    return _subscription_request(
        OperationKind.CHANGE_SEATS,
        subscription,
        {"seats": seats},
        problems,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
    )


@request_service(OperationKind.CHANGE_ADDONS)
@transaction.atomic
def subscription_addons_change(
    *,
    subscription: Subscription,
    addons: Sequence[str],
    actor: Actor = None,
    source: str = Source.PAGE,
    idempotency_key: str = "",
) -> Operation:
    """Replace the subscription's add-ons with exactly this set."""
    connection = subscription.tenant.connection
    addons = sorted(set(addons))

    def problems() -> str:
        problem = rules.addons_problem(connection, addons)
        if not problem and addons == sorted(subscription.addons or []):
            problem = f"{subscription} already has exactly these add-ons."
        return problem

    return _subscription_request(
        OperationKind.CHANGE_ADDONS,
        subscription,
        {"addons": addons},
        problems,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
    )


@request_service(OperationKind.CHANGE_PLAN)
@transaction.atomic
def subscription_plan_change(
    *,
    subscription: Subscription,
    product_code: str,
    actor: Actor = None,
    source: str = Source.PAGE,
    idempotency_key: str = "",
) -> Operation:
    """Move the subscription to another base product of the same connection."""
    connection = subscription.tenant.connection

    def problems() -> str:
        problem = rules.product_problem(connection, product_code)
        if not problem and product_code == subscription.product_code:
            problem = f"{subscription} is already on {product_code}."
        return problem

    return _subscription_request(
        OperationKind.CHANGE_PLAN,
        subscription,
        {"product_code": product_code, "from_product_code": subscription.product_code},
        problems,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
    )


@request_service(OperationKind.CONVERT_TRIAL)
@transaction.atomic
def subscription_trial_convert(
    *,
    subscription: Subscription,
    seats: int | None = None,
    actor: Actor = None,
    source: str = Source.PAGE,
    idempotency_key: str = "",
) -> Operation:
    """Turn a trial into a paid subscription (optionally with a new seat count)."""
    connection = subscription.tenant.connection

    def problems() -> str:
        if not subscription.is_trial and subscription.status != SubscriptionStatus.TRIAL:
            return f"{subscription} is not a trial."
        return rules.seats_problem(connection, seats) if seats is not None else ""

    return _subscription_request(
        OperationKind.CONVERT_TRIAL,
        subscription,
        {"seats": seats, "product_code": subscription.product_code},
        problems,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
    )


def _tenant_request(
    kind: str,
    tenant: Tenant,
    *,
    actor: Actor,
    source: str,
    idempotency_key: str,
    subscription: Subscription | None = None,
    batch: OperationBatch | None = None,
) -> Operation:
    params = {"subscription_id": subscription.external_id} if subscription else {}

    def problems() -> str:
        return rules.tenant_problem(kind, tenant) or (
            rules.subscription_problem(subscription) if subscription else ""
        )

    return _request(
        kind=kind,
        connection=tenant.connection,
        customer=tenant.customer,
        tenant=tenant,
        subscription=subscription,
        params=params,
        problems=problems,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
        batch=batch,
    )


@request_service(OperationKind.SUSPEND)
@transaction.atomic
def tenant_suspend(
    *, tenant: Tenant, actor: Actor = None, source: str = Source.PAGE, idempotency_key: str = ""
) -> Operation:
    """Suspend an active tenant at its vendor (service stops, data is kept)."""
    return _tenant_request(
        OperationKind.SUSPEND, tenant, actor=actor, source=source, idempotency_key=idempotency_key
    )


@request_service(OperationKind.RESUME)
@transaction.atomic
def tenant_resume(
    *, tenant: Tenant, actor: Actor = None, source: str = Source.PAGE, idempotency_key: str = ""
) -> Operation:
    """Resume a suspended tenant."""
    return _tenant_request(
        OperationKind.RESUME, tenant, actor=actor, source=source, idempotency_key=idempotency_key
    )


@request_service(OperationKind.CANCEL)
@transaction.atomic
def tenant_cancel(
    *,
    tenant: Tenant,
    subscription: Subscription | None = None,
    actor: Actor = None,
    source: str = Source.PAGE,
    idempotency_key: str = "",
) -> Operation:
    """Cancel a tenant (or one of its subscriptions); vendors do not undo this."""
    if subscription is not None and subscription.tenant_id != tenant.pk:
        raise ValidationError({"subscription": "This subscription belongs to another tenant."})
    return _tenant_request(
        OperationKind.CANCEL,
        tenant,
        subscription=subscription,
        actor=actor,
        source=source,
        idempotency_key=idempotency_key,
    )


# -- drift --------------------------------------------------------------------------------------


@transaction.atomic
def discrepancy_reapply(
    *, discrepancy: Discrepancy, actor: Actor = None, source: str = Source.PAGE
) -> Operation:
    """Send our value to the vendor again, as an Operation; the discrepancy closes as reapplied."""
    tenant, field = discrepancy.tenant, discrepancy.field
    ours: Any = discrepancy.ours  # JSON: the value the portal holds for the field
    if field == "seats":
        operation = subscription_seats_change(
            subscription=discrepancy.subscription, seats=int(ours), actor=actor, source=source
        )
    elif field == "addons":
        operation = subscription_addons_change(
            subscription=discrepancy.subscription, addons=list(ours), actor=actor, source=source
        )
    elif field == "status" and ours == "suspended":
        operation = tenant_suspend(tenant=tenant, actor=actor, source=source)
    elif field == "status" and ours == "active":
        operation = tenant_resume(tenant=tenant, actor=actor, source=source)
    else:
        raise ValidationError(
            f"The portal cannot re-apply {field}={ours!r}; accept or ignore it instead."
        )
    discrepancy_close(discrepancy, Resolution.REAPPLIED, actor, source)
    return operation


# -- staff control ----------------------------------------------------------------------------


@transaction.atomic
def operation_supersede(
    *, failed: Operation, new: Operation, actor: Actor = None, source: str = Source.PAGE
) -> Operation:
    """Close a request the vendor refused for good as replaced by its edited ``new`` one (the
    link goes both ways: ``failed.superseded_by``, ``new.supersedes``); transient failures keep
    their Retry instead."""
    failed = Operation.objects.select_for_update().get(pk=failed.pk)
    if not failed.refused_for_good or new.kind != failed.kind or new.pk == failed.pk:
        raise ValidationError(f"Operation #{failed.pk} is not a refused request of this kind.")
    failed.state, failed.superseded_by = OperationState.SUPERSEDED, new
    failed.save(update_fields=["state", "superseded_by", "updated_at"])
    audit_record(
        action="operation.superseded",
        source=source,
        actor=actor,
        obj=failed,
        customer=failed.customer,
        detail={"superseded_by": new.pk},
    )
    return failed


@transaction.atomic
def operation_retry(
    *, operation: Operation, actor: Actor = None, source: str = Source.PAGE
) -> Operation:
    """Send a failed operation again with the same key; the engine reads the vendor back first."""
    operation = (
        Operation.objects.select_for_update().select_related("connection").get(pk=operation.pk)
    )
    if operation.state != OperationState.FAILED:
        raise ValidationError(
            f"Operation #{operation.pk} is {operation.state}; only a failed operation can be retried."
        )
    _refuse(rules.connection_problem(operation.connection))
    now = timezone.now()
    Operation.objects.filter(pk=operation.pk).update(
        state=OperationState.PENDING,
        max_attempts=operation.attempts + settings.OPERATIONS_MAX_ATTEMPTS,
        next_attempt_at=None,
        finished_at=None,
        # The engine's memory of the last refusal goes: staff asked for a new send (after
        # the read-back), even after an answer nobody expected. last_error stays on the page.
        error_detail={},
        updated_at=now,
    )
    operation.refresh_from_db()
    audit_record(
        action="operation.retried",
        source=source,
        actor=actor,
        obj=operation,
        detail={"from": OperationState.FAILED, "to": OperationState.PENDING},
    )
    _enqueue_on_commit(operation)
    return operation


@transaction.atomic
def operation_cancel(
    *, operation: Operation, actor: Actor = None, source: str = Source.PAGE
) -> Operation:
    """Withdraw an operation no worker has picked up yet (nothing was sent)."""
    if operation.state == OperationState.AWAITING_APPROVAL:
        raise ValidationError(
            f"Operation #{operation.pk} waits for approval: withdraw the request from its "
            "approval instead."
        )
    now = timezone.now()
    cancelled = Operation.objects.filter(pk=operation.pk, state=OperationState.PENDING).update(
        state=OperationState.CANCELLED, finished_at=now, next_attempt_at=None, updated_at=now
    )
    operation.refresh_from_db()
    if not cancelled:
        raise ValidationError(
            f"Operation #{operation.pk} is {operation.state}; only a pending operation can be "
            "cancelled."
        )
    audit_record(
        action="operation.cancelled",
        source=source,
        actor=actor,
        obj=operation,
        detail={"from": OperationState.PENDING, "to": OperationState.CANCELLED},
    )
    return operation


# -- bulk -------------------------------------------------------------------------------------

BULK_KINDS = (OperationKind.SUSPEND, OperationKind.RESUME)


@transaction.atomic
def batch_create(
    *, customer: Customer, kind: str, actor: Actor = None, source: str = Source.PAGE
) -> OperationBatch:
    """Suspend or resume a customer everywhere (a reseller: its whole subtree), as one batch.

    The plan is recomputed here (what the dry run showed may have changed since) and stored
    on the batch; tenants the plan skips get no operation.
    """
    if kind not in BULK_KINDS:
        raise ValidationError(f"A bulk request can suspend or resume, not {kind!r}.")
    plan = batch_plan(customer=customer, kind=kind)
    todo = [item for item in plan if item.will_run]
    if not todo:
        raise ValidationError(
            f"Nothing to {rules.kind_label(kind)} for {customer.name}: "
            + "; ".join(item.reason for item in plan)
            if plan
            else f"{customer.name} has no vendor tenants."
        )
    batch = OperationBatch.objects.create(
        kind=kind,
        customer=customer,
        description=f"{OperationKind(kind).label} {customer.name}"
        + (" and its customers" if customer.children.exists() else ""),
        plan=[item.as_dict() for item in plan],
        requested_by=acting_user(actor),
        source=source,
    )
    audit_record(
        action="batch.created",
        source=source,
        actor=actor,
        obj=batch,
        customer=customer,
        detail={"kind": kind, "operations": len(todo), "skipped": len(plan) - len(todo)},
    )
    tenants = Tenant.objects.select_related("connection", "customer").in_bulk(
        [item.tenant_id for item in todo]
    )
    for item in todo:
        _tenant_request(
            kind, tenants[item.tenant_id], actor=actor, source=source, idempotency_key="",
            batch=batch,
        )  # fmt: skip
    return batch


@transaction.atomic
def batch_resume(
    *, batch: OperationBatch, actor: Actor = None, source: str = Source.PAGE
) -> list[Operation]:
    """Retry the failed operations of a partly failed batch (same keys, new attempts)."""
    failed = list(batch.operations.filter(state=OperationState.FAILED).order_by("pk"))
    if not failed:
        raise ValidationError(f"Batch #{batch.pk} has no failed operations to retry.")
    audit_record(
        action="batch.resumed",
        source=source,
        actor=actor,
        obj=batch,
        customer=batch.customer,
        detail={"operations": [op.pk for op in failed]},
    )
    return [operation_retry(operation=op, actor=actor, source=source) for op in failed]
