"""The editor is told when the sanitiser removed something dangerous from the body."""

import pytest
from django.urls import reverse

from gongkai.console.sanitising import UNSAFE_CONTENT_REMOVED, removed_unsafe_content
from gongkai.publishing.html import sanitize_body
from tests.factories import make_draft, make_staff

from .helpers import fresh, item_post, texts

UNSAFE = [
    '<script>alert("x")</script>',
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<p>正文</p><style>body{display:none}</style>",
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<p onclick="steal()">正文</p>',
    '<img src="x" ONERROR=alert(1)>',
    "<svg onload = 'alert(1)'>",
    '<a href="javascript:alert(1)">链接</a>',
    "<a href='JavaScript:void(0)'>链接</a>",
    "<a href=javascript:alert(1)>链接</a>",
    '<a href=" java\tscript:alert(1)">链接</a>',
    '<a href="&#106;avascript:alert(1)">链接</a>',
]

SAFE = [
    "",
    "<p>各县(区、市)文化和旅游局:</p><p>现将有关事项通知如下。</p>",
    '<p><a href="https://www.sxjz.gov.cn/">晋中市人民政府</a></p>',
    "<p>报名方式:on=现场报名;事项 description 见附件。</p>",
    "<p>本文讨论 javascript: 协议的安全风险。</p>",
    '<table><tr><td colspan="2">合计</td></tr></table>',
    "<p>a < b 且 c > d</p>",
]


@pytest.mark.parametrize("raw", UNSAFE)
def test_dangerous_content_is_detected(raw):
    assert removed_unsafe_content(raw)


@pytest.mark.parametrize("raw", SAFE)
def test_ordinary_content_is_not_flagged(raw):
    assert not removed_unsafe_content(raw)


@pytest.mark.parametrize("raw", UNSAFE)
def test_what_is_flagged_is_really_removed_by_the_sanitiser(raw):
    # The warning tells the truth: the saved body differs from what was typed.
    cleaned = sanitize_body(raw)
    assert cleaned != raw.strip()
    assert "<script" not in cleaned.lower() and "javascript:" not in cleaned.lower()


@pytest.mark.django_db
def test_creating_with_a_script_warns_and_saves_the_cleaned_body(client, login):
    staff = make_staff()
    login(staff.drafter)
    body = '<p onclick="steal()">正文</p><script>alert("x")</script>'
    response = client.post(reverse("console:item_create"), item_post(staff, body=body))
    assert response.status_code == 302
    assert UNSAFE_CONTENT_REMOVED == "正文中的脚本、样式等不安全内容已被自动移除,请核对正文。"
    assert UNSAFE_CONTENT_REMOVED in texts(response)
    assert "草稿已保存。完善后可提交审核。" in texts(response)
    page = client.get(response["Location"]).content.decode()
    assert UNSAFE_CONTENT_REMOVED in page


@pytest.mark.django_db
def test_editing_with_an_iframe_warns(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    lock = fresh(item).lock_version
    response = client.post(
        reverse("console:item_edit", args=[item.pk]),
        {
            **item_post(staff, body='<p>正文</p><iframe src="https://evil.example/"></iframe>'),
            "lock_version": lock,
        },
    )
    assert response.status_code == 302
    assert UNSAFE_CONTENT_REMOVED in texts(response)
    assert "<iframe" not in fresh(item).latest_revision.body


@pytest.mark.django_db
def test_a_clean_body_gets_no_warning(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(reverse("console:item_create"), item_post(staff))
    assert response.status_code == 302
    assert UNSAFE_CONTENT_REMOVED not in texts(response)


@pytest.mark.django_db
def test_no_warning_when_the_save_is_refused(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(
        reverse("console:item_create"), item_post(staff, title="", body="<script>alert(1)</script>")
    )
    assert response.status_code == 200
    assert UNSAFE_CONTENT_REMOVED not in response.content.decode()
