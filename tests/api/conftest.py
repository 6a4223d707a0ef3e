from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from pypdf import PdfWriter

from gongkai.api import tokens
from gongkai.publishing import services
from tests.factories import Staff, item_data, make_staff, review_through


def tiny_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class ApiClient:
    """A test client that speaks JSON and carries one person's token."""

    def __init__(self, user=None, raw_token: str | None = None):
        self.client = Client()
        self.user = user
        if raw_token is None and user is not None:
            _, raw_token = tokens.issue(user=user, name="测试")
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def _send(self, method: str, url: str, body=None):
        kwargs = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body, ensure_ascii=False), content_type="application/json")
        return getattr(self.client, method)(url, **kwargs)

    def get(self, url: str, **params):
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, body=None):
        return self._send("post", url, body)

    def patch(self, url: str, body=None):
        return self._send("patch", url, body)

    def upload(self, url: str, name: str, content: bytes, content_type: str = "application/pdf"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            url, {"file": SimpleUploadedFile(name, content, content_type=content_type)}, headers=self.headers
        )


def payload(staff: Staff, **overrides) -> dict:
    """The JSON an office system sends for a complete draft."""
    data = {
        "organization": staff.org.code,
        "title": "关于举办2026年晋中市非遗展演活动的通知",
        "document_number": "市文旅发〔2026〕12号",
        "lead_department": staff.dept.code,
        "co_departments": [staff.other_dept.code],
        "formed_on": "2026-11-20",
        "effective_on": "2026-11-21",
        "disclosure_attribute": "proactive",
        "topic": staff.topic.code,
        "catalogue_entry": staff.entry.code,
        "summary": "通知举办非遗展演活动的时间、地点和报名方式。",
        "body": "<p>各县(区、市)文化和旅游局:</p><p>现将有关事项通知如下。</p>",
        "source": "艺术科",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


def publish_with_attachment(staff: Staff, name: str = "通知.pdf", **overrides):
    """Through the services: a draft with a PDF, reviewed and published."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = services.create_draft(
        user=staff.drafter, organization=staff.org, data=item_data(staff, **overrides)
    )
    services.attach_file(
        user=staff.drafter,
        item=item,
        upload=SimpleUploadedFile(name, tiny_pdf(), content_type="application/pdf"),
    )
    services.submit_for_review(user=staff.drafter, item=item)
    item = review_through(staff, item)
    return services.publish(user=staff.editor, item=item)


@pytest.fixture
def staff(db) -> Staff:
    return make_staff()


@pytest.fixture
def as_(staff):
    """as_("drafter") → an ApiClient with a fresh token of that person."""
    cache: dict[str, ApiClient] = {}

    def make(name: str) -> ApiClient:
        if name not in cache:
            cache[name] = ApiClient(getattr(staff, name))
        return cache[name]

    return make
