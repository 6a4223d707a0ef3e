"""Attachment checks: the real type is read from the content, never trusted from the name."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .constants import ALLOWED_ATTACHMENT_EXTENSIONS

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office / WPS compound file
_OOXML_MARKERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


class AttachmentRejected(ValueError):
    """A clear Chinese message for the uploader; nothing is stored."""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def safe_name(name: str) -> str:
    """The base name only, normalised, without path tricks or control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 200:  # shorten the stem, never the extension
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name or "附件"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    import codecs

    for encoding in ("utf-8", "gb18030"):
        try:
            # final=False: a character cut in half at the end of the sample is not an error.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _zip_names(head: bytes, upload) -> list[str]:
    if not head.startswith(b"PK"):
        return []
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    finally:
        upload.seek(0)


def _content_matches(ext: str, head: bytes, upload) -> bool:
    kind = filetype.guess(head)
    if ext in {"doc", "xls", "ppt", "wps", "et"}:
        return head.startswith(_OLE)
    if ext in _OOXML_MARKERS or ext == "ofd":
        names = _zip_names(head, upload)
        if ext == "ofd":  # GB/T 33190: the package entry point is OFD.xml at the root
            return "OFD.xml" in names
        return any(n.startswith(_OOXML_MARKERS[ext]) for n in names)
    if ext in {"txt", "csv"}:
        return _looks_like_text(head)
    expected = {"jpg": "jpg", "jpeg": "jpg"}.get(ext, ext)
    return kind is not None and kind.extension == expected


def check_upload(upload) -> CheckedFile:
    """Refuse oversize files, unknown extensions and content that does not match its extension."""
    name = safe_name(getattr(upload, "name", ""))
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    limit = settings.GONGKAI_MAX_ATTACHMENT_BYTES
    size = upload.size
    if size == 0:
        raise AttachmentRejected(f"文件“{name}”是空文件。")
    if size > limit:
        raise AttachmentRejected(
            f"文件“{name}”大小为 {filesizeformat(size)},超过了 {filesizeformat(limit)} 的上限。"
        )
    if ext not in ALLOWED_ATTACHMENT_EXTENSIONS:
        allowed = "、".join(ALLOWED_ATTACHMENT_EXTENSIONS)
        raise AttachmentRejected(f"不允许上传 .{ext or '(无扩展名)'} 文件。允许的类型:{allowed}。")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if not _content_matches(ext, head, upload):
        raise AttachmentRejected(f"文件“{name}”的实际内容与扩展名 .{ext} 不符,已拒绝上传。")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else _fallback_mime(ext)
    return CheckedFile(
        name=name, extension=ext, content_type=content_type, size=size, sha256=digest.hexdigest()
    )


def _fallback_mime(ext: str) -> str:
    return {
        "doc": "application/msword",
        "xls": "application/vnd.ms-excel",
        "ppt": "application/vnd.ms-powerpoint",
        "wps": "application/vnd.ms-works",
        "et": "application/vnd.ms-excel",
        "ofd": "application/ofd",
        "txt": "text/plain; charset=utf-8",
        "csv": "text/csv; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }.get(ext, "application/octet-stream")
