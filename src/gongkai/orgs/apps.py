from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "gongkai.orgs"
    label = "orgs"
    verbose_name = _("机构与人员")

    def ready(self) -> None:
        from django.core import checks

        from . import audit_actions  # noqa: F401  (registers this app's audit actions)

        checks.register(check_field_keys, checks.Tags.security)


def check_field_keys(app_configs=None, **kwargs):
    """Malformed GONGKAI_FIELD_KEYS stop the start, not the first login with a second factor."""
    from django.core import checks

    from .field_keys import key_errors

    return [checks.Error(message, id="orgs.E001") for message in key_errors()]
