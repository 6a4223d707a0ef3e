"""URL patterns of the consultations area (public and console); combined in urls_public.py and urls_console.py.

Public (namespace "participation", at /hudong/): the 互动交流 index, 征求意见 list, a consultation with its
comment form, the thanks page. Console (namespace "participation_console", at /console/participation/).
"""

from django.urls import path

from . import views_consultations as views

public_patterns: list = [
    path("", views.index, name="index"),
    path("zhengqiu/", views.consultation_list, name="consultation_list"),
    path("zhengqiu/<id:pk>/", views.consultation_detail, name="consultation_detail"),
    path("zhengqiu/<id:pk>/thanks/", views.consultation_thanks, name="consultation_thanks"),
]
console_patterns: list = [
    path("consultations/", views.console_list, name="consultation_list"),
    path("consultations/new/", views.console_create, name="consultation_create"),
    path("consultations/<id:pk>/", views.console_detail, name="consultation_detail"),
    path("consultations/<id:pk>/edit/", views.console_edit, name="consultation_edit"),
    path("consultations/<id:pk>/extend/", views.console_extend, name="consultation_extend"),
    path(
        "consultations/<id:pk>/comments/<id:comment_pk>/moderate/",
        views.comment_moderate,
        name="consultation_comment_moderate",
    ),
    path(
        "consultations/<id:pk>/comments/<id:comment_pk>/classify/",
        views.comment_classify,
        name="consultation_comment_classify",
    ),
    path("consultations/<id:pk>/summary/", views.feedback_summary, name="consultation_summary"),
    path("consultations/<id:pk>/report/", views.feedback_report, name="consultation_report"),
    path("consultations/<id:pk>/export/", views.comments_export, name="consultation_export"),
]
