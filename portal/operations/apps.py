from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "portal.operations"
    label = "operations"

    def ready(self) -> None:
        # Each kind's request service registers itself on its spec (kinds.request_service);
        # operation outcomes become outbound events (signals).
        from . import services, signals  # noqa: F401
