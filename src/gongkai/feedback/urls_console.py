from django.urls import path

from . import views_console

app_name = "feedback_console"
urlpatterns = [
    path("", views_console.report_list, name="list"),
    path("<id:pk>/", views_console.report_detail, name="detail"),
    path("<id:pk>/<str:action>/", views_console.report_action, name="action"),
]
