from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "gongkai.publishing"
    label = "publishing"
    verbose_name = _("信息发布")

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401
