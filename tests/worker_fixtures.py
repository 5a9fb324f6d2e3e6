"""A real ``celery -A portal worker`` subprocess for tests that must cross the broker.

The worker runs the test settings against the database this test uses (the SQLite test file, or
the PostgreSQL database pytest-django created) and the broker the settings configure (kombu's
filesystem transport by default, Redis when REDIS_URL is set). Tests that use it get
``transactional_db``: the worker is another process and only sees committed rows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import shared_task
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60.0
RESEND_AFTER = 10.0


@shared_task(name="tests.count_rows")
def count_rows(model_label: str) -> dict[str, int | str]:
    """Count rows as the worker sees them: proves it reads the test's database (test-only task)."""
    from django.apps import apps
    from django.db import connection as worker_connection

    count = apps.get_model(model_label).objects.count()
    return {"count": count, "database": str(worker_connection.settings_dict["NAME"])}


#: The connections ``connection_identity`` saw, kept alive so that no later one reuses an id.
_seen_connections: list = []


@shared_task(name="tests.connection_identity")
def connection_identity() -> dict[str, int | None]:
    """Which database connection serves this task (after one query through it), in which process."""
    from django.db import connection as worker_connection

    with worker_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raw = worker_connection.connection
    _seen_connections.append(raw)
    info = getattr(raw, "info", None)  # psycopg: the PostgreSQL backend serving this connection
    return {
        "pid": os.getpid(),
        "connection": id(raw),
        "backend_pid": getattr(info, "backend_pid", None),
    }


@shared_task(name="tests.imported")
def imported(modules: list[str]) -> list[str]:
    """Which of ``modules`` the worker process has imported before this task imports anything."""
    return [name for name in modules if name in sys.modules]


def database_url(settings_dict: dict) -> str:
    """The DATABASE_URL that points another process at the database ``settings_dict`` names."""
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise NotImplementedError(f"no DATABASE_URL for {engine}")


class CeleryWorkerProcess:
    """One worker process group: start, wait until it serves tasks, kill, restart, stop."""

    def __init__(self, log_dir: Path, *, concurrency: int = 2, extra_env: dict | None = None):
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"worker-{self.starts}.log"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings.test",
            DATABASE_URL=database_url(connection.settings_dict),
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
            FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
            SECRET_KEY=settings.SECRET_KEY,
            CELERY_TASK_ALWAYS_EAGER="false",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> CeleryWorkerProcess:
        self.starts += 1
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--loglevel", "INFO",
            "--pool", "prefork",
            "--concurrency", str(self.concurrency),
            "--hostname", f"pytest-{uuid.uuid4().hex[:8]}@%h",
            "--without-mingle", "--without-gossip",
            "--include", "tests.worker_fixtures",
        ]  # fmt: skip
        log = self.log_path.open("wb")
        # A process group of its own: kill() reaches the prefork children too, as a crash would.
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Send ``portal.ping`` through the broker until this worker answers it."""
        from portal.core.tasks import ping

        deadline = time.monotonic() + timeout
        result, sent_at = ping.apply_async(args=["ready?"]), time.monotonic()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the worker exited with {self.process.returncode}:\n{self.log()}"
                )
            if result.ready() and self.owns(result.get(timeout=1)["pid"]):
                return
            if result.ready() or time.monotonic() - sent_at > RESEND_AFTER:
                # Another worker on the broker took it, or it was purged: ask again.
                result, sent_at = ping.apply_async(args=["ready?"]), time.monotonic()
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"the worker did not answer portal.ping in {timeout}s:\n{self.log()}")

    def owns(self, pid: int) -> bool:
        """True when ``pid`` is this worker or one of its pool processes."""
        try:
            return os.getpgid(pid) == self.process.pid
        except ProcessLookupError:
            return False

    def kill(self, sig: int = signal.SIGKILL) -> int | None:
        """Signal the whole worker (parent and pool children); SIGKILL simulates a crash."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self._signal_group(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=10)
        return self.process.returncode

    def stop(self, timeout: float = 10) -> None:
        """Warm shutdown (SIGTERM to the parent), then SIGKILL whatever is left of the group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def restart(self) -> CeleryWorkerProcess:
        self.stop()
        return self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def purge_task_queues() -> None:
    """Drop messages left by earlier tests (e.g. a task whose worker was killed)."""
    from portal.celery import app

    app.control.purge()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A started real worker consuming every queue; killed at teardown (nothing to keep)."""
    purge_task_queues()
    worker = CeleryWorkerProcess(tmp_path).start()
    yield worker
    worker.kill()
