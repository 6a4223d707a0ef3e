from django.urls import path, re_path

from . import views, views_annual, views_oversight

app_name = "reports"
urlpatterns = [
    path("forms/<id:revision_pk>/", views.form_print, name="form"),
    path("forms/<id:revision_pk>/docx", views.form_docx, name="form_docx"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.xlsx", views.ledger_export, name="ledger_xlsx"),
    path("annual/", views_annual.annual_list, name="annual"),
    re_path(r"^annual/(?P<year>[0-9]{4})/$", views_annual.annual_year, name="annual_year"),
    re_path(r"^annual/(?P<year>[0-9]{4})/docx$", views_annual.annual_docx, name="annual_docx"),
    re_path(r"^annual/(?P<year>[0-9]{4})/publish$", views_annual.annual_publish, name="annual_publish"),
    path("oversight/", views_oversight.dashboard, name="oversight"),
    path("oversight/<str:figure>/", views_oversight.figure_detail, name="oversight_figure"),
    path("oversight.xlsx", views_oversight.export, name="oversight_xlsx"),
]
