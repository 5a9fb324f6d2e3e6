"""The Celery app. Settings live in Django settings under the ``CELERY_`` prefix.

https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _declare_queues() -> None:
    # Declared here rather than in settings so the list follows the vendor registry.
    # A worker without -Q consumes every queue; `-Q vendor.redstor` serves one vendor only.
    # https://docs.celeryq.dev/en/stable/userguide/routing.html#manual-routing
    from portal.core.queues import all_queues

    app.conf.task_queues = all_queues()


_declare_queues()


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    """kombu's filesystem transport needs its folders to exist before the first message."""
    options = sender.conf.broker_transport_options
    for key in ("data_folder_in", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
