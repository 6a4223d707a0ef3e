"""Small public endpoints shared by the apps: the captcha picture and a fresh challenge."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import captcha


@require_safe
@never_cache
def captcha_image(request):
    try:
        data = captcha.image(request.GET.get("t", ""))
    except captcha.CaptchaError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(data, content_type="image/png")


@require_safe
@never_cache
def captcha_new(request):
    """A new challenge for the “换一张” button (the form keeps what was typed)."""
    return JsonResponse({"token": captcha.new_token()})


def not_found(request, exception=None):
    """The site's 404 page, or, under /api/, the API's JSON error (for a path no API route matches)."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "未找到。"}, status=404)
    return defaults.page_not_found(request, exception)
