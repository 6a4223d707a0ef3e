"""Small helpers for the console tests."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from gongkai.publishing.models import InformationItem


def action_url(item, action: str) -> str:
    return reverse("console:item_action", args=[item.pk, action])


def fresh(item) -> InformationItem:
    return InformationItem.objects.select_related("latest_revision", "live_revision").get(pk=item.pk)


def texts(response) -> list[str]:
    """The django messages attached to a response (after a redirect: on the request)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_post_data(form_initial: dict) -> dict:
    """Turn ItemForm initial data into what a browser would post."""
    data = {}
    for key, value in form_initial.items():
        if value is None:
            data[key] = ""
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list):
            data[key] = [str(v) for v in value]
        elif hasattr(value, "isoformat"):
            data[key] = value.isoformat()
        elif hasattr(value, "pk"):
            data[key] = str(value.pk)
        else:
            data[key] = str(value)
    return data


def item_post(staff, **overrides) -> dict:
    data = {
        "title": "关于举办2026年晋中市非遗展演活动的通知",
        "document_number": "市文旅发〔2026〕12号",
        "publisher": staff.org.name,
        "lead_department": str(staff.dept.pk),
        "formed_on": "2026-11-20",
        "disclosure_attribute": "proactive",
        "non_disclosure_reason": "",
        "topic": str(staff.topic.pk),
        "catalogue_entry": str(staff.entry.pk),
        "summary": "通知举办非遗展演活动的时间、地点和报名方式。",
        "body": "<p>各县(区、市)文化和旅游局:</p><p>现将有关事项通知如下。</p>",
        "source": "艺术科",
        "change_note": "",
    }
    data.update(overrides)
    return data
