"""A background thread that renews a lease while the calling thread is busy elsewhere.

A worker renews its claim (an operation's lease, a sync's claim) from a thread of its own because
the work in between can be one long vendor call: renewing between steps would let a live but slow
call lose its claim. A killed process takes the thread with it, so the lease lapses on time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from django.db import connection

logger = logging.getLogger(__name__)


class Heartbeat:
    """``with Heartbeat(renew, every=10):`` calls ``renew()`` every ``every`` seconds.

    ``renew`` returns False once the claim is gone (taken over): the thread then stops, since
    nothing it could write would be ours. A failing renewal is logged and tried again at the next
    beat; the lease is long enough for a few to be missed.
    """

    def __init__(self, renew: Callable[[], bool], *, every: float, name: str) -> None:
        self.renew, self.every, self.name = renew, every, name
        self.beats = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    alive = self.renew()
                except Exception:
                    logger.exception("%s: renewal failed; trying again at the next beat", self.name)
                    continue
                self.beats += 1
                if not alive:
                    logger.warning("%s: the claim was taken over; renewal stops", self.name)
                    return
        finally:
            connection.close()  # this thread's own database connection
