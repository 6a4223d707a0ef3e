"""RSS 2.0 and Atom feeds per catalogue column: the latest 20 published items of it and below it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from gongkai.catalogue.models import CatalogueEntry

from . import selectors
from .links import item_url


class ColumnRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def get_object(self, request, code):
        entries = CatalogueEntry.objects.filter(code=code, organization__is_active=True).select_related(
            "organization"
        )
        org = request.GET.get("org", "").strip()
        if org:
            entries = entries.filter(organization__code=org)
        entries = list(entries)
        if not entries:
            raise Http404("该栏目不存在。")
        return entries

    def title(self, entries):
        names = {entry.organization.name for entry in entries}
        return f"{entries[0].name} - {'、'.join(sorted(names))}"

    def link(self, entries):
        return reverse("portal:list") + "?" + urlencode({"catalogue": entries[0].code})

    def description(self, entries):
        return f"{entries[0].name}栏目最新公开的政府信息"

    def items(self, entries):
        return selectors.column_items(entries, limit=20)

    def item_title(self, item):
        return item.live_revision.title

    def item_description(self, item):
        return item.live_revision.summary

    def item_link(self, item):
        return item_url(item)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.live_revision.publisher or item.organization.name


class ColumnAtomFeed(ColumnRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, entries):
        return self.description(entries)
