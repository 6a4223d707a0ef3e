from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "gongkai.search"
    label = "search"
    verbose_name = _("全文检索")

    def ready(self) -> None:
        from gongkai.publishing.signals import public_changed

        from . import index

        public_changed.connect(index.on_public_change, dispatch_uid="search.index")
