from django.urls import path

from . import views, views_catalogue, views_interpretation, views_review

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
    path("review/check/", views_review.check, name="review_check"),
    path("interpretation/", views_interpretation.report, name="interpretation_report"),
    path("items/<id:pk>/interpretation/plan/", views_interpretation.plan_save, name="interpretation_plan"),
    path("items/<id:pk>/interpretation/opinion/", views_interpretation.policy_opinion, name="policy_opinion"),
    path("review/dictionaries/", views_review.dictionaries, name="dictionaries"),
    path("review/dictionaries/<id:pk>/", views_review.dictionary, name="dictionary"),
    path("review/dictionaries/<id:pk>/terms/", views_review.term_save, name="term_save"),
    path(
        "review/dictionaries/<id:pk>/terms/<id:term_pk>/delete/", views_review.term_delete, name="term_delete"
    ),
    path("review/dictionaries/<id:pk>/export/", views_review.dictionary_export, name="dictionary_export"),
    path("review/dictionaries/<id:pk>/import/", views_review.dictionary_import, name="dictionary_import"),
    path(
        "items/<id:pk>/findings/<id:finding_pk>/acknowledge/",
        views_review.finding_acknowledge,
        name="finding_acknowledge",
    ),
    path("items/<id:pk>/findings/<id:finding_pk>/mask/", views_review.finding_mask, name="finding_mask"),
    path("items/<id:pk>/media/<id:attachment_pk>/confirm/", views_review.media_confirm, name="media_confirm"),
    path("organization/", views.switch_organization, name="switch_organization"),
]

# Login's second step and the person's own account pages (gongkai.console.views_account).
from . import views_account  # noqa: E402

urlpatterns += [
    path("login/code/", views_account.login_code, name="login_code"),
    path("account/", views_account.account, name="account"),
    path("account/password/", views_account.password_change, name="password_change"),
    path("account/2fa/", views_account.two_factor, name="two_factor"),
    path("account/2fa/disable/", views_account.two_factor_disable, name="two_factor_disable"),
]
