"""Bad input gets a clear Chinese message and changes nothing: content fields, submission completeness,
attachments (the real type is read from the content), the item body (sanitised), and stale edits."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.publishing import services
from gongkai.publishing.constants import DisclosureAttribute, RevisionStatus
from gongkai.publishing.files import AttachmentRejected
from gongkai.publishing.html import DocxImportError, docx_to_html, plain_text, sanitize_body
from gongkai.publishing.models import Attachment
from gongkai.publishing.services import StaleEdit, WorkflowError
from tests.factories import (
    ALL_BOTTOM_LINES,
    CatalogueEntryFactory,
    TopicFactory,
    item_data,
    make_approved,
    make_draft,
    make_staff,
)

from .helpers import chinese, fresh, snapshot, submitted, world_snapshot

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def zip_bytes(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- content fields ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_missing_title_lead_department_and_formed_date_are_each_named():
    staff = make_staff()
    before = world_snapshot()
    data = item_data(staff)
    for field in ("title", "lead_department", "formed_on"):
        data.pop(field)
    with pytest.raises(ValidationError) as refused:
        services.create_draft(user=staff.drafter, organization=staff.org, data=data)
    errors = messages(refused.value)
    assert {"title", "lead_department", "formed_on"} <= set(errors)
    assert all(chinese(msgs) for msgs in errors.values())
    assert world_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "empty"),
    [
        ("title", None),
        ("title", ""),
        ("lead_department", None),
        pytest.param("lead_department", ""),
        ("formed_on", None),
        ("formed_on", ""),
    ],
)
def test_each_required_field_left_empty_is_named(field, empty):
    staff = make_staff()
    before = world_snapshot()
    with pytest.raises(ValidationError) as refused:
        services.create_draft(
            user=staff.editor, organization=staff.org, data=item_data(staff, **{field: empty})
        )
    assert set(messages(refused.value)) == {field}
    assert world_snapshot() == before


@pytest.mark.django_db
def test_a_title_of_only_spaces_is_missing():
    staff = make_staff()
    before = world_snapshot()
    with pytest.raises(ValidationError) as refused:
        services.create_draft(
            user=staff.drafter, organization=staff.org, data=item_data(staff, title=" \u3000 ")
        )
    assert "title" in messages(refused.value)
    assert world_snapshot() == before


@pytest.mark.django_db
def test_a_title_of_only_spaces_is_refused_when_editing():
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises(ValidationError) as refused:
        services.update_draft(user=staff.drafter, item=item, data={"title": "   "})
    assert "title" in messages(refused.value)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_an_overlong_title_is_refused():
    staff = make_staff()
    with pytest.raises(ValidationError) as refused:
        services.create_draft(
            user=staff.drafter, organization=staff.org, data=item_data(staff, title="通" * 301)
        )
    assert "300" in messages(refused.value)["title"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("attribute", [DisclosureAttribute.ON_REQUEST, DisclosureAttribute.NOT_DISCLOSED])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_non_proactive_attribute_needs_a_reason(attribute, reason):
    staff = make_staff()
    before = world_snapshot()
    data = item_data(staff, disclosure_attribute=attribute)
    if reason is not None:
        data["non_disclosure_reason"] = reason
    with pytest.raises(ValidationError) as refused:
        services.create_draft(user=staff.drafter, organization=staff.org, data=data)
    assert list(messages(refused.value)) == ["non_disclosure_reason"]
    assert "理由" in messages(refused.value)["non_disclosure_reason"][0]
    assert world_snapshot() == before


@pytest.mark.django_db
def test_switching_a_draft_to_on_request_without_a_reason_is_refused():
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises(ValidationError) as refused:
        services.update_draft(
            user=staff.drafter, item=item, data={"disclosure_attribute": DisclosureAttribute.ON_REQUEST}
        )
    assert "non_disclosure_reason" in messages(refused.value)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_the_reason_of_an_on_request_draft_cannot_be_blanked_by_an_edit():
    staff = make_staff()
    item = make_draft(
        staff, disclosure_attribute=DisclosureAttribute.ON_REQUEST, non_disclosure_reason="涉及商业秘密"
    )
    before = snapshot(item)
    with pytest.raises(ValidationError) as refused:
        services.update_draft(user=staff.drafter, item=item, data={"non_disclosure_reason": ""})
    assert "non_disclosure_reason" in messages(refused.value)
    assert snapshot(item) == before
    assert fresh(item).latest_revision.non_disclosure_reason == "涉及商业秘密"


@pytest.mark.django_db
def test_an_effective_date_before_the_formed_date_is_refused():
    staff = make_staff()
    before = world_snapshot()
    data = item_data(staff, formed_on=datetime.date(2026, 11, 20), effective_on=datetime.date(2026, 11, 19))
    with pytest.raises(ValidationError) as refused:
        services.create_draft(user=staff.drafter, organization=staff.org, data=data)
    assert "生效日期不能早于成文日期" in messages(refused.value)["effective_on"][0]
    assert world_snapshot() == before


@pytest.mark.django_db
def test_an_effective_date_before_the_stored_formed_date_is_refused_when_editing_one_field():
    staff = make_staff()
    item = make_draft(staff, formed_on=datetime.date(2026, 11, 20))
    before = snapshot(item)
    with pytest.raises(ValidationError) as refused:
        services.update_draft(user=staff.drafter, item=item, data={"effective_on": datetime.date(2026, 1, 1)})
    assert "effective_on" in messages(refused.value)
    assert snapshot(item) == before
    assert fresh(item).latest_revision.effective_on is None


@pytest.mark.django_db
def test_a_formed_date_after_the_stored_effective_date_is_refused_when_editing_one_field():
    staff = make_staff()
    item = make_draft(staff, formed_on=datetime.date(2026, 11, 1), effective_on=datetime.date(2026, 11, 5))
    before = snapshot(item)
    with pytest.raises(ValidationError):
        services.update_draft(user=staff.drafter, item=item, data={"formed_on": datetime.date(2026, 11, 20)})
    assert snapshot(item) == before


@pytest.mark.django_db
def test_a_lead_department_of_another_organisation_is_refused():
    staff = make_staff()
    foreign = make_staff()
    before = world_snapshot()
    # an office editor may pick any department of the organisation, so the field check answers
    with pytest.raises(ValidationError) as refused:
        services.create_draft(
            user=staff.editor, organization=staff.org, data=item_data(staff, lead_department=foreign.dept)
        )
    assert chinese(messages(refused.value)["lead_department"])
    # a drafter is refused already by 谁制作 (own department only)
    with pytest.raises((ValidationError, WorkflowError)):
        services.create_draft(
            user=staff.drafter, organization=staff.org, data=item_data(staff, lead_department=foreign.dept)
        )
    assert world_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["topic", "catalogue_entry"])
def test_a_topic_or_catalogue_entry_of_another_organisation_is_refused(field):
    staff = make_staff()
    foreign = make_staff()
    before = world_snapshot()
    value = {"topic": foreign.topic, "catalogue_entry": foreign.entry}[field]
    with pytest.raises(ValidationError) as refused:
        services.create_draft(
            user=staff.drafter, organization=staff.org, data=item_data(staff, **{field: value})
        )
    assert chinese(messages(refused.value)[field])
    assert world_snapshot() == before


@pytest.mark.django_db
def test_a_topic_of_another_organisation_is_refused_when_editing():
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises(ValidationError):
        services.update_draft(user=staff.drafter, item=item, data={"topic": TopicFactory()})
    with pytest.raises(ValidationError):
        services.update_draft(
            user=staff.drafter, item=item, data={"catalogue_entry": CatalogueEntryFactory()}
        )
    assert snapshot(item) == before


@pytest.mark.django_db
def test_a_co_department_of_another_organisation_is_refused():
    staff = make_staff()
    foreign = make_staff()
    before = world_snapshot()
    with pytest.raises(ValidationError) as refused:
        services.create_draft(
            user=staff.drafter, organization=staff.org, data=item_data(staff, co_departments=[foreign.dept])
        )
    assert "co_departments" in messages(refused.value)
    assert world_snapshot() == before


# --- only 主动公开 items are submitted or published ---------------------------------------------------


@pytest.mark.django_db
def test_submitting_an_on_request_item_is_refused_with_a_clear_message():
    staff = make_staff()
    item = make_draft(
        staff, disclosure_attribute=DisclosureAttribute.ON_REQUEST, non_disclosure_reason="涉及第三方"
    )
    before = snapshot(item)
    with pytest.raises(WorkflowError) as refused:
        services.submit_for_review(user=staff.drafter, item=item)
    assert any("依申请公开" in r and "主动公开" in r for r in refused.value.reasons)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_publishing_an_on_request_item_is_refused_with_a_clear_message():
    staff = make_staff()
    item = make_draft(
        staff, disclosure_attribute=DisclosureAttribute.ON_REQUEST, non_disclosure_reason="涉及第三方"
    )
    before = snapshot(item)
    with pytest.raises(WorkflowError) as refused:
        services.publish(user=staff.editor, item=item)
    assert chinese(refused.value.reasons)
    with pytest.raises(WorkflowError, match="主动公开"):
        services.fast_track_publish(user=staff.editor, item=item, reason="紧急")
    assert snapshot(item) == before


# --- submission completeness ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"catalogue_entry": None}, "目录分类", id="no-catalogue-entry"),
        pytest.param({"topic": None}, "主题", id="no-topic"),
        pytest.param({"summary": ""}, "内容概述", id="no-summary"),
        pytest.param({"summary": "  \n "}, "内容概述", id="blank-summary"),
        pytest.param({"body": ""}, "正文和附件", id="no-body-no-attachment"),
        pytest.param({"body": "<script>alert(1)</script>"}, "正文和附件", id="body-only-a-script"),
        pytest.param({"body": "<p><br></p>"}, "正文和附件", id="body-only-empty-markup"),
        pytest.param(
            {"body": "<p>&nbsp;</p><p> </p>"},
            "正文和附件",
            id="body-only-blank-paragraphs",
        ),
    ],
)
def test_an_incomplete_item_cannot_be_submitted(overrides, expected):
    staff = make_staff()
    item = make_draft(staff, **overrides)
    before = snapshot(item)
    with pytest.raises(WorkflowError) as refused:
        services.submit_for_review(user=staff.drafter, item=item)
    assert any(expected in r for r in refused.value.reasons), refused.value.reasons
    assert chinese(refused.value.reasons)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_every_missing_part_is_listed_at_once():
    staff = make_staff()
    item = make_draft(staff, catalogue_entry=None, topic=None, summary="", body="")
    with pytest.raises(WorkflowError) as refused:
        services.submit_for_review(user=staff.drafter, item=item)
    assert len(refused.value.reasons) == 4


@pytest.mark.django_db
def test_an_item_with_attachments_and_no_body_can_be_submitted():
    staff = make_staff()
    item = make_draft(staff, body="")
    services.attach_file(user=staff.drafter, item=item, upload=SimpleUploadedFile("通知.pdf", PDF))
    services.submit_for_review(user=staff.drafter, item=item)
    assert fresh(item).latest_revision.status == RevisionStatus.IN_REVIEW


# --- attachments ------------------------------------------------------------------------------------


def _refused_upload(staff, item, upload, match: str | None = None) -> AttachmentRejected:
    before = snapshot(item)
    with pytest.raises(AttachmentRejected) as refused:
        services.attach_file(user=staff.drafter, item=item, upload=upload)
    assert chinese([str(refused.value)]), str(refused.value)
    if match:
        assert match in str(refused.value)
    assert media_files() == []
    assert Attachment.objects.count() == 0
    assert snapshot(item) == before
    return refused.value


@pytest.mark.django_db
def test_an_exe_renamed_pdf_is_rejected_and_nothing_is_written():
    staff = make_staff()
    item = make_draft(staff)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
    _refused_upload(staff, item, SimpleUploadedFile("会议纪要.pdf", exe), match="实际内容与扩展名")


@pytest.mark.django_db
def test_an_oversized_file_is_rejected(settings):
    settings.GONGKAI_MAX_ATTACHMENT_BYTES = 1024
    staff = make_staff()
    item = make_draft(staff)
    big = PDF + b"0" * 2048
    _refused_upload(staff, item, SimpleUploadedFile("大文件.pdf", big), match="上限")


@pytest.mark.django_db
def test_a_file_of_exactly_the_limit_is_accepted(settings):
    settings.GONGKAI_MAX_ATTACHMENT_BYTES = 1024
    staff = make_staff()
    item = make_draft(staff)
    exact = PDF + b"0" * (1024 - len(PDF))
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=SimpleUploadedFile("a.pdf", exact)
    )
    assert attachment.size == 1024


@pytest.mark.django_db
def test_an_empty_file_is_rejected():
    staff = make_staff()
    item = make_draft(staff)
    _refused_upload(staff, item, SimpleUploadedFile("空.pdf", b""), match="空文件")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["setup.exe", "run.sh", "page.html", "image.svg", "archive.tar.gz", "README"]
)
def test_an_unknown_extension_is_rejected(name):
    staff = make_staff()
    item = make_draft(staff)
    _refused_upload(staff, item, SimpleUploadedFile(name, PDF), match="不允许上传")


@pytest.mark.django_db
def test_a_right_to_left_override_cannot_disguise_an_exe():
    staff = make_staff()
    item = make_draft(staff)
    _refused_upload(staff, item, SimpleUploadedFile("报告\u202efdp.exe", b"MZ" + b"\x00" * 100))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "..\\..\\windows\\system32\\passwd.pdf", "/etc/passwd.pdf", "....//passwd.pdf"],
)
def test_path_tricks_in_the_name_are_stored_under_a_safe_name(name):
    staff = make_staff()
    item = make_draft(staff)
    attachment = services.attach_file(user=staff.drafter, item=item, upload=SimpleUploadedFile(name, PDF))

    assert attachment.original_name == "passwd.pdf"
    stored = Path(attachment.file.path).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    assert stored.is_relative_to(media / "attachments")
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
    assert stored.read_bytes() == PDF
    assert media_files() == [stored]
    assert list(fresh(item).latest_revision.attachments.all()) == [attachment]


@pytest.mark.django_db
def test_a_docx_that_is_a_zip_of_something_else_is_rejected():
    staff = make_staff()
    item = make_draft(staff)
    fake = zip_bytes({"payload.exe": b"MZ" + b"\x00" * 100, "readme.txt": b"hello"})
    _refused_upload(staff, item, SimpleUploadedFile("通知.docx", fake), match="实际内容与扩展名")


@pytest.mark.django_db
def test_a_docx_that_is_really_an_excel_workbook_is_rejected():
    staff = make_staff()
    item = make_draft(staff)
    xlsx = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    _refused_upload(staff, item, SimpleUploadedFile("通知.docx", xlsx))


@pytest.mark.django_db
def test_a_docx_that_is_not_a_zip_at_all_is_rejected():
    staff = make_staff()
    item = make_draft(staff)
    _refused_upload(staff, item, SimpleUploadedFile("通知.docx", b"PK\x03\x04 but truncated garbage"))


@pytest.mark.django_db
def test_an_ofd_that_is_a_zip_of_something_else_is_rejected():
    staff = make_staff()
    item = make_draft(staff)
    fake = zip_bytes({"payload.exe": b"MZ" + b"\x00" * 100})
    _refused_upload(staff, item, SimpleUploadedFile("公文.ofd", fake), match="实际内容与扩展名")


@pytest.mark.django_db
def test_a_real_ofd_is_accepted():
    staff = make_staff()
    item = make_draft(staff)
    ofd = zip_bytes({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=SimpleUploadedFile("公文.ofd", ofd)
    )
    assert attachment.extension == "ofd"


@pytest.mark.django_db
def test_a_real_docx_is_accepted():
    staff = make_staff()
    item = make_draft(staff)
    docx = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=SimpleUploadedFile("通知.docx", docx)
    )
    assert attachment.extension == "docx"
    assert attachment.content_type.endswith("wordprocessingml.document")


@pytest.mark.django_db
def test_a_utf8_csv_larger_than_the_sniffed_head_is_accepted():
    """An ordinary UTF-8 CSV must not be refused because the 8 KB head cuts a Chinese character in two
    (whichever byte of the character the cut falls on)."""
    staff = make_staff()
    item = make_draft(staff)
    rows = "".join(f"{n},晋中市非物质文化遗产项目,平遥县文化馆\n" for n in range(400))
    refused = []
    for shift in range(6):
        csv = ("#" * shift + "序号,项目名称,申报单位\n" + rows).encode()
        assert len(csv) > 8192
        try:
            services.attach_file(user=staff.drafter, item=item, upload=SimpleUploadedFile("名录.csv", csv))
        except AttachmentRejected:
            refused.append(shift)
    assert refused == []
    assert Attachment.objects.filter(extension="csv").count() == 6


@pytest.mark.django_db
def test_a_binary_file_renamed_txt_is_rejected():
    staff = make_staff()
    item = make_draft(staff)
    _refused_upload(staff, item, SimpleUploadedFile("说明.txt", b"\x00\x01\x02binary" * 10))


@pytest.mark.django_db
def test_a_person_who_may_not_edit_cannot_upload_and_nothing_is_written():
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises(WorkflowError):
        services.attach_file(user=staff.head, item=item, upload=SimpleUploadedFile("a.pdf", PDF))
    assert media_files() == [] and Attachment.objects.count() == 0
    assert snapshot(item) == before


@pytest.mark.django_db
def test_an_item_in_review_takes_no_new_attachment():
    staff = make_staff()
    item = submitted(staff)
    before = snapshot(item)
    with pytest.raises(WorkflowError):
        services.attach_file(user=staff.drafter, item=item, upload=SimpleUploadedFile("a.pdf", PDF))
    assert media_files() == [] and Attachment.objects.count() == 0
    assert snapshot(item) == before


# --- the body is sanitised ---------------------------------------------------------------------------

HOSTILE_BODY = """
<h2>一、活动安排</h2>
<p style="position:fixed;top:0" onclick="steal()" class="x">活动于12月举行。</p>
<script>alert('xss')</script>
<img src="https://www.example.gov.cn/a.png" alt="海报" onerror="alert('img')">
<a href="javascript:alert('link')">坏链接</a>
<a href="JaVaScRiPt:alert('case')">大小写</a>
<a href="jav&#x09;ascript:alert('tab')">编码</a>
<a href="https://www.sxjz.gov.cn/" target="_blank">晋中市人民政府</a>
<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="d">
<svg onload="alert('svg')"><circle r="1"/></svg>
<iframe src="https://evil.example/"></iframe>
<style>body{display:none}</style>
<form action="https://evil.example/"><input name="q"></form>
<table><thead><tr><th scope="col">时间</th><th>地点</th></tr></thead>
<tbody><tr><td colspan="2" style="color:red">2026年12月1日 晋中大剧院</td></tr></tbody></table>
<ul><li>报名方式</li></ul>
"""


def test_sanitize_body_removes_scripts_handlers_javascript_urls_and_styles():
    clean = sanitize_body(HOSTILE_BODY)
    lowered = clean.lower()
    for bad in (
        "<script",
        "alert",
        "onerror",
        "onclick",
        "onload",
        "javascript",
        "style",
        "<iframe",
        "<svg",
        "<form",
        "<input",
        "display:none",
        "data:",
        "class=",
    ):
        assert bad not in lowered, bad


def test_sanitize_body_keeps_tables_links_headings_and_lists():
    clean = sanitize_body(HOSTILE_BODY)
    assert "<h2>一、活动安排</h2>" in clean
    assert "<p>活动于12月举行。</p>" in clean
    assert '<a href="https://www.sxjz.gov.cn/" rel="noopener noreferrer">晋中市人民政府</a>' in clean
    assert '<th scope="col">时间</th>' in clean
    assert '<td colspan="2">2026年12月1日 晋中大剧院</td>' in clean
    assert "<table>" in clean and "<thead>" in clean and "<tbody>" in clean
    assert '<img alt="海报">' in clean  # images from other sites lose their source (no reader tracking)
    assert "<li>报名方式</li>" in clean
    assert "坏链接" in clean  # the text of a bad link stays, only its URL goes


def test_sanitize_body_is_stable():
    once = sanitize_body(HOSTILE_BODY)
    assert sanitize_body(once) == once
    assert sanitize_body(None) == ""


@pytest.mark.django_db
def test_the_body_is_sanitised_when_saved():
    staff = make_staff()
    item = make_draft(staff, body=HOSTILE_BODY)
    body = fresh(item).latest_revision.body
    assert body == sanitize_body(HOSTILE_BODY)
    services.update_draft(
        user=staff.drafter, item=item, data={"body": '<p onmouseover="x()">改</p><script>1</script>'}
    )
    assert fresh(item).latest_revision.body == "<p>改</p>"


def test_plain_text_of_a_body():
    assert plain_text("<p>一、&nbsp;活动</p><p>安排&amp;报名</p>") == "一、 活动 安排&报名"


def test_a_broken_docx_import_gives_a_chinese_message():
    with pytest.raises(DocxImportError, match="无法读取"):
        docx_to_html(b"not a docx")


def test_a_docx_import_keeps_headings_and_tables_and_drops_images():
    import docx

    document = docx.Document()
    document.add_heading("活动安排", level=2)
    document.add_paragraph("活动于12月举行。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "时间"
    table.rows[0].cells[1].text = "地点"
    buffer = io.BytesIO()
    document.save(buffer)

    html, problems = docx_to_html(buffer.getvalue())
    assert "<h2>活动安排</h2>" in html
    assert "<p>活动于12月举行。</p>" in html
    assert "<table>" in html and "时间" in html
    assert problems == []


# --- stale edits -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_lock_version_is_refused_and_nothing_changes():
    staff = make_staff()
    item = make_draft(staff)
    opened_at = item.lock_version
    services.update_draft(
        user=staff.editor, item=item, data={"summary": "办公室已改。"}, lock_version=opened_at
    )
    before = snapshot(item)

    with pytest.raises(StaleEdit) as refused:
        services.update_draft(
            user=staff.drafter, item=item, data={"summary": "起草人改。"}, lock_version=opened_at
        )
    assert "刷新" in str(refused.value)
    assert snapshot(item) == before
    assert fresh(item).latest_revision.summary == "办公室已改。"


@pytest.mark.django_db
def test_a_stale_lock_version_refuses_submit_approve_and_publish():
    staff = make_staff()
    item = make_draft(staff)
    stale = item.lock_version
    services.update_draft(user=staff.drafter, item=item, data={"summary": "新概述。"})
    with pytest.raises(StaleEdit):
        services.submit_for_review(user=staff.drafter, item=item, lock_version=stale)

    item = submitted(staff)
    stale = fresh(item).lock_version
    services.approve_step(user=staff.head, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    before = snapshot(item)
    with pytest.raises(StaleEdit):
        services.approve_step(
            user=staff.secrecy, item=item, opinion="同意", lock_version=stale, bottom_lines=ALL_BOTTOM_LINES
        )
    with pytest.raises(StaleEdit):
        services.reject_step(user=staff.secrecy, item=item, opinion="退回", lock_version=stale)
    assert snapshot(item) == before

    item = make_approved(staff)
    before = snapshot(item)
    with pytest.raises(StaleEdit):
        services.publish(user=staff.editor, item=item, lock_version=fresh(item).lock_version - 1)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_a_lock_version_that_is_not_a_number_is_refused_cleanly():
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises((StaleEdit, ValidationError)):
        services.update_draft(user=staff.drafter, item=item, data={"summary": "x"}, lock_version="abc")
    assert snapshot(item) == before


def test_images_in_the_body_come_from_this_site_only():
    from gongkai.publishing.html import sanitize_body

    html = sanitize_body(
        '<p><img src="https://tracker.example/p.gif" alt="x"><img src="/xxgk/files/1/a.png" alt="图"></p>'
    )
    assert "tracker.example" not in html
    assert 'src="/xxgk/files/1/a.png"' in html
    assert "//evil" not in sanitize_body('<img src="//evil.example/x.png">')


def test_a_long_file_name_keeps_its_extension():
    from gongkai.publishing.files import safe_name

    name = safe_name("很长的文件名" * 60 + ".pdf")
    assert name.endswith(".pdf") and len(name) <= 200


@pytest.mark.django_db
def test_an_item_cannot_be_submitted_under_a_catalogue_heading():
    from tests.factories import CatalogueEntryFactory

    staff = make_staff()
    CatalogueEntryFactory(organization=staff.org, parent=staff.entry)  # staff.entry now has a child
    item = make_draft(staff)
    with pytest.raises(WorkflowError, match="最末一级"):
        services.submit_for_review(user=staff.drafter, item=item)
