"""Item bodies: sanitised HTML, and .docx import (offices write in Word)."""

from __future__ import annotations

import io
import re

import mammoth
import nh3

from .constants import BODY_ALLOWED_ATTRIBUTES, BODY_ALLOWED_TAGS, BODY_URL_SCHEMES


class DocxImportError(ValueError):
    pass


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Images come from this site only (an image from elsewhere lets a third party watch readers)."""
    if tag == "img" and attribute == "src" and not (value.startswith("/") and not value.startswith("//")):
        return None
    return value


def sanitize_body(html: str) -> str:
    """Keep document structure, drop everything that could run or restyle the page."""
    return nh3.clean(
        html or "",
        tags=BODY_ALLOWED_TAGS,
        attributes=BODY_ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=BODY_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(html: str) -> str:
    import html as html_lib

    return _SPACE.sub(" ", html_lib.unescape(_TAG.sub(" ", html or ""))).strip()


def docx_to_html(data: bytes) -> tuple[str, list[str]]:
    """Convert a .docx to sanitised body HTML. Returns (html, messages for the editor).

    Embedded images are left out (they become attachments instead): inline data URIs would bloat every
    page and escape the upload checks.
    """
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            convert_image=mammoth.images.img_element(lambda image: {"src": "", "alt": image.alt_text or ""}),
        )
    except Exception as exc:  # mammoth raises zipfile/KeyError/etc. on a broken file
        raise DocxImportError("无法读取该 Word 文档,请确认文件为 .docx 格式且未损坏。") from exc
    messages = [m.message for m in result.messages if m.type == "error"]
    html = sanitize_body(result.value)
    html = html.replace('<img src="" alt="">', "").replace("<img>", "")
    return html, messages
