"""Excel (.xlsx) layout of an expression dictionary: export, and reading an uploaded sheet into rows."""

from __future__ import annotations

from urllib.parse import quote

from gongkai.core.excel import SheetRejected, read_sheet, write_sheet
from gongkai.publishing.exceptions import WorkflowError

from .constants import TERM_CATEGORIES, Category, Severity
from .models import Dictionary

TEXT, CATEGORY, SEVERITY, SUGGESTION, NOTE = "词语", "类别", "级别", "正确表述", "说明"
COLUMNS = [TEXT, CATEGORY, SEVERITY, SUGGESTION, NOTE]
HEADERS = [
    TEXT,
    CATEGORY + "(" + "/".join(str(c.label) for c in TERM_CATEGORIES) + ")",
    SEVERITY + "(" + "/".join(str(label) for label in Severity.labels) + ")",
    SUGGESTION,
    NOTE,
]
WIDTHS = [24, 36, 20, 30, 30]
MAX_ROWS = 100_000
FIELDS = {TEXT: "text", CATEGORY: "category", SEVERITY: "severity", SUGGESTION: "suggestion", NOTE: "note"}


def export_terms(dictionary: Dictionary) -> bytes:
    rows = [
        [t.text, Category(t.category).label, Severity(t.severity).label, t.suggestion, t.note]
        for t in dictionary.terms.order_by("category", "text")
    ]
    return write_sheet("词库", HEADERS, ([str(v) for v in row] for row in rows), WIDTHS)


def content_disposition(dictionary: Dictionary) -> str:
    name = f"{dictionary.name}-v{dictionary.version}.xlsx"
    return f"attachment; filename=\"dictionary-{dictionary.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"


def read_terms(file) -> list[tuple[int, dict[str, str]]]:
    """(row number, term fields) for review.services.replace_terms; a bad file is a WorkflowError."""
    try:
        rows = read_sheet(
            file,
            COLUMNS,
            required=(TEXT, CATEGORY, SEVERITY),
            max_rows=MAX_ROWS,
            header_hint="词语、类别、级别……",
        )
    except SheetRejected as rejected:
        raise WorkflowError(rejected.message) from None
    return [(number, {FIELDS[column]: value for column, value in record.items()}) for number, record in rows]
