from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "gongkai.participation"
    label = "participation"
    verbose_name = _("公众参与")

    def ready(self) -> None:
        from . import (
            audit_actions,  # noqa: F401  (registers this app's audit actions)
            consultations,  # noqa: F401  (its receiver of public_changed: notices and feedback reports)
        )
