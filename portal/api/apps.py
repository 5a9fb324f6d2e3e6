from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "portal.api"
    label = "api"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the audit -> webhook event receiver)
