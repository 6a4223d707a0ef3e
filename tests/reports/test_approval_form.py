"""《政府信息公开审批表》(DOMAIN P5): printed from the archived record, members only."""

import io

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from gongkai.audit.models import AuditEvent
from gongkai.publishing import services
from gongkai.publishing.models import ApprovalForm
from tests.factories import make_draft, make_staff

from .conftest import OPINIONS, login

pytestmark = pytest.mark.django_db


def form_url(item):
    return reverse("reports:form", args=[item.live_revision_id])


def docx_url(item):
    return reverse("reports:form_docx", args=[item.live_revision_id])


def test_print_url_is_the_one_the_console_links_to(published):
    assert form_url(published) == f"/console/reports/forms/{published.live_revision_id}/"
    assert docx_url(published) == f"/console/reports/forms/{published.live_revision_id}/docx"


def test_published_items_form_shows_every_reviewer_opinion_and_the_archive_number(client, staff, published):
    form = ApprovalForm.objects.get(revision=published.live_revision)
    response = login(client, staff.drafter).get(form_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    assert form.archive_number in html
    assert form.archive_number.startswith(f"{staff.org.code}-SPB-")
    assert "政府信息公开审批表" in html
    assert published.live_revision.title in html
    assert published.index_number in html
    for person in (staff.head, staff.secrecy, staff.editor2, staff.leader):
        assert person.display_name in html
    for opinion in OPINIONS.values():
        assert opinion in html
    for step in ("科室审核", "保密审查", "办公室审核", "分管领导签发"):
        assert step in html
    assert staff.editor.display_name in html  # 发布人
    assert staff.drafter.display_name in html  # 拟稿人


def test_form_is_rendered_from_the_archived_snapshot_not_live_objects(client, staff, published):
    staff.head.full_name = "改名以后"
    staff.head.save()
    form = ApprovalForm.objects.get(revision=published.live_revision)
    html = login(client, staff.leader).get(form_url(published)).content.decode()
    assert form.data["steps"][0]["decided_by"] in html
    assert "改名以后" not in html


def test_print_page_has_a_print_button_with_its_own_script_and_no_inline_script(client, staff, published):
    html = login(client, staff.editor).get(form_url(published)).content.decode()
    assert "data-print" in html
    assert "reports/print.js" in html
    assert "reports/sheet-print.css" in html
    assert "<script>" not in html
    assert "onclick" not in html
    assert "style=" not in html


def test_another_organisations_member_gets_404(client, published):
    outsider = make_staff().editor
    login(client, outsider)
    assert client.get(form_url(published)).status_code == 404
    assert client.get(docx_url(published)).status_code == 404


def test_unknown_or_unpublished_revision_gets_404(client, staff):
    draft = make_draft(staff)
    login(client, staff.editor)
    assert client.get(reverse("reports:form", args=[draft.latest_revision_id])).status_code == 404
    assert client.get(reverse("reports:form", args=[999999])).status_code == 404


def test_anonymous_is_redirected_to_login(client, published):
    login_url = reverse("console:login")
    for url in (form_url(published), docx_url(published)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login_url)


def test_reading_a_form_records_no_audit_event(client, staff, published):
    before = AuditEvent.objects.count()
    login(client, staff.editor)
    client.get(form_url(published))
    client.get(docx_url(published))
    assert AuditEvent.objects.count() == before


def test_docx_opens_and_contains_the_title_and_each_opinion(client, staff, published):
    form = ApprovalForm.objects.get(revision=published.live_revision)
    response = login(client, staff.drafter).get(docx_url(published))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    # RFC 5987: the Chinese name percent-encoded as UTF-8 in filename*.
    assert f"filename*=UTF-8''%E5%AE%A1%E6%89%B9%E8%A1%A8-{form.archive_number}.docx" in disposition

    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert form.archive_number in text
    assert "政府信息公开审批表" in text
    assert published.live_revision.title in cells
    for opinion in OPINIONS.values():
        assert opinion in cells
    for person in (staff.head, staff.secrecy, staff.editor2, staff.leader):
        assert person.display_name in cells


def test_docx_sets_a_chinese_east_asian_font(client, staff, published):
    response = login(client, staff.drafter).get(docx_url(published))
    document = Document(io.BytesIO(response.content))
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    run = document.tables[0].rows[0].cells[1].paragraphs[0].runs[0]
    assert run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"


def test_fast_tracked_items_form_shows_the_reason(client, staff):
    reason = "暴雨红色预警,景区临时闭园通知须立即发布。"
    item = services.fast_track_publish(user=staff.editor, item=make_draft(staff), reason=reason)
    html = login(client, staff.leader).get(form_url(item)).content.decode()
    assert "紧急发布理由" in html
    assert reason in html
    assert staff.editor.display_name in html
    assert "待事后审核" in html

    document = Document(io.BytesIO(client.get(docx_url(item)).content))
    cells = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert reason in cells


def test_post_review_appears_on_the_form_once_confirmed(client, staff):
    item = services.fast_track_publish(user=staff.editor, item=make_draft(staff), reason="时效性强")
    services.confirm_post_review(user=staff.leader, item=item, opinion="事后审核无误。")
    html = login(client, staff.drafter).get(form_url(item)).content.decode()
    assert "事后审核无误。" in html
    assert "待事后审核" not in html


@pytest.mark.parametrize("suffix", ["", "docx"])
def test_a_25_digit_revision_id_is_404_not_an_overflow(client, staff, suffix):
    response = login(client, staff.drafter).get(f"/console/reports/forms/{'9' * 25}/{suffix}")
    assert response.status_code == 404
