from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("xxgk/", views.xxgk_home, name="xxgk"),
    path("xxgk/items/<path:index_number>/print/", views.item_print, name="item_print"),
    path("xxgk/items/<path:index_number>/", views.item_detail, name="item"),
    path("xxgk/files/<id:pk>/<str:name>", views.attachment_download, name="attachment"),
]
