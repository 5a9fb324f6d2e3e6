"""Celery beat that sends nothing unless it holds the one beat lock.

Beat must run as a single instance: two of them send every scheduled sync and reaper run twice.
Compose runs one, but a scaled service, a second host started from the same files or a stuck
container restarted beside its replacement would make two. Each tick first takes (or renews) a
lock in the shared cache (Redis in production) that expires after ``BEAT_LOCK_SECONDS``; a beat
that does not hold it only waits, and takes over within that time once the holder is gone.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

LOCK_KEY = "portal:beat-lock"


def beat_lock_hold(owner: str) -> bool:
    """Take the lock if free, renew it if ``owner`` holds it; False if another beat does.

    ``cache.add`` is atomic (SET NX in Redis). The renewal reads then extends: a holder that
    paused for longer than the lock's lifetime may renew a lock just taken over, which costs at
    most one doubled tick, never a lasting second beat.
    """
    ttl = settings.BEAT_LOCK_SECONDS
    if cache.add(LOCK_KEY, owner, timeout=ttl):
        return True
    if cache.get(LOCK_KEY) == owner:
        cache.touch(LOCK_KEY, timeout=ttl)
        return True
    return False


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's database schedule, ticking only while it holds the beat lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock_owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._holding = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        holding = beat_lock_hold(self.lock_owner)
        if holding != self._holding:
            logger.warning(
                "beat %s %s the beat lock",
                self.lock_owner,
                "holds" if holding else "does not hold; another beat runs the schedule:",
            )
            self._holding = holding
        if not holding:
            return settings.BEAT_LOCK_SECONDS / 3
        return float(super().tick(*args, **kwargs))
