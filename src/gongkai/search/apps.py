from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "gongkai.search"
    label = "search"
    verbose_name = _("全文检索")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from gongkai.publishing.signals import public_changed

        from . import backends, index

        public_changed.connect(index.on_public_change, dispatch_uid="search.index")
        connection_created.connect(backends.register_sqlite_functions, dispatch_uid="search.sqlite_functions")
