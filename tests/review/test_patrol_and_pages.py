"""The patrol after a dictionary change (issue 4 item 7), the check page (item 8) and findings shown in
place on the review screen (item 6)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.console.models import Notification
from gongkai.publishing import services
from gongkai.review import patrol
from gongkai.review import services as review
from gongkai.review.models import Finding
from tests.documents import pdf_bytes
from tests.factories import make_draft, make_published, make_staff
from tests.review.factories import make_dictionary

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def staff(db):
    return make_staff()


def test_a_dictionary_change_rescans_what_is_published_and_tells_the_owning_department(
    staff, django_capture_on_commit_callbacks
):
    item = make_published(staff, body="<p>经晋中市节庆办批准举办。</p>")
    untouched = make_published(staff, body="<p>无关内容。</p>")
    dictionary = make_dictionary(staff.org, name="本局")
    with django_capture_on_commit_callbacks(execute=True):  # the patrol runs as a job after commit
        review.save_term(
            user=staff.editor,
            dictionary=dictionary,
            data={
                "text": "晋中市节庆办",
                "category": "outdated",
                "severity": "blocking",
                "suggestion": "晋中市文化和旅游局",
            },
        )
    found = Finding.objects.get(revision=item.live_revision)
    assert (found.matched, found.by_patrol) == ("晋中市节庆办", True)
    assert not Finding.objects.filter(revision=untouched.live_revision).exists()
    told = set(Notification.objects.filter(kind="review.patrol").values_list("recipient_id", flat=True))
    assert {staff.head.pk, staff.drafter.pk, staff.editor.pk} <= told
    assert staff.other_head.pk not in told  # another department's head
    assert patrol.patrol(staff.org.pk)["findings"] == 0  # nothing new the second time


def test_the_check_page_shows_findings_for_pasted_text_and_for_a_file(client, staff):
    make_dictionary(staff.org, terms=[("布署", "typo", "warning", "部署")])
    client.force_login(staff.drafter, backend=MODEL_BACKEND)
    html = client.post(
        "/console/review/check/", {"text": "请认真布署,<b>电话</b>13812345678"}
    ).content.decode()
    assert "发现 2 处" in html
    assert 'class="finding finding--warning" title="提示">布署</mark>' in html
    assert "&lt;b&gt;电话&lt;/b&gt;" in html  # the pasted text is shown escaped
    upload = SimpleUploadedFile("草稿.pdf", pdf_bytes("请认真布署"), "application/pdf")
    html = client.post("/console/review/check/", {"file": upload}).content.decode()
    assert "发现 1 处" in html
    empty = client.post("/console/review/check/", {"text": "  "}).content.decode()
    assert "请粘贴要检查的文字,或选择文件。" in empty


def test_the_review_screen_marks_findings_in_the_text_and_asks_for_acknowledgements(client, staff):
    make_dictionary(staff.org, terms=[("布署", "typo", "warning", "部署")])
    item = make_draft(staff, body="<p>请认真布署。</p>")
    services.submit_for_review(user=staff.drafter, item=item)
    client.force_login(staff.head, backend=MODEL_BACKEND)
    html = client.get(f"/console/items/{item.pk}/review/").content.decode()
    assert "必须修改 0 处,待确认的提示 1 处。" in html
    assert '<mark class="finding finding--warning" title="提示">布署</mark>' in html
    finding = item.latest_revision.findings.get()
    response = client.post(
        f"/console/items/{item.pk}/findings/{finding.pk}/acknowledge/",
        {"reason": "引用原文", "next": f"/console/items/{item.pk}/review/"},
        follow=True,
    )
    assert "已确认提示“布署”。" in response.content.decode()
    assert "引用原文" in response.content.decode()


def test_null_characters_in_the_review_pages_are_replaced_not_a_500(client, staff):
    """PostgreSQL refuses NUL in text (found by tests/security): in dictionaries, terms, acknowledgements and
    the dictionary search the character becomes U+FFFD (gongkai.core.middleware)."""
    make_dictionary(staff.org, terms=[("布署", "typo", "warning", "部署")])
    item = make_draft(staff, body="<p>请认真布署。</p>")
    services.submit_for_review(user=staff.drafter, item=item)
    finding = item.latest_revision.findings.get()
    client.force_login(staff.head, backend=MODEL_BACKEND)
    response = client.post(
        f"/console/items/{item.pk}/findings/{finding.pk}/acknowledge/", {"reason": "引用\x00原文"}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.acknowledgement == "引用\ufffd原文"
    client.force_login(staff.editor, backend=MODEL_BACKEND)
    response = client.post("/console/review/dictionaries/", {"name": "补充\x00词库"})
    assert response.status_code == 302
    dictionary = staff.org.review_dictionaries.get(name="补充\ufffd词库")
    response = client.post(
        f"/console/review/dictionaries/{dictionary.pk}/terms/",
        {"text": "旧\x00称", "category": "typo", "severity": "warning", "suggestion": "新称"},
    )
    assert response.status_code == 302 and dictionary.terms.get().text == "旧\ufffd称"
    assert client.get(f"/console/review/dictionaries/{dictionary.pk}/", {"q": "旧\x00"}).status_code == 200
