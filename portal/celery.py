"""The Celery app. Settings live in Django settings under the ``CELERY_`` prefix.

https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
"""

from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _declare_queues() -> None:
    # Declared here rather than in settings so the list follows the vendor registry.
    # A worker consumes every queue unless WORKER_LANE=ops or WORKER_LANE=bulk narrows it to
    # one lane (portal/core/queues.py); `-Q vendor.redstor.ops` still serves one queue only.
    # https://docs.celeryq.dev/en/stable/userguide/routing.html#manual-routing
    from django.conf import settings
    from kombu import Queue

    from portal.core.queues import all_queues, worker_queues

    lane = settings.WORKER_LANE
    app.conf.task_queues = [Queue(name) for name in worker_queues(lane)] if lane else all_queues()


_declare_queues()


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    """kombu's filesystem transport needs its folders to exist before the first message."""
    options = sender.conf.broker_transport_options
    for key in ("data_folder_in", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


@signals.task_prerun.connect(dispatch_uid="portal_close_old_connections_prerun")
@signals.task_postrun.connect(dispatch_uid="portal_close_old_connections_postrun")
def _close_old_connections(task=None, **kwargs):
    """Between tasks, drop a database connection past CONN_MAX_AGE or unusable; keep the rest.

    What Django does around every request. With CELERY_DB_REUSE_MAX set, Celery's own fixup no
    longer closes the connection around every task, so this is what retires a broken one.
    An eager task runs inside its caller's transaction (tests): left alone.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@signals.worker_init.connect(dispatch_uid="portal_preload_worker_modules")
def _preload_worker_modules(**kwargs):
    """Import the engine and every vendor adapter once in the worker's parent process.

    The registry imports adapters lazily (a web process needs few of them); a prefork child
    would otherwise pay the imports inside its first operation of each vendor (Redstor's
    JWT and cryptography stack: ~50 ms), once per child.
    """
    from portal.operations import engine  # noqa: F401
    from vendors.registry import all_adapter_classes

    all_adapter_classes()


@signals.task_prerun.connect(dispatch_uid="portal_log_context_prerun")
def _bind_log_context(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra):
    """Every log line of a task names it, and the operation or connection it works on."""
    from portal.core import log_context

    log_context.clear()
    log_context.bind(**log_context.task_ids(task, args, kwargs))


@signals.task_postrun.connect(dispatch_uid="portal_log_context_postrun")
def _clear_log_context(**extra):
    from portal.core import log_context

    log_context.clear()
