"""Reading a revision the way a careful reviewer and a website inspector would.

``scan_texts`` runs the organisation's dictionaries (global + its own) and the personal-data detectors over
every text of a revision — title, document number, summary, body (plain text), the text of each PDF/.docx
attachment — and ``recompute`` stores the result as the revision's findings, keeping the acknowledgements
of warnings that are still there. ``gate_failures`` says, in Chinese, what stops a step from being
approved; ``publication_failures`` what stops publication.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from gongkai.publishing.extract import attachment_text
from gongkai.publishing.html import plain_text

from .constants import AUDIO_VIDEO_EXTENSIONS, BOTTOM_LINES, Category, FindingStatus, Severity
from .models import Dictionary, Finding, MediaConfirmation, Term
from .scanner import Finding as ScanFinding
from .scanner import Scanner
from .scanner import Term as ScanTerm

CONTEXT = 30  # characters shown before and after a finding in lists

FIELD_LABELS = {"title": "标题", "document_number": "文号", "summary": "内容概述", "body": "正文"}


@dataclass(frozen=True)
class Text:
    field: str  # title / document_number / summary / body / attachment:<id>
    label: str
    text: str


# --- the scanner of an organisation, cached per process and rebuilt when a dictionary changes --------

_scanners: dict[int | None, tuple[tuple, Scanner]] = {}
_lock = threading.Lock()


def dictionaries_for(organization_id: int | None):
    return Dictionary.objects.filter(Q(organization__isnull=True) | Q(organization_id=organization_id))


def scanner_for(organization_id: int | None) -> Scanner:
    """The compiled scanner for an organisation: one cheap query to check the dictionary versions."""
    key = tuple(dictionaries_for(organization_id).order_by("pk").values_list("pk", "version", "updated_at"))
    cached = _scanners.get(organization_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    terms = [
        ScanTerm(text=t.text, category=t.category, severity=t.severity, suggestion=t.suggestion, term_id=t.pk)
        for t in Term.objects.filter(dictionary__in=[row[0] for row in key]).order_by("pk")
    ]
    scanner = Scanner(_deduplicated(terms))
    with _lock:
        _scanners[organization_id] = (key, scanner)
    return scanner


def _deduplicated(terms: list[ScanTerm]) -> list[ScanTerm]:
    """One entry per text: an organisation's own entry wins over a global one, blocking over warning."""
    chosen: dict[str, ScanTerm] = {}
    for term in terms:  # global dictionaries come first (lower ids) in practice; severity decides ties
        current = chosen.get(term.text.lower())
        if current is None or term.severity == Severity.BLOCKING or current.severity != Severity.BLOCKING:
            chosen[term.text.lower()] = term
    return list(chosen.values())


# --- texts and scanning ------------------------------------------------------------------------------


def revision_texts(revision) -> list[Text]:
    texts = [
        Text("title", FIELD_LABELS["title"], revision.title),
        Text("document_number", FIELD_LABELS["document_number"], revision.document_number),
        Text("summary", FIELD_LABELS["summary"], revision.summary),
        Text("body", FIELD_LABELS["body"], plain_text(revision.body)),
    ]
    if revision.pk:
        for attachment in revision.attachments.order_by("uploaded_at", "pk"):
            texts.append(
                Text(
                    f"attachment:{attachment.pk}",
                    f"附件《{attachment.original_name}》",
                    attachment_text(attachment),
                )
            )
    return [t for t in texts if t.text]


def context_of(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT) : start]
    after = text[end : end + CONTEXT]
    return (
        ("…" if start > CONTEXT else "")
        + before
        + "【"
        + text[start:end]
        + "】"
        + after
        + ("…" if end + CONTEXT < len(text) else "")
    )


def scan_texts(organization_id: int | None, texts: Iterable[Text]) -> list[tuple[Text, ScanFinding]]:
    scanner = scanner_for(organization_id)
    return [(text, found) for text in texts for found in scanner.scan(text.text)]


def _key(field: str, found: ScanFinding, occurrence: int) -> str:
    raw = f"{field}\x00{found.detector}\x00{found.category}\x00{found.matched}\x00{occurrence}"
    return hashlib.sha256(raw.encode()).hexdigest()


def findings_for(revision, *, by_patrol: bool = False) -> list[Finding]:
    """The findings of a revision as unsaved rows (with their stable keys)."""
    organization_id = revision.item.organization_id
    seen: Counter = Counter()
    rows = []
    now = timezone.now()
    for text, found in scan_texts(organization_id, revision_texts(revision)):
        seen[(text.field, found.detector, found.matched)] += 1
        rows.append(
            Finding(
                revision=revision,
                field=text.field,
                field_label=text.label[:300],
                category=found.category,
                severity=found.severity,
                detector=found.detector,
                start=found.start,
                end=found.end,
                matched=found.matched[:500],
                suggestion=(found.suggestion or "")[:500],
                context=context_of(text.text, found.start, found.end)[:400],
                key=_key(text.field, found, seen[(text.field, found.detector, found.matched)]),
                found_at=now,
                by_patrol=by_patrol,
            )
        )
    rows += _template_findings(revision, now, by_patrol)
    return rows


def _template_findings(revision, now, by_patrol: bool) -> list[Finding]:
    """I6: an interpretation that leaves out a section of the template gets a warning per section."""
    from gongkai.interpretation.rules import template_gaps

    return [
        Finding(
            revision=revision,
            field="body",
            field_label="正文",
            category=Category.STRUCTURE,
            severity=Severity.WARNING,
            detector="template",
            start=0,
            end=0,
            matched=f"缺少“{section}”",
            suggestion=f"解读宜介绍{section}(政策解读要求)。",
            context=f"正文未见“{section}”部分",
            key=hashlib.sha256(f"template\x00{section}".encode()).hexdigest(),
            found_at=now,
            by_patrol=by_patrol,
        )
        for section in template_gaps(revision)
    ]


def recompute(revision) -> list[Finding]:
    """Replace the revision's text findings by a fresh scan, keeping acknowledgements still relevant.

    Link findings are not touched here (they come from the link check, which runs in the worker).
    """
    kept = {
        f.key: f
        for f in revision.findings.exclude(category=Category.LINK).filter(status=FindingStatus.ACKNOWLEDGED)
    }
    rows = findings_for(revision)
    for row in rows:
        previous = kept.get(row.key)
        if previous is not None and row.severity == Severity.WARNING:
            row.status = FindingStatus.ACKNOWLEDGED
            row.acknowledged_by_id = previous.acknowledged_by_id
            row.acknowledged_at = previous.acknowledged_at
            row.acknowledgement = previous.acknowledgement
    revision.findings.exclude(category=Category.LINK).delete()
    return Finding.objects.bulk_create(rows)


# --- the gate ----------------------------------------------------------------------------------------


def _count_reasons(findings: list[Finding]) -> list[str]:
    reasons = []
    blocking = [f for f in findings if f.severity == Severity.BLOCKING]
    if blocking:
        sample = "、".join(f"“{f.matched}”({f.get_category_display()},{f.field_label})" for f in blocking[:3])
        more = f"等 {len(blocking)} 处" if len(blocking) > 3 else ""
        reasons.append(f"内容审核发现必须修改的问题:{sample}{more},修改后才能通过。")
    return reasons


def publication_failures(revision) -> list[str]:
    """What stops publication: blocking findings, scanned afresh (a dictionary may have changed)."""
    return _count_reasons(recompute(revision) + list(revision.findings.filter(category=Category.LINK)))


def media_attachments(revision) -> list:
    return [a for a in revision.attachments.all() if a.extension.lower() in AUDIO_VIDEO_EXTENSIONS]


def gate_failures(revision, *, requires_bottom_lines: bool, bottom_lines: Iterable[str] | None) -> list[str]:
    """What stops the current step from being approved, in Chinese (empty: nothing does)."""
    findings = list(revision.findings.all())
    reasons = _count_reasons(findings)
    unacknowledged = [f for f in findings if f.needs_acknowledgement]
    if unacknowledged:
        reasons.append(
            f"还有 {len(unacknowledged)} 处提示未确认:请逐条确认并说明理由(如“{unacknowledged[0].matched}”)。"
        )
    confirmed = set(
        MediaConfirmation.objects.filter(revision=revision).values_list("attachment_id", flat=True)
    )
    for attachment in media_attachments(revision):
        if attachment.pk not in confirmed:
            reasons.append(f"音视频附件《{attachment.original_name}》须由审核人完整审看(听)后确认。")
    if requires_bottom_lines:
        given = set(bottom_lines or ())
        missing = [str(label) for code, label in BOTTOM_LINES if code not in given]
        if missing:
            reasons.append("本环节须逐项确认七条底线,尚未确认:" + "、".join(missing) + "。")
    return reasons


def submission_failures(revision) -> list[str]:
    """A revision with blocking findings is not sent to reviewers: it would only come back."""
    return _count_reasons(recompute(revision))


def body_text(revision) -> str:
    return plain_text(revision.body)


def marked_text(text: str, findings) -> SafeString:
    """``text`` escaped, with each finding (anything with start, end, severity) in a <mark>."""
    spans = sorted((f.start, f.end, f.severity) for f in findings if 0 <= f.start < f.end <= len(text))
    out, at = [], 0
    for start, end, severity in spans:
        if start < at:
            continue  # overlapping findings: the first one is marked
        out.append(escape(text[at:start]))
        label = "必须修改" if severity == Severity.BLOCKING else "提示"
        out.append(
            f'<mark class="finding finding--{severity}" title="{label}">{escape(text[start:end])}</mark>'
        )
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece of text is escaped above)
