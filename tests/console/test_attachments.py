"""Attachments in the console: checked uploads, permission-checked downloads, removal."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongkai.publishing import services
from gongkai.publishing.models import Attachment
from tests.factories import make_draft, make_published, make_staff

from .helpers import fresh, texts

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def stored_files() -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, item, name, content):
    return client.post(
        reverse("console:attachment_upload", args=[item.pk]), {"file": SimpleUploadedFile(name, content)}
    )


def test_a_pdf_is_uploaded_and_listed(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = upload(client, item, "活动方案.pdf", PDF)
    assert response.status_code == 302
    assert "附件“活动方案.pdf”已上传。" in texts(response)
    attachment = Attachment.objects.get()
    assert list(fresh(item).latest_revision.attachments.all()) == [attachment]
    page = client.get(reverse("console:item", args=[item.pk])).content.decode()
    assert "活动方案.pdf" in page
    assert reverse("console:attachment", args=[item.pk, attachment.pk]) in page
    assert settings.MEDIA_URL not in page
    assert attachment.file.name not in page


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_stored(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = upload(client, item, "通知.pdf", EXE)
    assert response.status_code == 302
    assert "文件“通知.pdf”的实际内容与扩展名 .pdf 不符,已拒绝上传。" in texts(response)
    assert not Attachment.objects.exists()
    assert stored_files() == []
    page = client.get(response["Location"]).content.decode()
    assert "实际内容与扩展名 .pdf 不符" in page


def test_a_forbidden_extension_is_refused_with_the_chinese_message(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = upload(client, item, "setup.exe", EXE)
    assert any("不允许上传 .exe 文件" in m for m in texts(response))
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_gets_a_message(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = client.post(reverse("console:attachment_upload", args=[item.pk]))
    assert "请选择要上传的文件。" in texts(response)


def test_someone_who_may_not_edit_cannot_upload(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.leader)
    response = upload(client, item, "方案.pdf", PDF)
    assert response.status_code == 302
    assert any("只有起草人" in m for m in texts(response))
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_download_streams_the_file_as_an_attachment_to_staff_of_the_organisation(client, login):
    staff = make_staff()
    item = make_draft(staff)
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=SimpleUploadedFile("方案.pdf", PDF)
    )
    login(staff.leader)  # any member of the organisation may read it
    response = client.get(reverse("console:attachment", args=[item.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%96%B9%E6%A1%88.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_download_is_404_for_another_organisation_and_for_another_items_attachment(client, login):
    staff, other = make_staff(), make_staff()
    item = make_draft(staff)
    second = make_draft(staff, title="另一条")
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=SimpleUploadedFile("方案.pdf", PDF)
    )
    login(other.editor)
    assert client.get(reverse("console:attachment", args=[item.pk, attachment.pk])).status_code == 404
    login(staff.drafter)
    assert client.get(reverse("console:attachment", args=[second.pk, attachment.pk])).status_code == 404


def test_remove_takes_the_attachment_off_the_working_revision(client, login):
    staff = make_staff()
    item = make_draft(staff)
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=SimpleUploadedFile("方案.pdf", PDF)
    )
    login(staff.secrecy)
    client.post(reverse("console:attachment_remove", args=[item.pk, attachment.pk]))
    assert fresh(item).latest_revision.attachments.count() == 1  # not allowed: unchanged
    login(staff.drafter)
    response = client.post(reverse("console:attachment_remove", args=[item.pk, attachment.pk]))
    assert any("已从当前版本移除" in m for m in texts(response))
    assert fresh(item).latest_revision.attachments.count() == 0


def test_published_attachments_cannot_be_changed_from_the_item_page(client, login):
    staff = make_staff()
    item = make_published(staff)
    login(staff.drafter)
    page = client.get(reverse("console:item", args=[item.pk])).content.decode()
    assert reverse("console:attachment_upload", args=[item.pk]) not in page
