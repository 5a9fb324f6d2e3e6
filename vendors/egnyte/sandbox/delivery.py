"""Webhook delivery: POST each event to the registered URL from a background thread.

Per the receiver spec (CONTRACTS.md section 3): the body is the event JSON, the only
authentication is the registered static header, the receiver must answer 200, anything else is
retried, and repeated failures disable the webhook. The retry delays and the number of
consecutive failed attempts that disable a webhook are attributes tests may shorten.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

import requests

from .state import Delivery, EgnyteState

logger = logging.getLogger(__name__)


class WebhookDelivery:
    #: Waits before each retry of one event; its length is the number of retries.
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0)
    #: Consecutive failed attempts (across events) after which the webhook is disabled.
    disable_after: int = 6
    timeout: float = 5.0
    #: The worker thread exits after this long without work and is restarted on demand.
    idle_exit: float = 2.0

    def __init__(self, state: EgnyteState) -> None:
        self.state = state
        self.attempts: list[dict[str, Any]] = []  # every attempt made, for tests
        self._queue: queue.Queue[Delivery] = queue.Queue()
        self._lock = threading.Condition()
        self._pending = 0
        self._worker: threading.Thread | None = None

    def submit(self, delivery: Delivery) -> None:
        """Queue a delivery; never blocks the API call that caused the event."""
        with self._lock:
            self._pending += 1
            self._queue.put(delivery)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._run, name="egnyte-webhooks", daemon=True
                )
                self._worker.start()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery is finished (retries included)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            try:
                delivery = self._queue.get(timeout=self.idle_exit)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._worker = None
                        return
                continue
            try:
                self._deliver(delivery)
            except Exception:  # a broken receiver must never kill the worker
                logger.exception("webhook delivery to %s failed", delivery.url)
            finally:
                with self._lock:
                    self._pending -= 1
                    self._lock.notify_all()

    def _deliver(self, delivery: Delivery) -> None:
        for attempt in range(len(self.retry_delays) + 1):
            status = self._post(delivery)
            ok = status == 200
            self.attempts.append(
                {
                    "webhook_id": delivery.webhook_id,
                    "event_type": delivery.body["event_type"],
                    "attempt": attempt + 1,
                    "status": status,
                }
            )
            if not self.state.delivery_result(delivery.webhook_id, ok, self.disable_after):
                return  # disabled (or deleted): stop trying
            if ok:
                return
            if attempt < len(self.retry_delays):
                time.sleep(self.retry_delays[attempt])

    def _post(self, delivery: Delivery) -> int | None:
        try:
            response = requests.post(
                delivery.url,
                json=delivery.body,
                headers={**delivery.headers, "User-Agent": "Egnyte-Webhooks/1.0"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            logger.info("webhook delivery to %s failed: %s", delivery.url, exc)
            return None
        return response.status_code
