from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "gongkai.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from django.urls import register_converter

        from . import audit_actions  # noqa: F401
        from .converters import IdConverter

        register_converter(IdConverter, "id")  # before any app's urls.py is imported
