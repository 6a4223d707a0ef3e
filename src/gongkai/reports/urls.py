from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("forms/<id:revision_pk>/", views.form_print, name="form"),
    path("forms/<id:revision_pk>/docx", views.form_docx, name="form_docx"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_export, name="ledger_xlsx"),
]
