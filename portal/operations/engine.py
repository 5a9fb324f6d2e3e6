"""Running operations exactly once: claim, (read back,) send, record; and reap stuck runs.

Each run claims the row with a conditional UPDATE (pending/verifying -> running, attempts + 1),
so two deliveries of the same message never both reach the vendor. The claim is a lease
(OPERATIONS_LEASE_SECONDS) that a heartbeat thread renews while the vendor is called, so a long
call keeps it and a killed worker loses it within one lease; the reaper then hands the
operation back. The attempt number is the claim's fencing token: every later write filters on
it, so a run that lost its claim (the reaper took the operation over) changes nothing. Every attempt after the first reads the vendor
back before sending: an applied change is recorded as succeeded without being sent again.
No database transaction is open while the vendor is called.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.audit.services import audit_record
from portal.catalog.models import VendorConnection
from portal.catalog.services import connection_credentials_rejected
from portal.core.expressions import JSONMerge
from portal.core.heartbeat import Heartbeat
from portal.core.models import Source, fingerprint
from portal.core.queues import ops_queue, send_task
from portal.core.redaction import redact
from portal.customers.models import Subscription, Tenant
from portal.customers.totals import (
    GONE_SUBSCRIPTION,
    GONE_TENANT,
    Contribution,
    connection_totals_shift,
    tenant_contribution,
)
from portal.sync.adapters import connection_adapter
from portal.sync.call_stats import record_call
from portal.sync.mirror import apply_tenants
from vendors.errors import (
    VendorAuthError,
    VendorBadRequest,
    VendorError,
    VendorOutcomeUnknown,
    VendorRateWait,
    VendorTransientError,
    VendorUnexpectedAnswer,
)
from vendors.http import CallRecord
from vendors.types import VendorTenant

from . import kinds, verify
from .models import Operation, OperationAttempt, OperationKind, OperationState

logger = logging.getLogger(__name__)

State = OperationState
#: The worker task that runs one attempt (``tasks.run_operation``).
RUN_OPERATION = "operations.run_operation"


class LostClaim(Exception):
    """The operation is no longer ours (reaped and claimed again): write nothing."""


@dataclass(frozen=True)
class RunOutcome:
    operation_id: int
    state: str | None  # None: the row was deleted while a lost run was busy
    #: Seconds until the engine runs it again (already enqueued on commit), None when settled.
    rerun_in: float | None = None


def enqueue(operation_id: int, vendor: str, countdown: float | None = None) -> None:
    """Send run_operation to the vendor's queue once the current transaction commits."""
    transaction.on_commit(lambda: enqueue_run(operation_id, vendor, countdown=countdown))


def enqueue_run(operation_id: int, vendor: str, countdown: float | None = None) -> None:
    """Route to the connection's vendor queue, so one slow vendor never starves the others."""
    send_task(
        RUN_OPERATION,
        args=[operation_id],
        queue=ops_queue(vendor),
        countdown=countdown,
    )


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Capped exponential backoff with full jitter; the vendor's Retry-After wins."""
    if retry_after is not None:
        return min(float(retry_after), settings.OPERATIONS_RETRY_CAP_SECONDS)
    ceiling = min(
        settings.OPERATIONS_RETRY_CAP_SECONDS,
        settings.OPERATIONS_RETRY_BASE_SECONDS * 2 ** (attempt - 1),
    )
    return random.uniform(ceiling / 2, ceiling)


# -- the run ------------------------------------------------------------------------------------


def operation_run(operation_id: int) -> RunOutcome:
    """Take the operation one attempt further; the worker task is a thin wrapper around this."""
    operation = _claim(operation_id)
    if operation is None:
        state = Operation.objects.filter(pk=operation_id).values_list("state", flat=True).first()
        logger.info("operation %s not claimable (state %s): skipped", operation_id, state)
        return RunOutcome(operation_id, state or "missing")
    calls: list[CallRecord] = []
    adapter = _adapter(operation.connection, on_call=_recorder(operation.connection_id, calls))
    log = logging.LoggerAdapter(
        logger, {"operation": operation.pk, "vendor": operation.connection.vendor}
    )
    try:
        try:
            with _lease_renewed(operation):
                tenant, how = _at_vendor(operation, adapter)
        except VendorOutcomeUnknown as exc:
            return _unsure(operation, exc, calls)
        except VendorRateWait as exc:
            return _held(operation, exc, calls)
        except VendorTransientError as exc:
            return _transient(operation, exc, calls)
        except VendorAuthError as exc:
            _forget_adapter(operation.connection_id)
            return _auth_failed(operation, exc, calls)
        except VendorUnexpectedAnswer as exc:
            _forget_adapter(operation.connection_id)
            return _unexpected(operation, exc, calls)
        except VendorError as exc:
            return _fail(operation, exc.message or str(exc), calls, exc=exc)
        except Exception as exc:
            # A bug of ours: handled like an answer nobody expected (one read-back, then failed).
            log.exception("operation %s: unexpected error", operation.pk)
            _forget_adapter(operation.connection_id)
            surprise = VendorUnexpectedAnswer(
                f"unexpected error: {type(exc).__name__}: {exc}",
                vendor=operation.connection.vendor,
            )
            return _unexpected(operation, surprise, calls)
        return _succeed(operation, tenant, how, calls)
    except LostClaim:
        log.warning("operation %s was taken over while this run was busy: left alone", operation_id)
        state = Operation.objects.filter(pk=operation_id).values_list("state", flat=True).first()
        return RunOutcome(operation_id, state)


#: Adapters kept per worker thread: a run reuses the previous run's vendor session, access token
#: and signing key (a Redstor token costs an RSA key load and a token call) instead of building
#: them again. A changed connection (URL, credentials, any save) gets a new adapter; so does
#: one older than ADAPTER_TTL_SECONDS, which bounds how long an adapter's caches live.
_adapters = threading.local()
ADAPTER_TTL_SECONDS = 300.0


def _adapter(connection: VendorConnection, *, on_call: Callable[[CallRecord], None]):
    key = (
        connection.pk,
        connection.vendor,
        connection.base_url,
        connection.updated_at,
        fingerprint(connection.credentials),
    )
    cache: dict[int, tuple[tuple, float, Any]] = _adapters.__dict__.setdefault("by_pk", {})
    now = time.monotonic()
    cached = cache.get(connection.pk)
    if cached is not None and cached[0] == key and now - cached[1] < ADAPTER_TTL_SECONDS:
        adapter = cached[2]
        adapter.on_call = on_call  # this run's call list (one run at a time per thread)
        return adapter
    adapter = connection_adapter(connection, on_call=on_call)
    cache[connection.pk] = (key, now, adapter)
    return adapter


def _forget_adapter(connection_id: int) -> None:
    """After an auth failure or a surprise the next run starts from a fresh adapter."""
    _adapters.__dict__.get("by_pk", {}).pop(connection_id, None)


def lease_seconds() -> dt.timedelta:
    return _seconds(settings.OPERATIONS_LEASE_SECONDS)


def _lease_renewed(operation: Operation) -> Heartbeat:
    """Renew this attempt's lease every OPERATIONS_LEASE_RENEW_SECONDS while the vendor is called.

    The renewal is fenced like every other write: once the reaper moved the operation on (or a
    newer attempt claimed it), it matches no row and the heartbeat stops.
    """

    def renew() -> bool:
        return bool(
            Operation.objects.filter(
                pk=operation.pk, state=State.RUNNING, attempts=operation.attempts
            ).update(lease_expires_at=timezone.now() + lease_seconds())
        )

    return Heartbeat(
        renew,
        every=settings.OPERATIONS_LEASE_RENEW_SECONDS,
        name=f"lease of operation {operation.pk} attempt {operation.attempts}",
    )


def _at_vendor(operation: Operation, adapter) -> tuple[VendorTenant, str]:
    """Read back (every attempt after the first), then send only when the effect is not there."""
    started = time.monotonic()
    try:
        if _tried_before(operation):
            operation.stage = "read_back"
            tenant = verify.read_back(operation, adapter)
            if tenant is not None:
                return tenant, "verified"
            if _after_unexpected(operation):
                # The surprising answer's write did not take: sending again would meet the
                # same answer, so the operation ends with the reason the first one gave.
                raise VendorUnexpectedAnswer(
                    operation.last_error, vendor=operation.connection.vendor
                )
        operation.stage = "send"
        return verify.send(operation, adapter), "applied"
    finally:
        # Time inside the adapter (HTTP, its rate-limit waits, a vendor's async-order polls),
        # kept per attempt so the portal's own overhead can be told apart (bench/operations.py).
        operation.adapter_ms = (time.monotonic() - started) * 1000


def _claim(operation_id: int) -> Operation | None:
    """Load the operation once, then take it with an UPDATE conditional on what was loaded."""
    now = timezone.now()
    with transaction.atomic():
        # The connection and the tenant are what a run reads; the customer and subscription
        # are only needed as ids.
        operation = (
            Operation.objects.select_related("connection", "tenant").filter(pk=operation_id).first()
        )
        if operation is None or operation.state not in (State.PENDING, State.VERIFYING):
            return None
        previous, number = operation.state, operation.attempts + 1
        claimed = Operation.objects.filter(
            pk=operation_id, state=previous, attempts=operation.attempts
        ).update(
            state=State.RUNNING,
            attempts=number,
            claimed_at=now,
            lease_expires_at=now + lease_seconds(),
            started_at=Coalesce("started_at", now),
            next_attempt_at=None,
            updated_at=now,
        )
        if not claimed:
            return None
        # What the UPDATE wrote (the row cannot have changed since: the UPDATE matched it).
        operation.claimed_from = previous
        operation.state, operation.attempts = State.RUNNING, number
        operation.claimed_at, operation.updated_at, operation.next_attempt_at = now, now, None
        operation.lease_expires_at = now + lease_seconds()
        operation.started_at = operation.started_at or now
        OperationAttempt.objects.create(operation_id=operation_id, number=number, started_at=now)
        audit_record(
            action="operation.running",
            source=Source.WORKER,
            obj=operation,
            detail={"from": previous, "to": State.RUNNING, "attempt": number},
        )
    return operation


def _recorder(connection_id: int, calls: list[CallRecord]) -> Callable[[CallRecord], None]:
    """Keep this run's vendor calls; they reach the vendor health stats when the attempt ends.

    Recording them in the attempt's closing transaction (not one write per call) keeps the
    database work per operation constant, which matters on SQLite with several workers.
    """
    return calls.append


def _record_stats(connection_id: int, calls: list[CallRecord]) -> None:
    for record in calls:
        record_call(connection_id, record)


def _calls(calls: list[CallRecord]) -> list[dict[str, Any]]:
    return [
        {
            "method": c.method,
            "endpoint": c.endpoint,
            "status": c.status,
            "latency_ms": round(c.latency_ms, 2),
            "outcome": c.outcome,
        }
        for c in calls
    ]


def _close(
    operation: Operation,
    *,
    state: str,
    outcome: str,
    calls: list[CallRecord],
    exc: BaseException | None = None,
    fields: dict[str, Any] | None = None,
    before: Callable[[], dict[str, Any]] | None = None,
    rerun_in: float | None = None,
    detail: dict[str, Any] | None = None,
) -> RunOutcome:
    """End this attempt: one transaction for the mirror, the state change, the attempt and audit."""
    fields = dict(fields or {})
    answer: dict[str, Any] = {"calls": _calls(calls)}
    if hasattr(operation, "adapter_ms"):
        answer["adapter_ms"] = round(operation.adapter_ms, 2)
    if isinstance(exc, VendorError):
        answer["error"] = redact(_jsonable(exc.as_dict()))
    with transaction.atomic():
        if before is not None:
            fields.update(before())
        _record_stats(operation.connection_id, calls)
        now = timezone.now()  # after the mirror writes: attempt timings include them
        if state in (State.SUCCEEDED, State.FAILED):
            fields["finished_at"] = now
        updated = Operation.objects.filter(
            pk=operation.pk, state=State.RUNNING, attempts=operation.attempts
        ).update(state=state, updated_at=now, lease_expires_at=None, **fields)
        if not updated:
            raise LostClaim(operation.pk)
        OperationAttempt.objects.filter(
            operation_id=operation.pk, number=operation.attempts
        ).update(
            finished_at=now,
            outcome=outcome,
            error=str(exc) if exc is not None else "",
            vendor_status=getattr(exc, "status", None),
            vendor_answer=answer,
        )
        for name, value in fields.items():
            setattr(operation, name, value)
        operation.state = state
        audit_record(
            action=f"operation.{state}",
            source=Source.WORKER,
            obj=operation,
            detail={
                "from": State.RUNNING,
                "to": state,
                "attempt": operation.attempts,
                "outcome": outcome,
                # The vendor write itself: what was asked (redacted) and every HTTP answer.
                "request": redact({"kind": operation.kind, "params": _jsonable(operation.params)}),
                "calls": [
                    {k: c[k] for k in ("method", "endpoint", "status")} for c in answer["calls"]
                ],
                **(detail or {}),
            },
        )
        if rerun_in is not None:
            enqueue(operation.pk, operation.connection.vendor, countdown=rerun_in)
    return RunOutcome(operation.pk, state, rerun_in)


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


def _succeed(
    operation: Operation, tenant: VendorTenant, how: str, calls: list[CallRecord]
) -> RunOutcome:
    return _close(
        operation,
        state=State.SUCCEEDED,
        outcome=how,
        calls=calls,
        fields={"result": result_payload(tenant), "last_error": "", "error_detail": {}},
        before=lambda: _apply_to_mirror(operation, tenant),
    )


def _unsure(operation: Operation, exc: BaseException, calls: list[CallRecord]) -> RunOutcome:
    """No answer after a write: verify (read back) on the next attempt, never resend blindly."""
    message = str(exc) or type(exc).__name__
    if _attempts_spent(operation):
        return _fail(
            operation,
            f"Outcome unknown after {operation.attempts} attempts ({message}); a retry reads "
            "the vendor back first and sends only if the change is not there.",
            calls,
            exc=exc,
            outcome="outcome_unknown",
        )
    delay = backoff(operation.attempts)
    return _close(
        operation,
        state=State.VERIFYING,
        outcome="outcome_unknown",
        calls=calls,
        exc=exc,
        fields={"last_error": message, "next_attempt_at": timezone.now() + _seconds(delay)},
        rerun_in=delay,
    )


UNEXPECTED = "unexpected_answer"


def _after_unexpected(operation: Operation) -> bool:
    """Whether the previous attempt ended on an answer nobody expected."""
    return operation.error_detail.get("kind") == VendorUnexpectedAnswer.__name__


def _unexpected(
    operation: Operation, exc: VendorUnexpectedAnswer, calls: list[CallRecord]
) -> RunOutcome:
    """An answer of a shape nobody expected: after a write, read back once; otherwise fail.

    The write may have taken before its answer failed to map, so a send is followed by one
    read-back (which records success if the effect is there). A surprise while reading back,
    or a read-back that finds nothing, ends the operation failed: never a verify loop.
    """
    after_send = getattr(operation, "stage", "send") == "send"
    if after_send and not _after_unexpected(operation) and not _attempts_spent(operation):
        delay = backoff(operation.attempts)
        return _close(
            operation,
            state=State.VERIFYING,
            outcome=UNEXPECTED,
            calls=calls,
            exc=exc,
            fields={
                "last_error": exc.message,
                "error_detail": redact(_jsonable(exc.as_dict())),
                "next_attempt_at": timezone.now() + _seconds(delay),
            },
            rerun_in=delay,
        )
    return _fail(operation, exc.message, calls, exc=exc, outcome=UNEXPECTED)


def _attempts_spent(operation: Operation) -> bool:
    """Whether this attempt was the last allowed; held-back attempts never count."""
    return operation.attempts - operation.held_back >= operation.max_attempts


def _tried_before(operation: Operation) -> bool:
    """Whether an earlier attempt may have reached the vendor, so this one reads back first.

    An attempt held back before its first call sent nothing and left the state it was claimed
    from; one held back after some calls moved the operation to verifying.
    """
    return (
        getattr(operation, "claimed_from", None) == State.VERIFYING
        or operation.attempts - operation.held_back > 1
    )


def _held(operation: Operation, exc: VendorRateWait, calls: list[CallRecord]) -> RunOutcome:
    """Held back client-side (rate limit, a shared cool-down, calls in flight): re-enqueue with
    the wait as countdown, without spending one of the attempts allowed.

    Nothing was sent by the held call. When earlier calls of this attempt reached the vendor
    the operation goes to verifying (the next run reads back first); otherwise it returns to
    the state it was claimed from, as if the attempt never ran.
    """
    delay = max(0.05, float(exc.retry_after or 0.0)) + random.uniform(0, 0.25)
    state = State.VERIFYING if calls else getattr(operation, "claimed_from", State.PENDING)
    return _close(
        operation,
        state=state,
        outcome="held_back",
        calls=calls,
        exc=exc,
        fields={
            "held_back": operation.held_back + 1,
            "last_error": str(exc),
            "next_attempt_at": timezone.now() + _seconds(delay),
        },
        rerun_in=delay,
    )


def _transient(operation: Operation, exc: VendorTransientError, calls) -> RunOutcome:
    if _attempts_spent(operation):
        return _fail(
            operation,
            f"Gave up after {operation.attempts} attempts; the vendor last said: {exc.message}",
            calls,
            exc=exc,
            outcome="transient_error",
        )
    delay = backoff(operation.attempts, exc.retry_after)
    return _close(
        operation,
        state=State.PENDING,
        outcome="transient_error",
        calls=calls,
        exc=exc,
        fields={"last_error": str(exc), "next_attempt_at": timezone.now() + _seconds(delay)},
        rerun_in=delay,
    )


def _auth_failed(operation: Operation, exc: VendorAuthError, calls) -> RunOutcome:
    """Credentials rejected: fail, and flag the connection so staff see it on every page."""
    name = operation.connection.name
    message = (
        f"The vendor rejected the credentials of {name} ({exc.message}). Fix the connection's "
        f"credentials, then retry operation #{operation.pk}."
    )

    def flag_connection() -> dict[str, Any]:
        connection_credentials_rejected(connection_id=operation.connection_id, message=message)
        return {}

    return _fail(operation, message, calls, exc=exc, outcome="auth_error", before=flag_connection)


def _fail(
    operation: Operation,
    message: str,
    calls: list[CallRecord],
    *,
    exc: BaseException | None = None,
    outcome: str = "",
    before: Callable[[], dict[str, Any]] | None = None,
) -> RunOutcome:
    error_detail = redact(_jsonable(exc.as_dict())) if isinstance(exc, VendorError) else {}
    if isinstance(exc, VendorBadRequest) and exc.field_errors:
        error_detail["field_errors"] = exc.field_errors
    return _close(
        operation,
        state=State.FAILED,
        outcome=outcome or (type(exc).__name__ if exc else "failed"),
        calls=calls,
        exc=exc,
        fields={"last_error": message, "error_detail": error_detail},
        before=before,
        detail={"error": message},
    )


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


# -- results into the mirror ------------------------------------------------------------------------


def result_payload(tenant: VendorTenant) -> dict[str, Any]:
    """The vendor's answer, normalized, with its raw payload, for the ledger."""
    return _jsonable(
        {
            "tenant": {
                "external_id": tenant.external_id,
                "name": tenant.name,
                "status": tenant.status.value,
                "reference": tenant.reference,
            },
            "subscriptions": [
                {
                    "external_id": s.external_id,
                    "product_code": s.product_code,
                    "status": s.status.value,
                    "seats": s.seats,
                    "is_trial": s.is_trial,
                    "addons": sorted(s.addons),
                }
                for s in tenant.subscriptions
            ],
            "raw": tenant.raw,
        }
    )


def _apply_to_mirror(operation: Operation, vendor_tenant: VendorTenant) -> dict[str, Any]:
    """Record the intent, then mirror the vendor's answer (same transaction as the state change).

    The intent is written first where its row exists, so mirroring compares the new intent with
    the vendor's values and heals an old discrepancy at once.
    """
    kind, p = operation.kind, operation.params
    intent = kinds.spec(kind).intent(p)
    if operation.tenant_id:
        _merge_intended(Tenant, operation.tenant_id, intent.tenant)
    if operation.subscription_id:
        _merge_intended(Subscription, operation.subscription_id, intent.subscription)
    before = tenant_contribution(tenant_id=operation.tenant_id)
    customers = (
        {vendor_tenant.external_id: operation.customer_id} if operation.customer_id else None
    )
    counts = apply_tenants(operation.connection, [vendor_tenant], customers=customers)
    tenant = counts.tenants[vendor_tenant.external_id]
    connection_totals_shift(  # the dashboard's totals follow the mirror in this transaction
        connection_id=operation.connection_id,
        before=before,
        after=_contribution(vendor_tenant),
    )
    fields: dict[str, Any] = {}
    if kind == OperationKind.CREATE_TENANT:
        fields["tenant"] = tenant
        sub = tenant.subscriptions.filter(product_code=p["product_code"]).order_by("pk").first()
        if sub is not None:
            fields["subscription"] = sub
            _merge_intended(Subscription, sub.pk, intent.subscription)
    elif kind in (OperationKind.CHANGE_PLAN, OperationKind.CONVERT_TRIAL):
        # The vendor may have replaced the subscription: the intent goes to the live one.
        sub = (
            tenant.subscriptions.filter(product_code=p["product_code"])
            .exclude(status__in=verify.GONE)
            .order_by("-pk")
            .first()
        )
        if sub is not None and sub.pk != operation.subscription_id:
            _merge_intended(Subscription, sub.pk, intent.subscription)
    return fields


def _contribution(vendor_tenant: VendorTenant) -> Contribution:
    """What the tenant adds to its connection's totals once mirrored, without reading it back.

    The mirror leaves the row with the vendor's status and exactly the vendor's subscriptions
    live (any other is marked missing), so this equals ``tenant_contribution`` after the write.
    """
    tenants = 0 if vendor_tenant.status.value in GONE_TENANT else 1
    live = [s for s in vendor_tenant.subscriptions if s.status.value not in GONE_SUBSCRIPTION]
    return Contribution(
        tenants,
        sum(s.seats or 0 for s in live),
        sum(s.seats_used or 0 for s in live),
        sum(s.seats or 0 for s in live if s.seats_used is None),
    )


def _merge_intended(model, pk: int, values: dict[str, Any]) -> None:
    if values:
        model.objects.filter(pk=pk).update(intended=JSONMerge("intended", values))


# -- the reaper ---------------------------------------------------------------------------------


def operations_reap(*, now: dt.datetime | None = None) -> list[int]:
    """Hand operations whose worker died back to the engine; return the ids re-enqueued.

    Running with a lapsed lease (the worker was killed, or stalled past its heartbeats):
    -> verifying, so the next run reads the vendor back before sending anything. Pending or
    verifying long after they were due (their message was lost with a worker or a broker):
    enqueued again. A duplicate message is harmless: only one run can claim the row. Beat runs
    this every few seconds (migration 0006), so recovery takes about one lease.
    """
    now = now or timezone.now()
    lease = settings.OPERATIONS_LEASE_SECONDS
    cutoff = now - _seconds(settings.OPERATIONS_OVERDUE_SECONDS)
    requeued: list[int] = []
    lapsed = Q(lease_expires_at__lt=now) | Q(
        lease_expires_at__isnull=True, claimed_at__lt=now - _seconds(lease)
    )
    stuck = (
        Operation.objects.filter(state=State.RUNNING)
        .filter(lapsed)
        .select_related("connection", "customer")
    )
    for operation in stuck:
        message = (
            f"Attempt {operation.attempts}'s lease ({lease:.0f}s) lapsed without a heartbeat "
            "(worker lost?); reading the vendor back before anything is sent again."
        )
        with transaction.atomic():
            moved = Operation.objects.filter(
                pk=operation.pk, state=State.RUNNING, attempts=operation.attempts
            ).update(
                state=State.VERIFYING, last_error=message, updated_at=now, lease_expires_at=None
            )
            if not moved:
                continue
            OperationAttempt.objects.filter(
                operation_id=operation.pk, number=operation.attempts, finished_at__isnull=True
            ).update(finished_at=now, outcome="worker_lost", error=message)
            audit_record(
                action="operation.verifying",
                source=Source.SYSTEM,
                obj=operation,
                detail={"from": State.RUNNING, "to": State.VERIFYING, "reason": message},
            )
            enqueue(operation.pk, operation.connection.vendor)
        requeued.append(operation.pk)
    overdue = Operation.objects.filter(
        state__in=(State.PENDING, State.VERIFYING), updated_at__lt=cutoff
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff))
    for pk, state, vendor in overdue.values_list("pk", "state", "connection__vendor"):
        with transaction.atomic():
            if Operation.objects.filter(pk=pk, state=state).update(updated_at=now):
                enqueue(pk, vendor)
                requeued.append(pk)
    if requeued:
        logger.warning("reaper re-enqueued operations %s", requeued)
    return requeued
