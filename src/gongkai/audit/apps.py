from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "gongkai.audit"
    label = "audit"
    verbose_name = _("安全审计")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's actions)
