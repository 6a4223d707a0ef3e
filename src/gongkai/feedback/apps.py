from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "gongkai.feedback"
    label = "feedback"
    verbose_name = _("网民纠错")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
