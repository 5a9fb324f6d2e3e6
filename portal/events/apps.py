from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "portal.events"
    label = "events"
    verbose_name = "Outbound events"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the audit -> outbound event receiver)
