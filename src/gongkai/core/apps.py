from django.apps import AppConfig


class CoreConfig(AppConfig):
    verbose_name = "核心"
    name = "gongkai.core"
    label = "core"
