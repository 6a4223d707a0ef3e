from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .feeds import ColumnAtomFeed, ColumnRssFeed
from .sitemaps import SITEMAPS

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("xxgk/", views.xxgk_home, name="xxgk"),
    path("xxgk/list/", views.item_list, name="list"),
    path("xxgk/search/", views.search, name="search"),
    path("xxgk/guide/", views.portal_page, {"kind": "guide"}, name="guide"),
    path("xxgk/rules/", views.portal_page, {"kind": "rules"}, name="rules"),
    path("xxgk/feed/<str:code>.rss", ColumnRssFeed(), name="feed_rss"),
    path("xxgk/feed/<str:code>.atom", ColumnAtomFeed(), name="feed_atom"),
    path("xxgk/items/<path:index_number>/print/", views.item_print, name="item_print"),
    path("xxgk/items/<path:index_number>/", views.item_detail, name="item"),
    path("xxgk/files/<id:pk>/<str:name>", views.attachment_download, name="attachment"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
