from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterpretationConfig(AppConfig):
    name = "gongkai.interpretation"
    label = "interpretation"
    verbose_name = _("政策解读")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
