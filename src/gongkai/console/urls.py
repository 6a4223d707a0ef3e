from django.urls import path

from . import views

app_name = "console"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.inbox, name="inbox"),
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/review/", views.review, name="review"),
    path("items/<int:pk>/action/<str:action>/", views.item_action, name="item_action"),
    path("items/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("items/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path(
        "items/<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("organization/", views.switch_organization, name="switch_organization"),
]
