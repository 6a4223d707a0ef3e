"""Portal views (being built)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


home = xxgk_home = item_print = item_detail = attachment_download = _todo
