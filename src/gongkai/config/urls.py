from django.contrib import admin
from django.urls import include, path

from gongkai.api.urls import api
from gongkai.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("console/reports/", include("gongkai.reports.urls")),
    path("console/feedback/", include("gongkai.feedback.urls_console")),
    path("console/concerns/", include("gongkai.concerns.urls_console")),
    path("console/participation/", include("gongkai.participation.urls_console")),
    path("console/", include("gongkai.console.urls")),
    path("api/", api.urls),
    path("captcha.png", core_views.captcha_image, name="captcha_image"),
    path("captcha/new", core_views.captcha_new, name="captcha_new"),
    path("xxgk/jiucuo/", include("gongkai.feedback.urls_public")),
    path("hudong/", include("gongkai.participation.urls_public")),
    path("", include("gongkai.portal.urls")),
]

handler404 = "gongkai.core.views.not_found"
