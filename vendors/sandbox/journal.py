"""Every request a sandbox receives, so tests can assert the HTTP conversation."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class JournalEntry:
    seq: int
    ts: float  # time.time() when the request arrived
    vendor: str
    method: str
    path: str
    query: str
    write: bool
    credential: str = ""
    status: int | None = None  # None when the connection was dropped
    outcome: str = "ok"  # ok | error | auth_failed | rate_limited | fault:<kind>
    actions: list[str] = field(default_factory=list)  # changes applied, e.g. "create_tenant"
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Journal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[JournalEntry] = []
        self._seq = 0

    def open(self, vendor: str, method: str, path: str, query: str, write: bool) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry = JournalEntry(self._seq, time.time(), vendor, method, path, query, write)
            self._entries.append(entry)
            return entry

    def entries(
        self, vendor: str | None = None, since: int = 0, action: str | None = None
    ) -> list[JournalEntry]:
        with self._lock:
            return [
                e
                for e in self._entries
                if (vendor is None or e.vendor == vendor)
                and e.seq > since
                and (action is None or action in e.actions)
            ]

    def count_actions(self, vendor: str | None = None, action: str | None = None) -> int:
        """How many changes were applied (``action`` None counts every applied change)."""
        return sum(
            len([a for a in e.actions if action is None or a == action])
            for e in self.entries(vendor)
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq
