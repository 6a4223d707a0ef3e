from django.urls import path

from . import views, views_catalogue

app_name = "console"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.inbox, name="inbox"),
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<id:pk>/", views.item_detail, name="item"),
    path("items/<id:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<id:pk>/review/", views.review, name="review"),
    path("items/<id:pk>/action/<str:action>/", views.item_action, name="item_action"),
    path("items/<id:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("items/<id:pk>/attachments/<id:attachment_pk>/", views.attachment_download, name="attachment"),
    path(
        "items/<id:pk>/attachments/<id:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("catalogue/health/", views_catalogue.catalogue_health, name="catalogue_health"),
    path("organization/", views.switch_organization, name="switch_organization"),
]
