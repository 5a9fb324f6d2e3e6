from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "portal.approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (holds the operations a policy says need approval)
