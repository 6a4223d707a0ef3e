"""Public URLs of items and attachments (used by templates, the API and other apps)."""

from __future__ import annotations

from django.urls import reverse

from gongkai.publishing.models import Attachment, InformationItem


def public_file_name(attachment: Attachment) -> str:
    """The name in the download URL: the original name, made safe for one path segment."""
    name = (attachment.original_name or "").replace("/", "_").replace("\\", "_").strip()
    if name:
        return name
    return f"附件.{attachment.extension}" if attachment.extension else "附件"


def attachment_url(attachment: Attachment) -> str:
    return reverse("portal:attachment", kwargs={"pk": attachment.pk, "name": public_file_name(attachment)})


def item_url(item: InformationItem) -> str:
    return reverse("portal:item", kwargs={"index_number": item.index_number})


def item_print_url(item: InformationItem) -> str:
    return reverse("portal:item_print", kwargs={"index_number": item.index_number})
