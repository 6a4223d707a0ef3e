from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "gongkai.portal"
    label = "portal"

    def ready(self) -> None:
        from gongkai.publishing.signals import public_changed

        from .export import on_public_changed

        # Keeps the static export (settings.EXPORT_DIR) in step with each public change, after commit.
        public_changed.connect(on_public_changed, dispatch_uid="portal.static_export")
