"""Word files of the reports to superiors (issue 6 item 6, R4): a case with its 研判 and every 首报/续报,
or one report alone. Fonts and the East Asian font setting come from the approval-form export."""

from __future__ import annotations

import datetime
import io
import re
from zoneinfo import ZoneInfo

from django.db.models import Q
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from gongkai.reports.exports import BODY_FONT, DOCX_TYPE, HEADING_FONT, LATIN_FONT, _east_asian, _run

from .constants import ReportKind
from .models import Case, Report

__all__ = ["DOCX_TYPE", "case_reports_docx", "docx_filename", "format_time", "report_docx", "report_label"]

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
DOCUMENT_TITLE = "政务舆情报告"

# Characters XML 1.0 cannot hold (python-docx refuses them): dropped rather than failing the download.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

ASSESSMENT_FIELDS = (
    ("background", "事件背景"),
    ("situation", "境内外舆情态势"),
    ("viewpoints", "主要观点"),
    ("trend", "传播趋势及可能后果"),
    ("risk_level", "风险等级"),
    ("emergency_plan", "应急处置方案"),
)


def format_time(value: datetime.datetime | None) -> str:
    """A moment in Beijing time, written 2026年12月1日 14:05."""
    if value is None:
        return ""
    moment = value.astimezone(LOCAL_ZONE) if value.tzinfo else value
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def report_label(report: Report) -> str:
    """首报, or 续报N where N counts the case's follow-ups in order of sending (续报1, 续报2, …)."""
    if report.kind != ReportKind.FOLLOW_UP:
        return ReportKind(report.kind).label if report.kind in ReportKind.values else str(report.kind)
    before = Q(sent_at__lt=report.sent_at) | Q(sent_at=report.sent_at, pk__lt=report.pk)
    earlier = Report.objects.filter(before, case_id=report.case_id, kind=ReportKind.FOLLOW_UP)
    return f"续报{earlier.count() + 1}"


def docx_filename(case: Case, report: Report | None = None) -> str:
    """A file name for the download: 政务舆情报告-<case title>[-续报2].docx, without path separators."""
    title = re.sub(r'[\\/:*?"<>|\s]+', "_", _clean(case.title)).strip("_")[:60] or f"事件{case.pk}"
    suffix = f"-{report_label(report)}" if report is not None else ""
    return f"{DOCUMENT_TITLE}-{title}{suffix}.docx"


# --- building ----------------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def _new_document(title: str, organization_name: str):
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(26)
    section.top_margin = section.bottom_margin = Mm(25)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)  # 小四
    _east_asian(normal.element, BODY_FONT)
    document.core_properties.title = _clean(title)[:250]
    document.core_properties.author = _clean(organization_name)[:250] or "Gongkai"
    return document


def _centered(document, text: str, *, size: float, bold: bool = True, font: str = HEADING_FONT) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, _clean(text), size=size, bold=bold, font=font)


def _section(document, text: str) -> None:
    paragraph = document.add_paragraph()
    _run(paragraph, text, size=14, bold=True, font=HEADING_FONT)


def _field(document, label: str, value: str) -> None:
    """ "label:value" on one line; a value of several lines continues in paragraphs of its own."""
    lines = _clean(value).split("\n")
    paragraph = document.add_paragraph()
    _run(paragraph, f"{label}:", bold=True)
    _run(paragraph, lines[0])
    for line in lines[1:]:
        _run(document.add_paragraph(), line)


def _block(document, label: str, text: str) -> None:
    """A labelled text: the label on its own line, then one paragraph per line of the text."""
    paragraph = document.add_paragraph()
    _run(paragraph, f"{label}:", bold=True)
    for line in _clean(text).split("\n"):
        _run(document.add_paragraph(), line)


def _facts(document, case: Case) -> None:
    _field(document, "事件名称", case.title)
    _field(document, "机构", case.organization.name)
    _field(document, "级别", case.get_severity_display())
    _field(document, "状态", case.get_status_display())
    _field(document, "责任科室", case.department.name if case.department_id else "未指定")
    _field(document, "发现时间", format_time(case.detected_at))


def _report(document, report: Report, label: str) -> None:
    _field(document, "报送时间", format_time(report.sent_at))
    _field(document, "报送对象", report.recipients)
    _field(document, "报送人", report.author.display_name)
    _block(document, f"{label}内容", report.content)


def _bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def case_reports_docx(case: Case) -> bytes:
    """The case: its facts, the filled 研判 fields, then every report in the order it was sent."""
    document = _new_document(f"{DOCUMENT_TITLE}:{case.title}", case.organization.name)
    _centered(document, DOCUMENT_TITLE, size=22)
    _centered(document, case.title, size=16, font=BODY_FONT)

    _section(document, "一、基本情况")
    _facts(document, case)
    if case.summary.strip():
        _block(document, "基本情况", case.summary)

    filled = [(name, label) for name, label in ASSESSMENT_FIELDS if (getattr(case, name) or "").strip()]
    if filled:
        _section(document, "二、舆情研判")
        for name, label in filled:
            if name == "risk_level":
                _field(document, label, case.get_risk_level_display())
            else:
                _block(document, label, getattr(case, name))

    reports = list(case.reports.select_related("author").order_by("sent_at", "pk"))
    _section(document, f"{'三' if filled else '二'}、报告记录")
    if not reports:
        _run(document.add_paragraph(), "尚未向上级报告。")
    follow_ups = 0
    for report in reports:
        if report.kind == ReportKind.FOLLOW_UP:
            follow_ups += 1
            label = f"续报{follow_ups}"
        else:
            label = report.get_kind_display()
        paragraph = document.add_paragraph()
        _run(paragraph, f"({label})", bold=True)
        _report(document, report, label)
    return _bytes(document)


def report_docx(report: Report) -> bytes:
    """One report (首报 or 续报N) with the facts of its case."""
    case = report.case
    label = report_label(report)
    document = _new_document(f"{DOCUMENT_TITLE}({label}):{case.title}", case.organization.name)
    _centered(document, DOCUMENT_TITLE, size=22)
    _centered(document, f"{case.title}({label})", size=16, font=BODY_FONT)
    _facts(document, case)
    _report(document, report, label)
    return _bytes(document)
