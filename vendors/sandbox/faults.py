"""Fault injection: seeded, so a failing test can be replayed with the same faults.

Each request draws one number from the vendor's ``random.Random(seed)`` and falls into at most
one fault bucket, in this order: drop (connection closed before handling), error (5xx),
throttle (the vendor's throttling answer with Retry-After), malformed (handled, then a garbled
body), reshaped (handled and applied, then a well-formed JSON answer of a shape no document
describes, as a vendor's unannounced API change would send), apply_then_drop (handled and applied, then the connection is closed: the vendor did it
but the caller never heard). ``latency_ms`` is added to every matching request.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

KINDS = ("drop", "error", "throttle", "malformed", "reshaped", "apply_then_drop")


@dataclass
class FaultConfig:
    drop_rate: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    malformed_rate: float = 0.0
    reshaped_rate: float = 0.0
    apply_then_drop_rate: float = 0.0
    latency_ms: int = 0
    retry_after: int = 1
    only_writes: bool = False
    path_contains: str = ""
    #: Stop injecting after this many faults (None: no limit); e.g. 1 = "fail exactly once".
    max_faults: int | None = None
    #: Let this many matching requests through before injecting (e.g. fail from page 3 on).
    skip_first: int = 0
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self.injected = 0
            self.matched = 0

    def decide(self, path: str, write: bool) -> str | None:
        """The fault for this request, or None."""
        with self._lock:
            cfg = self.config
            if cfg.only_writes and not write:
                return None
            if cfg.path_contains and cfg.path_contains not in path:
                return None
            if cfg.max_faults is not None and self.injected >= cfg.max_faults:
                return None
            self.matched += 1
            if self.matched <= cfg.skip_first:
                return None
            draw = self._rng.random()
            edge = 0.0
            for kind in KINDS:
                edge += getattr(cfg, f"{kind}_rate")
                if draw < edge:
                    self.injected += 1
                    return kind
            return None

    def latency(self, path: str, write: bool) -> float:
        cfg = self.config
        if (cfg.only_writes and not write) or (cfg.path_contains and cfg.path_contains not in path):
            return 0.0
        return cfg.latency_ms / 1000
