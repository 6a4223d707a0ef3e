"""URL patterns of the messages area (public and console); combined in urls_public.py and urls_console.py."""

from django.urls import path

from . import views_messages as views

public_patterns: list = [
    path("liuyan/", views.message_list, name="message_list"),
    path("liuyan/new/", views.message_form, name="message_form"),
    path("liuyan/thanks/", views.message_thanks, name="message_thanks"),
    path("liuyan/chaxun/", views.message_lookup, name="message_lookup"),
]
console_patterns: list = [
    path("messages/", views.console_list, name="message_list"),
    path("messages/policy/", views.console_policy, name="message_policy"),
    path("messages/<id:pk>/", views.console_detail, name="message_detail"),
    path(
        "messages/<id:pk>/<slug:action>/",
        views.console_action,
        name="message_action",
    ),
]
