from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from gongkai.publishing.models import InformationItem

from .links import item_url


class PortalSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["portal:xxgk", "portal:list"]

    def location(self, name):
        return reverse(name)


class ItemSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        return (
            InformationItem.objects.published()
            .filter(organization__is_active=True)
            .only("index_number", "published_at")
            .order_by("-published_at", "-pk")
        )

    def location(self, item):
        return item_url(item)

    def lastmod(self, item):
        return item.published_at


SITEMAPS = {"portal": PortalSitemap, "items": ItemSitemap}
