from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "gongkai.workdays"
    label = "workdays"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
