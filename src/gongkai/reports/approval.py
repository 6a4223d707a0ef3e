"""《政府信息公开审批表》 as a reader sees it (DOMAIN P5).

Everything here is read from the form's frozen `data` snapshot, never from live objects: the archived
record must print the same in ten years, whatever happened to the people, departments and items since.
The HTML page, the Word file and the ledger all use these structures, so they cannot drift apart.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from gongkai.publishing.models import ApprovalForm

APPROVED_STATUS = "同意"
NONE = "无"


def parse_moment(value: Any) -> datetime.datetime | None:
    """An ISO timestamp from the snapshot as a local (Asia/Shanghai) aware datetime; None if unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return timezone.localtime(moment)


def parse_day(value: Any) -> datetime.date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def format_moment(value: Any) -> str:
    moment = parse_moment(value)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}" if moment else ""


def format_day(value: Any) -> str:
    """A date ("2026-11-20") or the local date of a timestamp, written 2026年11月20日."""
    if isinstance(value, datetime.datetime):
        day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, str) and len(value) > 10:
        moment = parse_moment(value)  # a timestamp: its date in local time, not in UTC
        day = moment.date() if moment else None
    else:
        day = parse_day(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _names(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [_text(v) for v in value if _text(v)]
    return [_text(value)] if _text(value) else []


@dataclass(frozen=True)
class SheetStep:
    name: str
    status: str
    opinion: str
    decided_by: str
    decided_at: str  # date and time, for the screen and the ledger
    decided_on: str  # the date written beside the signature

    @property
    def approved(self) -> bool:
        return self.status == APPROVED_STATUS


@dataclass(frozen=True)
class SheetNote:
    """The fast-track decision or the review after it."""

    by: str
    at: str
    text: str


@dataclass(frozen=True)
class Sheet:
    heading: str
    organization: str
    archive_number: str
    registered_at: str
    revision: str
    title: str
    index_number: str
    document_number: str
    lead_department: str
    co_departments: str
    formed_on: str
    disclosure_attribute: str
    catalogue_entry: str
    topic: str
    summary: str
    attachments: list[str]
    drafter: str
    submitted_by: str
    submitted_at: str
    steps: list[SheetStep]
    published_by: str
    published_at: str
    change_note: str
    fast_track: SheetNote | None = None
    post_review: SheetNote | None = None
    bottom_lines: str = ""  # "法律法规底线、…(张三,2026-…)" or empty when not confirmed
    media: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    @property
    def post_review_pending(self) -> bool:
        return self.fast_track is not None and self.post_review is None

    @property
    def is_correction(self) -> bool:
        return self.revision not in ("", "1")


def _step(raw: Any) -> SheetStep:
    raw = raw if isinstance(raw, dict) else {}
    return SheetStep(
        name=_text(raw.get("name")) or "审核",
        status=_text(raw.get("status")),
        opinion=_text(raw.get("opinion")),
        decided_by=_text(raw.get("decided_by")),
        decided_at=format_moment(raw.get("decided_at")),
        decided_on=format_day(raw.get("decided_at")),
    )


def _note(raw: Any, text_key: str) -> SheetNote | None:
    if not isinstance(raw, dict):
        return None
    return SheetNote(by=_text(raw.get("by")), at=format_moment(raw.get("at")), text=_text(raw.get(text_key)))


def sheet_for(form: ApprovalForm) -> Sheet:
    data = form.data if isinstance(form.data, dict) else {}
    organization = _text(data.get("organization"))
    steps = data.get("steps")
    return Sheet(
        heading=f"{organization}政府信息公开审批表" if organization else "政府信息公开审批表",
        organization=organization,
        archive_number=form.archive_number,
        registered_at=format_moment(form.created_at.isoformat()) if form.created_at else "",
        revision=_text(data.get("revision")),
        title=_text(data.get("title")),
        index_number=_text(data.get("index_number")),
        document_number=_text(data.get("document_number")) or NONE,
        lead_department=_text(data.get("lead_department")),
        co_departments="、".join(_names(data.get("co_departments"))) or NONE,
        formed_on=format_day(data.get("formed_on")),
        disclosure_attribute=_text(data.get("disclosure_attribute")),
        catalogue_entry=_text(data.get("catalogue_entry")),
        topic=_text(data.get("topic")),
        summary=_text(data.get("summary")),
        attachments=_names(data.get("attachments")),
        drafter=_text(data.get("drafter")),
        submitted_by=_text(data.get("submitted_by")),
        submitted_at=format_moment(data.get("submitted_at")),
        steps=[_step(s) for s in steps] if isinstance(steps, list) else [],
        published_by=_text(data.get("published_by")),
        published_at=format_moment(data.get("published_at")),
        change_note=_text(data.get("change_note")),
        fast_track=_note(data.get("fast_track"), "reason"),
        post_review=_note(data.get("post_review"), "opinion"),
        **_content_review(data.get("content_review")),
    )


def _content_review(raw: Any) -> dict:
    """The 内容审核 part of a form (absent on forms made before the review engine existed)."""
    if not isinstance(raw, dict):
        return {}
    lines = raw.get("bottom_lines") if isinstance(raw.get("bottom_lines"), dict) else {}
    confirmed = "、".join(_names(lines.get("lines")))
    if confirmed:
        confirmed += (
            f"均未违反({_text(lines.get('confirmed_by'))},{format_moment(lines.get('confirmed_at'))})"
        )
    media = [
        f"《{_text(m.get('attachment'))}》已完整审看({_text(m.get('confirmed_by'))},{format_moment(m.get('confirmed_at'))})"
        for m in raw.get("media") or []
        if isinstance(m, dict)
    ]
    findings = [
        f"{_text(f.get('where'))}:“{_text(f.get('matched'))}”({_text(f.get('category'))},{_text(f.get('severity'))})"
        f"——{_text(f.get('resolution'))}"
        for f in raw.get("findings") or []
        if isinstance(f, dict)
    ]
    return {"bottom_lines": confirmed, "media": media, "findings": findings}


# --- the ledger (台账) -------------------------------------------------------------------------------

LEDGER_COLUMNS = (
    ("档案编号", 22),
    ("索引号", 24),
    ("标题", 48),
    ("文号", 22),
    ("牵头科室", 16),
    ("公开属性", 10),
    ("拟稿人", 10),
    ("各环节审核人及日期", 60),
    ("发布人", 10),
    ("发布时间", 18),
    ("紧急发布", 10),
)


@dataclass(frozen=True)
class LedgerRow:
    revision_id: int
    archive_number: str
    index_number: str
    title: str
    document_number: str
    lead_department: str
    disclosure_attribute: str
    drafter: str
    review_lines: tuple[str, ...]
    published_by: str
    published_at: datetime.datetime | None
    fast_track: bool

    @property
    def reviews(self) -> str:
        """Every step in one cell (the Excel column 各环节审核人及日期)."""
        return ";".join(self.review_lines)

    @property
    def published_at_display(self) -> str:
        return f"{self.published_at:%Y-%m-%d %H:%M}" if self.published_at else ""

    def cells(self) -> list[Any]:
        """Values in the order of LEDGER_COLUMNS (published_at as a naive local datetime for Excel)."""
        published = self.published_at.replace(tzinfo=None) if self.published_at else None
        return [
            self.archive_number,
            self.index_number,
            self.title,
            self.document_number,
            self.lead_department,
            self.disclosure_attribute,
            self.drafter,
            self.reviews,
            self.published_by,
            published,
            "是" if self.fast_track else "否",
        ]


def step_summary(raw: Any) -> str:
    """One step in one line for the ledger: "科室审核:张三 2026-11-20" (kept cheap: 10,000 rows)."""
    raw = raw if isinstance(raw, dict) else {}
    name = _text(raw.get("name")) or "审核"
    status = _text(raw.get("status"))
    by = _text(raw.get("decided_by"))
    if not by:
        return f"{name}:{status or '未审核'}"
    moment = parse_moment(raw.get("decided_at"))
    when = f" {moment:%Y-%m-%d}" if moment else ""
    state = "" if status in ("", APPROVED_STATUS) else f"({status})"
    return f"{name}:{by}{when}{state}"


def ledger_row(revision_id: int, archive_number: str, data: Any) -> LedgerRow:
    data = data if isinstance(data, dict) else {}
    steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    fast_track = isinstance(data.get("fast_track"), dict)
    lines = [step_summary(s) for s in steps]
    if fast_track:
        if not lines:
            lines.append("未经事前审核(紧急发布)")
        post = data.get("post_review")
        if isinstance(post, dict):
            moment = parse_moment(post.get("at"))
            when = f" {moment:%Y-%m-%d}" if moment else ""
            lines.append(f"事后审核:{_text(post.get('by'))}{when}")
        else:
            lines.append("事后审核:待审核")
    return LedgerRow(
        revision_id=revision_id,
        archive_number=archive_number,
        index_number=_text(data.get("index_number")),
        title=_text(data.get("title")),
        document_number=_text(data.get("document_number")),
        lead_department=_text(data.get("lead_department")),
        disclosure_attribute=_text(data.get("disclosure_attribute")),
        drafter=_text(data.get("drafter")),
        review_lines=tuple(lines),
        published_by=_text(data.get("published_by")),
        published_at=parse_moment(data.get("published_at")),
        fast_track=fast_track,
    )
