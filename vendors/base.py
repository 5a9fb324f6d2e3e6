"""The one interface every vendor adapter implements.

The portal (sync, operations, pages, API) speaks only this interface and the types in
``vendors.types``. An adapter is built from a connection's base URL and decrypted credentials.
Methods the vendor cannot do keep the default here, which raises ``VendorUnsupported`` with the
capability's note, so callers can also check ``capabilities`` first and explain it to staff.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

from .errors import VendorError, VendorUnexpectedAnswer, VendorUnsupported
from .memo import DetailMemo
from .types import (
    Capability,
    CapabilityInfo,
    CreateOption,
    SubscriptionChange,
    TenantSpec,
    VendorEvent,
    VendorProduct,
    VendorTenant,
    VendorUsage,
    unsupported,
)

#: What mapping a vendor answer raises when the answer has a shape nobody expected.
MAPPING_ERRORS: tuple[type[Exception], ...] = (
    AttributeError,
    LookupError,
    TypeError,
    ValueError,
    ArithmeticError,
)
#: Where a listing stands, as the adapter needs it to list a page again (JSON-serialisable).
PageCursor: TypeAlias = dict[str, Any]

#: The interface methods that read a vendor answer; each one is wrapped by ``unexpected_answers``.
ANSWER_READERS = (
    "test_connection",
    "list_products",
    "iter_tenant_pages",
    "iter_tenant_pages_from",
    "get_tenant",
    "find_tenant",
    "get_usage",
    "create_tenant",
    "change_subscription",
    "suspend",
    "resume",
    "cancel",
    "convert_trial",
    "ensure_webhook",
)


def _unexpected(adapter: VendorAdapter, exc: Exception) -> VendorUnexpectedAnswer:
    call = getattr(adapter, "last_call", "")
    return VendorUnexpectedAnswer(
        f"unexpected answer from {adapter.display_name}"
        + (f" to {call}" if call else "")
        + f": {type(exc).__name__}: {exc}",
        vendor=adapter.vendor,
        status=getattr(adapter, "last_status", None),
        body=getattr(adapter, "last_body", None),
    )


def unexpected_answers(method: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a mapping crash inside an adapter method into one ``VendorUnexpectedAnswer``.

    Callers (the operation engine, the sync engine, pages) then see a vendor error with the
    body that caused it, never an AttributeError they would retry in a loop. Generators are
    wrapped around each step, so a bad page deep in a listing is caught too.
    """
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def pages(self: VendorAdapter, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except VendorError:
                raise
            except MAPPING_ERRORS as exc:
                raise _unexpected(self, exc) from exc

        return pages

    @functools.wraps(method)
    def call(self: VendorAdapter, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except VendorError:
            raise
        except MAPPING_ERRORS as exc:
            raise _unexpected(self, exc) from exc

    return call


@dataclass(frozen=True)
class DetailWanted:
    """One detail a listed row needs: ``read()`` fetches it unless the memo still holds it."""

    tenant_external_id: str
    key: str
    row: Any
    read: Callable[[], Any]
    changed: bool = False


class VendorAdapter(ABC):
    """The interface; subclasses' answer readers are wrapped by ``unexpected_answers``."""

    vendor: ClassVar[str]
    display_name: ClassVar[str]
    #: Every Capability must appear; missing ones count as unsupported.
    capabilities: ClassVar[Mapping[Capability, CapabilityInfo]]
    #: Credential field names the connection form asks for (values are secrets).
    credential_fields: ClassVar[tuple[str, ...]]
    #: Optional, non-secret connection settings kept with the credentials (e.g. a token URL).
    optional_credential_fields: ClassVar[tuple[str, ...]] = ()
    #: The most seats one subscription may have at this vendor (None: the portal's default cap).
    max_seats: ClassVar[int | None] = None
    #: The base URL of the real vendor API, offered as the default for new connections.
    default_base_url: ClassVar[str] = ""
    #: What this vendor lets a new tenant carry besides the common ``TenantSpec`` fields
    #: (passed in ``TenantSpec.extra`` under each option's name).
    create_options: ClassVar[tuple[CreateOption, ...]] = ()
    #: Whether the vendor can answer for a past month (False: only today's figures, so the
    #: portal collects them daily into the current month and never asks for a past one).
    usage_history: ClassVar[bool] = True
    #: Set by the sync to read details only when a list row changed or a refresh is due.
    detail_memo: DetailMemo | None = None
    #: Set by the sync: detail reads of one page in flight at once (1: one after another). The
    #: portal bounds it by the vendor's documented rate (vendors.ratelimit.detail_concurrency).
    detail_workers: int = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ANSWER_READERS:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, "_reads_answers", False):
                wrapped = unexpected_answers(method)
                setattr(wrapped, "_reads_answers", True)  # noqa: B010 - a mark on a function
                setattr(cls, name, wrapped)

    @classmethod
    def capability(cls, cap: Capability) -> CapabilityInfo:
        return cls.capabilities.get(cap, unsupported("Not offered by this vendor."))

    @classmethod
    def supports(cls, cap: Capability) -> bool:
        return cls.capability(cap).available

    def require(self, cap: Capability) -> None:
        info = self.capability(cap)
        if not info.available:
            raise VendorUnsupported(
                info.note or f"{self.display_name} cannot {cap.value.replace('_', ' ')}.",
                vendor=self.vendor,
            )

    # -- reads ---------------------------------------------------------------------------------

    @abstractmethod
    def test_connection(self) -> None:
        """Make one cheap authenticated call; raise a VendorError saying why it failed."""

    @abstractmethod
    def list_products(self) -> list[VendorProduct]:
        """The catalog this account may sell."""

    @abstractmethod
    def iter_tenant_pages(self) -> Iterator[list[VendorTenant]]:
        """Every tenant with its subscriptions, one vendor page at a time, lazily."""

    @classmethod
    def estimated_calls(cls, tenants: int, *, usage: bool = False) -> int:
        """Calls a full pull (or a usage collection) of ``tenants`` costs before a sync has
        measured it: the catalog, a list page per 100 and a detail per tenant (a usage read per
        tenant). Vendors whose listings carry everything say less."""
        if usage:
            return tenants
        return 1 + max(1, math.ceil(tenants / 100)) + tenants

    def read_detail(
        self,
        tenant_external_id: str,
        key: str,
        row: Any,
        read: Callable[[], Any],
        *,
        changed: bool = False,
    ) -> Any:
        """A tenant's detail for a list ``row``: ``read()`` unless the memo still holds it."""
        if self.detail_memo is None:
            return read()
        return self.detail_memo.detail(tenant_external_id, key, row, read, changed=changed)

    def read_details(self, wanted: Sequence[DetailWanted]) -> list[Any]:
        """The details of a page's rows, in order; the reads needed run on up to
        ``detail_workers`` threads. The threads only speak HTTP through the shared, thread-safe
        rate limiter, so the vendor's rate holds; the first failure is raised, the reads not yet
        started are dropped."""

        def one(item: DetailWanted) -> Any:
            return self.read_detail(
                item.tenant_external_id, item.key, item.row, item.read, changed=item.changed
            )

        workers = min(self.detail_workers, len(wanted))
        if workers <= 1:
            return [one(item) for item in wanted]
        pool = ThreadPoolExecutor(workers, thread_name_prefix=f"{self.vendor}-details")
        try:
            futures = [pool.submit(one, item) for item in wanted]
            return [future.result() for future in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    #: Whether ``iter_tenant_pages_from`` can start at a recorded cursor, so a sync killed at
    #: page 900 resumes there instead of listing from page 1 again.
    resumable_pages: ClassVar[bool] = False

    def iter_tenant_pages_from(
        self, cursor: PageCursor | None = None
    ) -> Iterator[tuple[PageCursor | None, list[VendorTenant]]]:
        """(the cursor that fetched the page, the page) for every page from ``cursor`` on.

        Passing a page's cursor back lists that page again and every one after it. Adapters
        whose listing has a position a later process can resume from override this and set
        ``resumable_pages``; the others list from the start (their cursors are None).
        """
        if cursor is not None:
            raise VendorUnsupported(
                f"{self.display_name} listings cannot resume from a cursor.", vendor=self.vendor
            )
        for page in self.iter_tenant_pages():
            yield None, page

    def iter_tenants(self) -> Iterator[VendorTenant]:
        for page in self.iter_tenant_pages():
            yield from page

    @abstractmethod
    def get_tenant(self, external_id: str) -> VendorTenant:
        """One tenant with its subscriptions; VendorNotFound when it is not there."""

    @abstractmethod
    def find_tenant(self, reference: str, name: str = "") -> VendorTenant | None:
        """Look a tenant up by our reference (or exact name): makes creation idempotent."""

    def get_usage(self, external_id: str, period: dt.date) -> list[VendorUsage]:
        """Usage of one tenant for the calendar month starting at ``period``."""
        self.require(Capability.USAGE)
        raise NotImplementedError

    # -- writes (never retried blindly: the operation engine retries with the same key) --------

    def create_tenant(self, spec: TenantSpec, idempotency_key: str) -> VendorTenant:
        self.require(Capability.CREATE_TENANT)
        raise NotImplementedError

    def require_change(self, change: SubscriptionChange) -> None:
        """Refuse, before any call, a change with a part this vendor cannot make."""
        if change.seats is not None:
            self.require(Capability.CHANGE_SEATS)
        if change.addons is not None:
            self.require(Capability.CHANGE_ADDONS)
        if change.product_code is not None:
            self.require(Capability.CHANGE_PLAN)

    def change_subscription(
        self, external_id: str, change: SubscriptionChange, idempotency_key: str
    ) -> VendorTenant:
        self.require_change(change)
        raise NotImplementedError

    def suspend(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.SUSPEND)
        raise NotImplementedError

    def resume(self, external_id: str, idempotency_key: str = "") -> VendorTenant:
        self.require(Capability.RESUME)
        raise NotImplementedError

    def cancel(
        self, external_id: str, subscription_id: str = "", idempotency_key: str = ""
    ) -> VendorTenant:
        self.require(Capability.CANCEL)
        raise NotImplementedError

    def convert_trial(
        self,
        external_id: str,
        subscription_id: str = "",
        seats: int | None = None,
        idempotency_key: str = "",
    ) -> VendorTenant:
        self.require(Capability.CONVERT_TRIAL)
        raise NotImplementedError

    # -- inbound webhooks -----------------------------------------------------------------------

    #: The event types the portal subscribes to where the vendor delivers webhooks.
    webhook_event_types: ClassVar[tuple[str, ...]] = ()

    def ensure_webhook(
        self, url: str, event_types: list[str], auth_header: str, auth_header_value: str
    ) -> dict[str, Any]:
        """Register the portal's receiver once (re-enabling it); the vendor sends the header."""
        self.require(Capability.WEBHOOKS)
        raise NotImplementedError

    @classmethod
    def parse_webhook(cls, body: bytes) -> VendorEvent:
        """Turn one delivery body into a VendorEvent; ValueError when it is not one."""
        raise VendorUnsupported(f"{cls.display_name} sends no webhooks.", vendor=cls.vendor)

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def raw(payload: Any) -> dict[str, Any]:
        return payload if isinstance(payload, dict) else {"value": payload}
