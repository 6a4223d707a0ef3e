from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gongkai.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from . import audit_actions  # noqa: F401
