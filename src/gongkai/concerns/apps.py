from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "gongkai.concerns"
    label = "concerns"
    verbose_name = _("政务舆情")

    def ready(self) -> None:
        from . import (
            audit_actions,  # noqa: F401  (registers this app's audit actions)
            receivers,  # noqa: F401  (published responses stop the clocks)
        )
