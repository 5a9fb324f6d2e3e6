from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "portal.sync"
    label = "sync"

    def ready(self) -> None:
        from . import signals  # noqa: F401
