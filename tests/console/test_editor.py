"""The item editor: create, edit with optimistic locking, Word import, body sanitising."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from gongkai.publishing import services
from gongkai.publishing.models import InformationItem, Revision
from tests.factories import make_draft, make_published, make_staff

from .helpers import fresh, item_post

pytestmark = pytest.mark.django_db


def docx_bytes(*paragraphs: str) -> bytes:
    document = Document()
    document.add_heading("关于开展文化惠民活动的通知", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def edit_post(client, item, **overrides):
    page = client.get(reverse("console:item_edit", args=[item.pk]))
    lock = page.context["form"].initial["lock_version"]
    return client.post(reverse("console:item_edit", args=[item.pk]), {**overrides, "lock_version": lock})


def test_create_saves_a_draft_and_opens_the_item(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(reverse("console:item_create"), item_post(staff, title="新建的通知"))
    assert response.status_code == 302
    item = InformationItem.objects.get()
    assert response["Location"] == reverse("console:item", args=[item.pk])
    assert item.latest_revision.title == "新建的通知"
    assert item.latest_revision.created_by == staff.drafter
    assert item.publication_due_on is not None


def test_the_new_item_form_starts_with_my_department_and_the_organisation(client, login):
    staff = make_staff()
    login(staff.drafter)
    form = client.get(reverse("console:item_create")).context["form"]
    assert form.initial["lead_department"] == staff.dept.pk
    assert form.initial["publisher"] == staff.org.name
    assert "is_major_change" not in form.fields


def test_choices_are_limited_to_my_organisation(client, login):
    staff, other = make_staff(), make_staff()
    login(staff.drafter)
    form = client.get(reverse("console:item_create")).context["form"]
    assert set(form.fields["lead_department"].queryset) == set(staff.org.departments.all())
    assert list(form.fields["topic"].queryset) == [staff.topic]
    assert list(form.fields["catalogue_entry"].queryset) == [staff.entry]
    response = client.post(
        reverse("console:item_create"),
        item_post(staff, topic=str(other.topic.pk), catalogue_entry=str(other.entry.pk)),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["topic"]
    assert response.context["form"].errors["catalogue_entry"]
    assert not InformationItem.objects.exists()


def test_a_reason_is_required_when_not_proactive_and_shown_on_the_field(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(
        reverse("console:item_create"),
        item_post(staff, disclosure_attribute="not_disclosed", non_disclosure_reason=""),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["non_disclosure_reason"]
    assert any("必须说明理由" in e for e in errors)
    assert 'aria-invalid="true"' in response.content.decode()
    assert not InformationItem.objects.exists()


def test_a_drafter_cannot_draft_for_another_department(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(
        reverse("console:item_create"), item_post(staff, lead_department=str(staff.other_dept.pk))
    )
    assert response.status_code == 200
    assert "起草人只能以本科室为牵头科室起草信息" in response.content.decode()
    assert not InformationItem.objects.exists()


def test_edit_saves_the_changes(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = edit_post(
        client, item, **item_post(staff, title="改过的标题", co_departments=[str(staff.other_dept.pk)])
    )
    assert response.status_code == 302
    revision = fresh(item).latest_revision
    assert revision.title == "改过的标题"
    assert list(revision.co_departments.all()) == [staff.other_dept]


def test_a_stale_lock_version_keeps_the_input_and_shows_the_message(client, login):
    staff = make_staff()
    item = make_draft(staff, title="原标题")
    login(staff.drafter)
    page = client.get(reverse("console:item_edit", args=[item.pk]))
    stale = page.context["form"].initial["lock_version"]
    # Someone else saves in between.
    services.update_draft(user=staff.editor, item=item, data={"title": "办公室改的标题"}, lock_version=stale)

    mine = item_post(staff, title="我改的标题", summary="我认真写的概述,不能丢。")
    response = client.post(reverse("console:item_edit", args=[item.pk]), {**mine, "lock_version": stale})
    assert response.status_code == 409
    body = response.content.decode()
    assert "该信息已被他人修改" in body
    assert 'value="我改的标题"' in body
    assert "我认真写的概述,不能丢。" in body
    assert "办公室改的标题" in body  # what the other person saved, to compare
    assert fresh(item).latest_revision.title == "办公室改的标题"  # nothing overwritten

    # The kept form carries the new lock version: saving again deliberately goes through.
    kept = response.context["form"]
    response = client.post(
        reverse("console:item_edit", args=[item.pk]), {**mine, "lock_version": kept["lock_version"].value()}
    )
    assert response.status_code == 302
    assert fresh(item).latest_revision.title == "我改的标题"


def test_docx_import_fills_the_body(client, login):
    staff = make_staff()
    login(staff.drafter)
    upload = SimpleUploadedFile(
        "通知.docx", docx_bytes("第一条:活动时间为十二月。", "第二条:地点在市文化馆。")
    )
    response = client.post(reverse("console:item_create"), {**item_post(staff, body=""), "docx_file": upload})
    assert response.status_code == 302
    body = InformationItem.objects.get().latest_revision.body
    assert "<p>第一条:活动时间为十二月。</p>" in body
    assert "第二条:地点在市文化馆。" in body
    assert "关于开展文化惠民活动的通知" in body


def test_docx_import_on_edit_replaces_the_body(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    upload = SimpleUploadedFile("修改稿.docx", docx_bytes("修改后的正文。"))
    response = edit_post(client, item, **item_post(staff), docx_file=upload)
    assert response.status_code == 302
    assert "修改后的正文。" in fresh(item).latest_revision.body


def test_a_broken_docx_gives_the_chinese_message_and_saves_nothing(client, login):
    staff = make_staff()
    login(staff.drafter)
    upload = SimpleUploadedFile("坏文件.docx", b"this is not a zip file at all")
    response = client.post(reverse("console:item_create"), {**item_post(staff), "docx_file": upload})
    assert response.status_code == 200
    assert "无法读取该 Word 文档" in response.content.decode()
    assert not InformationItem.objects.exists()


def test_only_docx_files_are_imported(client, login):
    staff = make_staff()
    login(staff.drafter)
    upload = SimpleUploadedFile("旧格式.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    response = client.post(reverse("console:item_create"), {**item_post(staff), "docx_file": upload})
    assert response.status_code == 200
    assert "只能导入 .docx" in response.content.decode()


def test_script_in_the_body_is_removed(client, login):
    staff = make_staff()
    login(staff.drafter)
    body = '<p onclick="steal()">正文</p><script>alert("x")</script><img src="x" onerror="alert(1)">'
    response = client.post(reverse("console:item_create"), item_post(staff, body=body))
    assert response.status_code == 302
    item = InformationItem.objects.get()
    saved = item.latest_revision.body
    assert (
        "<script" not in saved and "alert" not in saved and "onclick" not in saved and "onerror" not in saved
    )
    assert "正文" in saved
    page = client.get(reverse("console:item", args=[item.pk])).content.decode()
    assert "<script>alert" not in page and "onerror" not in page


def test_major_change_is_offered_only_when_revising_a_published_item(client, login):
    staff = make_staff()
    draft = make_draft(staff)
    published = make_published(staff)
    login(staff.drafter)
    assert (
        "is_major_change"
        not in client.get(reverse("console:item_edit", args=[draft.pk])).context["form"].fields
    )
    services.start_revision(user=staff.drafter, item=published)
    form = client.get(reverse("console:item_edit", args=[published.pk])).context["form"]
    assert "is_major_change" in form.fields
    response = edit_post(
        client, published, **item_post(staff, change_note="更正了报名时间"), is_major_change="on"
    )
    assert response.status_code == 302
    revision = fresh(published).latest_revision
    assert revision.number == 2 and revision.is_major_change and revision.change_note == "更正了报名时间"


def test_a_submitted_item_cannot_be_edited(client, login):
    staff = make_staff()
    item = make_draft(staff)
    services.submit_for_review(user=staff.drafter, item=item)
    login(staff.drafter)
    response = client.get(reverse("console:item_edit", args=[item.pk]))
    assert response.status_code == 403
    assert "只有草稿或被退回的信息可以修改" in response.content.decode()


def test_a_bad_date_is_a_form_error_not_a_crash(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(reverse("console:item_create"), item_post(staff, formed_on="2026-13-45"))
    assert response.status_code == 200
    assert response.context["form"].errors["formed_on"]
    assert Revision.objects.count() == 0


def test_an_imported_body_is_kept_when_another_field_needs_fixing(client, login):
    staff = make_staff()
    login(staff.drafter)
    upload = SimpleUploadedFile("通知.docx", docx_bytes("导入后不能丢的正文。"))
    response = client.post(
        reverse("console:item_create"), {**item_post(staff, title=""), "docx_file": upload}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert "导入后不能丢的正文。" in response.content.decode()
    assert not InformationItem.objects.exists()


def test_new_item_is_not_offered_to_people_who_cannot_create(client, login):
    staff = make_staff()
    login(staff.secrecy)
    assert reverse("console:item_create") not in client.get(reverse("console:inbox")).content.decode()
    login(staff.drafter)
    assert reverse("console:item_create") in client.get(reverse("console:inbox")).content.decode()


def test_an_edit_without_the_page_version_is_refused_with_a_message(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = client.post(reverse("console:item_edit", args=[item.pk]), item_post(staff, title="无版本号"))
    assert response.status_code == 200
    assert "页面已过期,请刷新后重新编辑。" in response.content.decode()
    assert fresh(item).latest_revision.title != "无版本号"


def test_the_editor_fields_are_the_services_content_fields_plus_co_departments():
    from gongkai.console.forms import ITEM_FIELDS
    from gongkai.publishing.content import CONTENT_FIELDS

    assert set(ITEM_FIELDS) == set(CONTENT_FIELDS) | {"co_departments"}
    assert len(ITEM_FIELDS) == len(CONTENT_FIELDS) + 1
    assert ITEM_FIELDS.index("co_departments") == ITEM_FIELDS.index("lead_department") + 1
