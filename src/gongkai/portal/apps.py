from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "gongkai.portal"
    label = "portal"

    def ready(self) -> None:
        from gongkai.publishing.signals import public_changed

        from . import page_cache
        from .export import on_public_changed

        # Every cached item page is out of date after a public change (first: the export reads pages).
        public_changed.connect(page_cache.bump, dispatch_uid="portal.page_cache")
        # Keeps the static export (settings.EXPORT_DIR) in step with each public change, after commit.
        public_changed.connect(on_public_changed, dispatch_uid="portal.static_export")
