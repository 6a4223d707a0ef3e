"""Attachment downloads: only files of the live revision of a published item are reachable."""

import pytest
from django.urls import reverse

from gongkai.portal.links import attachment_url, item_url, public_file_name
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from tests.factories import make_draft, review_through
from tests.portal.builders import publish_with_attachment, text_file

pytestmark = pytest.mark.django_db

CONTENT = "晋中市非遗展演报名表\n".encode()


def download(client, attachment):
    response = client.get(attachment_url(attachment))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def test_attachment_of_a_published_item_is_downloaded_with_its_bytes(client, staff):
    _item, attachment = publish_with_attachment(staff)
    response, body = download(client, attachment)
    assert response.status_code == 200
    assert body == CONTENT
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(CONTENT))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E6%8A%A5%E5%90%8D%E8%A1%A8.txt" in disposition


def test_attachment_url_ends_in_the_original_name(staff):
    _item, attachment = publish_with_attachment(staff)
    assert attachment_url(attachment) == reverse(
        "portal:attachment", kwargs={"pk": attachment.pk, "name": "报名表.txt"}
    )


def test_attachment_of_a_draft_is_not_found(client, staff):
    item = make_draft(staff)
    attachment = services.attach_file(user=staff.drafter, item=item, upload=text_file())
    response, _ = download(client, attachment)
    assert response.status_code == 404


def test_attachment_added_to_a_revision_under_review_is_not_found_until_published(client, staff, published):
    services.start_revision(user=staff.drafter, item=published)
    item = InformationItem.objects.get(pk=published.pk)
    attachment = services.attach_file(user=staff.drafter, item=item, upload=text_file("新附件.txt"))
    services.submit_for_review(user=staff.drafter, item=item)
    assert download(client, attachment)[0].status_code == 404
    assert "新附件.txt" not in client.get(item_url(item)).content.decode()


def test_attachment_removed_from_the_live_revision_is_no_longer_reachable(client, staff):
    item, attachment = publish_with_attachment(staff)
    services.start_revision(user=staff.drafter, item=item)
    item = InformationItem.objects.get(pk=item.pk)
    services.remove_attachment(user=staff.drafter, item=item, attachment=attachment)
    assert download(client, attachment)[0].status_code == 200  # the old revision is still live
    services.submit_for_review(user=staff.drafter, item=item)
    item = review_through(staff, item)
    services.publish(user=staff.editor, item=item)
    assert download(client, attachment)[0].status_code == 404


def test_attachment_of_a_withdrawn_item_is_not_found(client, staff):
    item, attachment = publish_with_attachment(staff)
    services.withdraw(user=staff.editor, item=item, reason="撤回。")
    assert download(client, attachment)[0].status_code == 404


def test_unknown_attachment_is_not_found(client, db):
    assert client.get("/xxgk/files/999999/x.pdf").status_code == 404


def test_wrong_name_redirects_to_the_original_name(client, staff):
    _item, attachment = publish_with_attachment(staff)
    response = client.get(f"/xxgk/files/{attachment.pk}/other.txt")
    assert response.status_code == 302
    assert response["Location"] == attachment_url(attachment)


def test_missing_stored_file_answers_404_not_500(client, staff):
    _item, attachment = publish_with_attachment(staff)
    attachment.file.storage.delete(attachment.file.name)
    assert download(client, attachment)[0].status_code == 404


def test_item_page_lists_attachments_with_name_size_and_link(client, staff):
    item, attachment = publish_with_attachment(staff)
    html = client.get(item_url(item)).content.decode()
    assert f'<a href="{attachment_url(attachment)}">报名表.txt</a>' in html
    assert f"{len(CONTENT)}" in html and "字节" in html


def test_public_file_name_is_one_path_segment(staff):
    _item, attachment = publish_with_attachment(staff)
    attachment.original_name = "a/b.txt"
    assert public_file_name(attachment) == "a_b.txt"
    attachment.original_name = ""
    assert public_file_name(attachment) == "附件.txt"


def test_a_25_digit_attachment_id_is_404_not_an_overflow(client, staff):
    response = client.get(f"/xxgk/files/{'9' * 25}/报名表.txt")
    assert response.status_code == 404
