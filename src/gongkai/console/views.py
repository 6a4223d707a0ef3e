"""Console views (being built)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


login_view = logout_view = inbox = item_list = item_create = item_detail = item_edit = review = _todo
item_action = attachment_upload = attachment_download = attachment_remove = notifications = _todo
