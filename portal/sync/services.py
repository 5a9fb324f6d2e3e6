"""The sync engine: pull catalog, tenants, subscriptions and usage through the adapter.

One sync per connection at a time, claimed with a conditional UPDATE and a staleness cutoff
(healthchecks' sendalerts pattern), so a crashed worker never pins a connection. A heartbeat
thread renews the claim every SYNC_HEARTBEAT_SECONDS, however long one page takes; the cutoff is
a few missed heartbeats (``claim_stale_after``), so a dead worker's claim lapses within a minute
or two rather than a fixed ten. A pull that did
not finish never marks anything missing and never reports success.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.catalog.models import Product, SyncStatus, VendorConnection
from portal.catalog.services import connection_credentials_rejected
from portal.core.heartbeat import Heartbeat
from portal.core.models import fingerprint
from portal.customers.totals import connection_totals_refresh
from portal.events.outbound import emit
from portal.sync.adapters import connection_adapter
from portal.sync.mirror import MirrorCounts, apply_tenants, mark_missing
from vendors.base import PageCursor, VendorAdapter
from vendors.errors import VendorAuthError, VendorError, VendorThrottled
from vendors.http import CallRecord, HttpVendorAdapter
from vendors.ratelimit import detail_concurrency
from vendors.registry import get_adapter_class
from vendors.types import VendorProduct

from .call_stats import flush_call_stats, record_call
from .details import DetailStore, detail_memo_load
from .models import SyncPage, SyncRun, SyncRunStatus, SyncScope
from .quota import (
    QuotaPlan,
    QuotaReserveReached,
    ReserveKeepingLimiter,
    deferred_until,
    quota_plan,
    run_deferred,
)

logger = logging.getLogger(__name__)

#: A fetched page as an iterator yields it (a list of tenants, or a (cursor, list) pair).
_Page = TypeVar("_Page")

Progress = Callable[[SyncRun], None]


class SyncAlreadyRunning(Exception):
    def __init__(self, run: SyncRun | None) -> None:
        super().__init__("a sync of this connection is already running")
        self.run = run


@dataclass(frozen=True)
class Claim:
    connection_id: int
    token: str


def claim_stale_after() -> dt.timedelta:
    """A claim is stale once its holder missed SYNC_CLAIM_MISSED_HEARTBEATS heartbeats."""
    return dt.timedelta(
        seconds=settings.SYNC_HEARTBEAT_SECONDS * settings.SYNC_CLAIM_MISSED_HEARTBEATS
    )


def sync_claim(connection: VendorConnection) -> Claim:
    """Take the connection's sync lock with one conditional UPDATE, or raise SyncAlreadyRunning."""
    now = timezone.now()
    stale = now - claim_stale_after()
    token = uuid.uuid4().hex
    taken = VendorConnection.objects.filter(
        Q(sync_claimed_at__isnull=True) | Q(sync_claimed_at__lt=stale), pk=connection.pk
    ).update(sync_claimed_at=now, sync_claim_token=token, sync_status=SyncStatus.RUNNING)
    if not taken:
        running = SyncRun.objects.filter(
            connection=connection, status=SyncRunStatus.RUNNING
        ).first()
        raise SyncAlreadyRunning(running)
    # Runs left "running" by a dead worker are closed honestly: they did not finish.
    SyncRun.objects.filter(connection=connection, status=SyncRunStatus.RUNNING).update(
        status=SyncRunStatus.FAILED,
        error="The worker stopped before the sync finished (claim expired).",
        finished_at=now,
    )
    return Claim(connection.pk, token)


def claim_renew(claim: Claim) -> bool:
    """Keep the claim fresh; False once another worker took it over (the token changed)."""
    return bool(
        VendorConnection.objects.filter(
            pk=claim.connection_id, sync_claim_token=claim.token
        ).update(sync_claimed_at=timezone.now())
    )


def claim_heartbeat(claim: Claim) -> Heartbeat:
    """Renew the claim from a thread while the sync waits on the vendor (one page can be slow)."""
    return Heartbeat(
        lambda: claim_renew(claim),
        every=settings.SYNC_HEARTBEAT_SECONDS,
        name=f"sync claim of connection {claim.connection_id}",
    )


def sync_heartbeat(claim: Claim, run: SyncRun) -> None:
    flush_call_stats()
    now = timezone.now()
    VendorConnection.objects.filter(pk=claim.connection_id, sync_claim_token=claim.token).update(
        sync_claimed_at=now
    )
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=now,
        calls=run.calls,
        pages_done=run.pages_done,
        items_seen=run.items_seen,
        created_count=run.created_count,
        updated_count=run.updated_count,
        unchanged_count=run.unchanged_count,
    )


def sync_release(claim: Claim, *, status: str, error: str = "", success: bool) -> None:
    now = timezone.now()
    values = {
        "sync_claimed_at": None,
        "sync_claim_token": "",
        "sync_status": status,
        "last_synced_at": now,
        "last_error": error,
    }
    if success:
        values["last_success_at"] = now
    VendorConnection.objects.filter(pk=claim.connection_id, sync_claim_token=claim.token).update(
        **values
    )


def products_apply(connection: VendorConnection, products: list[VendorProduct]) -> MirrorCounts:
    """Mirror the catalog; products no longer listed are deactivated, never deleted."""
    counts = MirrorCounts()
    existing = {p.external_id: p for p in Product.objects.filter(connection=connection)}
    to_create, to_update = [], []
    for vp in products:
        values = {
            "code": vp.code,
            "name": vp.name[:200],
            "kind": vp.kind.value,
            "trial_available": vp.trial_available,
            "addons": list(vp.addons),
            "raw": vp.raw,
        }
        fp = fingerprint(values)
        row = existing.pop(vp.external_id, None)
        if row is None:
            to_create.append(
                Product(connection=connection, external_id=vp.external_id, fingerprint=fp, **values)
            )
        elif row.fingerprint != fp or not row.is_active:
            for name, value in values.items():
                setattr(row, name, value)
            row.fingerprint, row.is_active = fp, True
            to_update.append(row)
        else:
            counts.unchanged += 1
    gone = [p for p in existing.values() if p.is_active]
    for row in gone:
        row.is_active = False
    with transaction.atomic():
        Product.objects.bulk_create(to_create)
        Product.objects.bulk_update(
            to_update + gone,
            [
                "code",
                "name",
                "kind",
                "trial_available",
                "addons",
                "raw",
                "fingerprint",
                "is_active",
            ],
        )
    counts.created, counts.updated = len(to_create), len(to_update) + len(gone)
    counts.rows_written = counts.created + counts.updated
    return counts


class CallCounter:
    """Counts a run's vendor calls (from any thread) on ``run.calls``, besides the health stats."""

    def __init__(self, connection: VendorConnection, run: SyncRun) -> None:
        self.connection_id = connection.pk
        self.run = run
        self.plan = QuotaPlan(None, None, 0, 0)
        self._lock = threading.Lock()

    def __call__(self, record: CallRecord) -> None:
        record_call(self.connection_id, record)
        with self._lock:
            self.run.calls += 1


def counted_adapter(
    connection: VendorConnection, run: SyncRun, scope: str, **options: Any
) -> tuple[VendorAdapter, CallCounter]:
    """The run's adapter, its calls counted on ``counter.run.calls``, and its quota plan
    (``counter.plan``); ``options`` go to the adapter (a bulk pull's longest wait)."""
    counter = CallCounter(connection, run)
    adapter = connection_adapter(connection, on_call=counter, **options)
    assert isinstance(adapter, HttpVendorAdapter)
    counter.plan = quota_plan(connection, adapter.remaining_daily_calls(), scope)
    if counter.plan.per_day is not None:  # the run stops before it eats into the reserve
        adapter.rate_limiter = ReserveKeepingLimiter(adapter.rate_limiter, counter.plan.reserve)
    adapter.detail_workers = detail_concurrency(
        adapter.rate_limit, settings.SYNC_DETAIL_CONCURRENCY
    )
    return adapter, counter


def run_stopped_for_quota(run: SyncRun, claim: Claim, exc: QuotaReserveReached) -> None:
    """A run that reached the reserve: partial (nothing marked missing), resumed after reset."""
    run.status = SyncRunStatus.PARTIAL if run.pages_done else SyncRunStatus.DEFERRED
    run.deferred_until = deferred_until(run.connection)
    run.error = (
        f"Stopped after {run.pages_done} pages to keep the daily quota's reserve ({exc}); "
        f"runs again at {run.deferred_until:%Y-%m-%d %H:%M} UTC, after the quota resets."
    )[:2000]
    run.finished_at = timezone.now()
    run.save()
    status = SyncStatus.PARTIAL if run.pages_done else SyncStatus.OK
    sync_release(claim, status=status, error=run.error, success=False)


def connection_sync(
    connection: VendorConnection, *, triggered_by: str = "", progress: Progress | None = None
) -> SyncRun:
    """Pull catalog, tenants and subscriptions; raise SyncAlreadyRunning when one is under way.

    Under a daily quota, a sync whose estimated calls do not fit above the reserve kept for
    staff operations is not started: it is recorded as deferred (portal.sync.quota)."""
    adapter, counter = counted_adapter(
        connection, SyncRun(connection=connection), SyncScope.FULL, **_bulk_wait()
    )
    if not counter.plan.fits:
        return run_deferred(
            connection, counter.plan, scope=SyncScope.FULL, triggered_by=triggered_by
        )
    claim = sync_claim(connection)
    resumable = get_adapter_class(connection.vendor).resumable_pages
    resume = sync_resume_point(connection) if resumable else None
    run = SyncRun.objects.create(
        connection=connection,
        scope=SyncScope.FULL,
        status=SyncRunStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        triggered_by=triggered_by[:100],
        resumed_from=resume.run if resume else None,
    )
    counter.run = run
    seen: set[str] = set()
    rows_written = 0
    try:
        with claim_heartbeat(claim):
            # Details are read only for new or changed list rows and the due refresh share.
            adapter.detail_memo = memo = detail_memo_load(connection)
            details = DetailStore(connection, memo)
            rows_written += products_apply(connection, adapter.list_products()).rows_written
            product_ids = dict(
                Product.objects.filter(connection=connection).values_list("code", "id")
            )
            for pages, cursor, page in _tenant_pages(adapter, resume, resumable):
                now = timezone.now()
                counts = apply_tenants(connection, page, now=now, product_ids=product_ids)
                seen.update(vt.external_id for vt in page)
                details.page_applied(vt.external_id for vt in page)
                if resumable:
                    _page_recorded(run, cursor, page, now)
                rows_written += counts.rows_written
                run.pages_done += pages
                run.items_seen += len(page)
                run.created_count += counts.created
                run.updated_count += counts.updated
                run.unchanged_count += counts.unchanged
                sync_heartbeat(claim, run)
                if progress:
                    progress(run)
    except QuotaReserveReached as exc:
        if run.pages_done:
            connection_totals_refresh(connection_id=connection.pk)  # the pages it did apply
        run_stopped_for_quota(run, claim, exc)
        return run
    except VendorAuthError as exc:
        _finish(run, claim, SyncRunStatus.FAILED, f"Credentials rejected: {exc}", exc)
        connection_credentials_rejected(
            connection_id=connection.pk, message=f"Credentials rejected: {exc}"
        )
        return run
    except VendorThrottled as exc:
        # Held back (or throttled) longer than a bulk worker slot may wait: the task re-enqueues
        # itself with the wait as countdown, and the next run resumes from this one's last page.
        if run.pages_done:
            connection_totals_refresh(connection_id=connection.pk)
        message = f"Held back after {run.pages_done} pages ({exc}); resumes from its last page."
        _finish(run, claim, SyncRunStatus.PARTIAL, message, exc, announce=False)
        run.rerun_in = float(exc.retry_after or 1.0)
        return run
    except Exception as exc:  # the run records every failure, vendor or not
        status = SyncRunStatus.PARTIAL if run.pages_done else SyncRunStatus.FAILED
        logger.exception(
            "sync of connection %s stopped after %s pages", connection.pk, run.pages_done
        )
        if run.pages_done:
            connection_totals_refresh(connection_id=connection.pk)  # the pages it did apply
        _finish(run, claim, status, f"Stopped after {run.pages_done} pages: {exc}", exc)
        return run
    # The pull is complete: only now may absent tenants be marked missing, and after a resumed
    # pull only when the runs it took up saw every page before its first one.
    earlier = _chain_seen(run)
    if earlier is None:
        run.error = "Resumed listing with a gap in its earlier pages: nothing marked missing."
    else:
        run.missing_count = mark_missing(connection, seen | earlier, now=timezone.now())
    SyncPage.objects.filter(run__connection=connection).delete()  # nothing left to resume
    connection_totals_refresh(connection_id=connection.pk)  # the dashboard's tenants and seats
    run.status = SyncRunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.save()
    sync_release(claim, status=SyncStatus.OK, success=True)
    run.rows_written = rows_written + run.missing_count  # for benchmarks; not stored
    run.detail_reads, run.refresh_reads = memo.reads, memo.refresh_reads  # likewise
    run.details_written = details.rows_written
    return run


#: Small vendor pages (Egnyte's 10 records) are applied together, so the queries of a sync
#: grow with its tenants / this, not with its vendor pages.
APPLY_MIN_TENANTS = 100


def _tenant_pages(
    adapter: VendorAdapter, resume, resumable: bool
) -> Iterator[tuple[int, PageCursor | None, list]]:
    """(vendor pages, the cursor that fetched them, their tenants). A resumable listing is
    applied page by page, each recorded with its cursor so a killed run resumes there; the
    others gather small pages into batches (``batched``), which have no cursor to record."""
    if resumable:
        pages = adapter.iter_tenant_pages_from(resume.cursor if resume else None)
        for cursor, page in prefetched(pages):
            yield 1, cursor, page
        return
    for count, batch in batched(prefetched(adapter.iter_tenant_pages())):
        yield count, None, batch


def batched(
    pages: Iterator[list], min_items: int = APPLY_MIN_TENANTS
) -> Iterator[tuple[int, list]]:
    """(vendor pages, their items) in batches of at least ``min_items``; a failure while
    fetching first hands over the pages already fetched, so they are still applied."""
    batch: list = []
    count = 0
    try:
        for page in pages:
            batch.extend(page)
            count += 1
            if len(batch) >= min_items:
                yield count, batch
                batch, count = [], 0
    except Exception:
        if batch:
            yield count, batch
        raise
    if batch:
        yield count, batch


_DONE = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetched(pages: Iterator[_Page], depth: int = 16) -> Iterator[_Page]:
    """Fetch the next pages over HTTP in a thread while this one writes the current ones (up to
    ``depth`` pages ahead: enough for a batch of small pages, see ``batched``).

    The database stays in the calling thread; the fetching thread only speaks HTTP. A failure
    while fetching is re-raised here, in order, after the pages that came before it.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        buffer.put(page, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            buffer.put(_Failed(exc))

    thread = threading.Thread(target=fetch, name="sync-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


@dataclass(frozen=True)
class ResumePoint:
    run: SyncRun
    cursor: PageCursor


def sync_resume_point(connection: VendorConnection) -> ResumePoint | None:
    """Where the connection's last full run stopped, when it stopped unfinished lately.

    The point is its last applied page's cursor: that page is listed again, so a vendor that
    dropped up to a page of tenants before it (offsets shift) still has every tenant listed.
    A run older than SYNC_RESUME_MAX_AGE_SECONDS, or one that applied only its first page,
    gives none: the listing starts from page 1.
    """
    if settings.SYNC_RESUME_MAX_AGE_SECONDS <= 0:
        return None
    last = (
        SyncRun.objects.filter(connection=connection, scope=SyncScope.FULL)
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is None or last.status not in (SyncRunStatus.FAILED, SyncRunStatus.PARTIAL):
        return None
    # A run that applied no page (held back at once, say) hands on the point it resumed from.
    page = last.pages.order_by("-number").first()
    while page is None and last.resumed_from_id is not None:
        last = SyncRun.objects.get(pk=last.resumed_from_id)
        page = last.pages.order_by("-number").first()
    stale = timezone.now() - dt.timedelta(seconds=settings.SYNC_RESUME_MAX_AGE_SECONDS)
    if (last.heartbeat_at or last.started_at or last.created_at) < stale:
        return None
    if page is None or page.cursor is None:
        return None
    logger.info(
        "sync of connection %s resumes run %s at its page %s", connection.pk, last.pk, page.number
    )
    return ResumePoint(last, page.cursor)


def _page_recorded(run: SyncRun, cursor: PageCursor | None, page: list, now: dt.datetime) -> None:
    SyncPage.objects.create(
        run=run,
        number=run.pages_done + 1,
        cursor=cursor,
        external_ids=[vt.external_id for vt in page],
        applied_at=now,
    )


def _chain_seen(run: SyncRun) -> set[str] | None:
    """The tenants the runs this one resumed listed; None when one of them has a gap."""
    seen: set[str] = set()
    earlier = run.resumed_from
    while earlier is not None:
        pages = list(earlier.pages.order_by("number").values_list("number", "external_ids"))
        if [number for number, _ids in pages] != list(range(1, len(pages) + 1)):
            return None
        for _number, ids in pages:
            seen.update(ids)
        earlier = earlier.resumed_from
    return seen


def _bulk_wait() -> dict[str, float]:
    """A bulk pull re-enqueues instead of sleeping past VENDOR_MAX_BULK_WAIT_SECONDS."""
    wait = settings.VENDOR_MAX_BULK_WAIT_SECONDS
    return {"max_wait": wait} if wait > 0 else {}


def _finish(
    run: SyncRun,
    claim: Claim,
    status: str,
    message: str,
    exc: Exception,
    *,
    announce: bool = True,
) -> None:
    run.status = status
    run.error = message[:2000]
    run.errors = [*run.errors, {"page": run.pages_done + 1, **error_detail(exc)}]
    run.finished_at = timezone.now()
    run.save()
    connection_status = SyncStatus.PARTIAL if status == SyncRunStatus.PARTIAL else SyncStatus.FAILED
    sync_release(claim, status=connection_status, error=message[:2000], success=False)
    if not announce:
        return
    emit("sync.failed", {"run": run.pk, "connection": run.connection_id, "status": status,
                         "scope": run.scope, "error": run.error})  # fmt: skip


def error_detail(exc: Exception) -> dict:
    if isinstance(exc, VendorError):
        detail = exc.as_dict()
        detail["body"] = str(detail["body"])[:1000] if detail["body"] is not None else None
        return detail
    return {"kind": type(exc).__name__, "message": str(exc)[:1000]}
