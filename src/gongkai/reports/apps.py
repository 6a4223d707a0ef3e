from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "gongkai.reports"
    label = "reports"
    verbose_name = "报表与台账"

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401
