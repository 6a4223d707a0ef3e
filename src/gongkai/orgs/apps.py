from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gongkai.orgs"
    label = "orgs"
    verbose_name = _("机构与人员")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
