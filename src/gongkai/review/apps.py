from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "gongkai.review"
    label = "review"
    verbose_name = _("内容审核")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401  (registers this app's audit actions)
