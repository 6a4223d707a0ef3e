from django.urls import path

from . import views_public

app_name = "feedback"
urlpatterns = [
    path("", views_public.report_form, name="report"),
    path("thanks/", views_public.thanks, name="thanks"),
]
