from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "gongkai.catalogue"
    label = "catalogue"
    verbose_name = _("基本目录")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
