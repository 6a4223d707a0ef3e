from django.contrib import admin
from django.urls import include, path

from gongkai.api.urls import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("console/reports/", include("gongkai.reports.urls")),
    path("console/", include("gongkai.console.urls")),
    path("api/", api.urls),
    path("", include("gongkai.portal.urls")),
]
