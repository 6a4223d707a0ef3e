"""URL patterns of the interviews area (public and console); combined in urls_public.py and urls_console.py."""

from django.urls import path

from . import views_interviews as views

public_patterns: list = [
    path("fangtan/", views.interview_list, name="interview_list"),
    path("fangtan/<id:pk>/", views.interview_detail, name="interview_detail"),
    path("fangtan/<id:pk>/live.json", views.interview_live_json, name="interview_live_json"),
]
console_patterns: list = [
    path("interviews/", views.interview_console_list, name="interview_console_list"),
    path("interviews/new/", views.interview_create, name="interview_create"),
    path("interviews/<id:pk>/", views.interview_console_detail, name="interview_console_detail"),
    path("interviews/<id:pk>/edit/", views.interview_edit, name="interview_edit"),
    path(
        "interviews/<id:pk>/questions/<id:question_pk>/<slug:action>/",
        views.question_action,
        name="interview_question_action",
    ),
    path("interviews/<id:pk>/<slug:action>/", views.interview_action, name="interview_action"),
]
