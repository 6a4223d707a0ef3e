"""Builders for portal tests: published items with attachments, new revisions, a fixed "now"."""

import datetime
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile

from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from tests.factories import make_draft, review_through

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A fixed "now" for tests about dates: items are formed on 2026-11-20 by default.
NOW = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def text_file(
    name: str = "报名表.txt", content: bytes = "晋中市非遗展演报名表\n".encode()
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def publish_with_attachment(staff, upload=None):
    """A draft with one attachment, reviewed and published; returns (item, attachment)."""
    item = make_draft(staff)
    attachment = services.attach_file(user=staff.drafter, item=item, upload=upload or text_file())
    services.submit_for_review(user=staff.drafter, item=item)
    item = review_through(staff, item)
    item = services.publish(user=staff.editor, item=item)
    return InformationItem.objects.get(pk=item.pk), attachment


def publish_new_revision(staff, item, **data):
    """Start a revision of a published item, change it, take it through review and publish it."""
    services.start_revision(user=staff.drafter, item=item)
    item = InformationItem.objects.get(pk=item.pk)
    if data:
        services.update_draft(user=staff.drafter, item=item, data=data)
    services.submit_for_review(user=staff.drafter, item=item)
    item = review_through(staff, item)
    services.publish(user=staff.editor, item=item)
    return InformationItem.objects.get(pk=item.pk)
