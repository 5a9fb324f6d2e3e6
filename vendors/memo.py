"""Conditional detail reads: read a tenant's details only when its list row says it may differ.

A sync lists tenants page by page and, for most vendors, reads each tenant's details (a licence,
a subscription) with one more call. The memo holds what the last sync read, keyed by the
fingerprint of the list row it came with. A detail is read again only when the tenant is new,
its list row changed, or its periodic full refresh is due (the portal decides which are due, so
a change the list row does not show is still caught within the refresh interval).

The memo is plain Python: the portal loads it before the sync and stores what it read after each
page. Adapters call ``VendorAdapter.read_detail``; without a memo every detail is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any


def row_fingerprint(row: Any) -> str:
    """A stable hash of a list row (its JSON, keys sorted)."""
    canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class DetailEntry:
    """One detail read during this sync, for the portal to remember."""

    tenant_external_id: str
    key: str
    row_fingerprint: str
    detail: Any


class DetailMemo:
    """What the previous sync read of each detail; which are due a full refresh."""

    def __init__(
        self,
        known: Mapping[str, tuple[str, Any]] | None = None,
        due: Collection[str] = (),
        since: dt.datetime | None = None,
    ) -> None:
        #: key -> (fingerprint of the list row, detail read with it)
        self._known = dict(known or {})
        self._due = frozenset(due)
        #: Where a vendor lists what changed since a time (Trend Micro's modified window): the
        #: start of the last complete pull, less an overlap, so nothing changed during it is lost.
        self.since = since
        self._lock = threading.Lock()
        self._read: list[DetailEntry] = []
        self.reads = 0  # details read (new, changed or due)
        self.refresh_reads = 0  # of which only because the refresh was due
        self.reused = 0  # details taken from the memo, no call

    def detail(
        self,
        tenant_external_id: str,
        key: str,
        row: Any,
        read: Callable[[], Any],
        *,
        changed: bool = False,
    ) -> Any:
        """The detail of ``key``: remembered when its list row is unchanged and not due, and the
        vendor did not say it ``changed``."""
        fp = row_fingerprint(row)
        known = self._known.get(key)
        if known is not None and known[0] == fp and key not in self._due and not changed:
            with self._lock:
                self.reused += 1
            return known[1]
        value = read()
        with self._lock:
            self.reads += 1
            if known is not None and known[0] == fp and not changed:
                self.refresh_reads += 1
            self._read.append(DetailEntry(tenant_external_id, key, fp, value))
        return value

    def drain(self) -> list[DetailEntry]:
        """The details read since the last drain (thread-safe: pages are fetched in a thread)."""
        with self._lock:
            read, self._read = self._read, []
        return read
