"""What changed between two revisions: per field, and for the body a word/character-level diff.

The body is compared as plain text (tags stripped), cut into tokens: a run of Latin letters or
digits is one token, every other character (each Chinese character, each punctuation mark) is one.
The output escapes everything it is given and adds only <ins>, <del> and visually hidden labels for
screen readers, so no HTML from either revision reaches the page through the diff.
"""

from __future__ import annotations

import difflib
import html as html_lib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKEN = re.compile(r"[A-Za-z0-9_]+|\s+|.", re.DOTALL)

# Above this many tokens on each side the diff falls back to whole-text replacement (keeps it fast).
MAX_TOKENS = 60_000


_BLOCK_END = re.compile(
    r"<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote|pre|table|caption|figcaption)\s*>", re.IGNORECASE
)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[^\S\n]+")


def body_text(html: str) -> str:
    """Plain text of a body, one line per paragraph (so the diff keeps the document's shape)."""
    text = _BLOCK_END.sub("\n", html or "")
    text = _CELL_END.sub(" ", text)
    text = html_lib.unescape(_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def _ins(text: str) -> str:
    return f'<ins><span class="visually-hidden">[新增:</span>{escape(text)}<span class="visually-hidden">]</span></ins>'


def _del(text: str) -> str:
    return f'<del><span class="visually-hidden">[删除:</span>{escape(text)}<span class="visually-hidden">]</span></del>'


def inline_diff(old: str, new: str) -> SafeString:
    """The new text with insertions in <ins> and deletions in <del>, all text escaped."""
    a, b = tokenize(old), tokenize(new)
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        opcodes = [("replace", 0, len(a), 0, len(b))]
    else:
        opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    parts = []
    for tag, i1, i2, j1, j2 in opcodes:
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            parts.append(escape(added))
            continue
        if removed:
            parts.append(_del(removed))
        if added:
            parts.append(_ins(added))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str
    diff: SafeString


def _names(objects) -> str:
    return "、".join(str(o) for o in objects)


def _value(revision, field: str) -> str:
    if field == "co_departments":
        return _names(revision.co_departments.all())
    if field == "attachments":
        return _names(revision.attachments.all())
    if field == "disclosure_attribute":
        return revision.get_disclosure_attribute_display()
    if field == "is_major_change":
        return "是" if revision.is_major_change else "否"
    if field == "catalogue_entry":
        entry = revision.catalogue_entry
        return " / ".join(entry.path_names) if entry else ""
    value = getattr(revision, field)
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


COMPARED_FIELDS = (
    ("title", "标题"),
    ("document_number", "文号"),
    ("publisher", "发布机构"),
    ("lead_department", "牵头(制作)科室"),
    ("co_departments", "联合制作科室"),
    ("formed_on", "成文日期"),
    ("effective_on", "生效日期"),
    ("disclosure_attribute", "公开属性"),
    ("non_disclosure_reason", "不公开理由"),
    ("topic", "所属主题"),
    ("catalogue_entry", "目录分类"),
    ("summary", "内容概述"),
    ("source", "来源"),
    ("attachments", "附件"),
    ("change_note", "更新说明"),
    ("is_major_change", "重大变更"),
)


def revision_changes(old, new) -> list[FieldChange]:
    """The fields whose value differs between two revisions (the body is compared separately)."""
    changes = []
    for field, label in COMPARED_FIELDS:
        before, after = _value(old, field), _value(new, field)
        if before != after:
            changes.append(FieldChange(label, before, after, inline_diff(before, after)))
    return changes


def body_diff(old, new) -> SafeString | None:
    """The body's plain-text diff, or None when the text is the same."""
    before, after = body_text(old.body), body_text(new.body)
    if before == after:
        return None
    return inline_diff(before, after)


def comparison_base(item, revision):
    """What a reviewer compares the revision with: the live revision, else the previous one."""
    if item.live_revision_id and item.live_revision_id != revision.pk:
        return item.live_revision
    if revision.number > 1:
        return item.revisions.filter(number__lt=revision.number).order_by("-number").first()
    return None
