from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "gongkai.api"
    label = "api"
    verbose_name = _("数据接口")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's actions)
