"""Telling the editor when the body sanitiser (gongkai.publishing.html.sanitize_body) removed something
dangerous, so nobody wonders where their script, style or embedded frame went.

The sanitiser itself is the protection; this only decides whether to warn, from the raw input.
"""

from __future__ import annotations

import html
import re

UNSAFE_CONTENT_REMOVED = "正文中的脚本、样式等不安全内容已被自动移除,请核对正文。"

# Elements that run code, restyle the page or embed another document.
_UNSAFE_ELEMENT = re.compile(r"<\s*(?:script|style|iframe|object|embed)\b", re.IGNORECASE)
# A start tag, with quoted attribute values kept whole (a ">" inside quotes does not end the tag).
_TAG = re.compile(r"""<\s*[a-z][^\s/>]*((?:[^>"']|"[^"]*"|'[^']*')*)>?""", re.IGNORECASE)
# An attribute: name, then optionally = and a quoted or bare value.
_ATTRIBUTE = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""",
    re.IGNORECASE,
)
# Browsers ignore ASCII whitespace and control characters inside a URL scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def _is_script_url(value: str) -> bool:
    url = _IGNORED_IN_SCHEME.sub("", html.unescape(value)).lower()
    return url.startswith("javascript:")


def removed_unsafe_content(raw: str) -> bool:
    """Whether `raw` (a body as typed or pasted) holds script, style, iframe, object or embed
    elements, on*= event handlers or javascript: URLs, which the sanitiser removes on saving."""
    if not raw:
        return False
    if _UNSAFE_ELEMENT.search(raw):
        return True
    for tag in _TAG.finditer(raw):
        for match in _ATTRIBUTE.finditer(tag.group(1) or ""):
            name = match.group(1).lower()
            value = next((v for v in match.group(2, 3, 4) if v is not None), None)
            if name.startswith("on") and len(name) > 2 and value is not None:
                return True
            if value is not None and _is_script_url(value):
                return True
    return False
