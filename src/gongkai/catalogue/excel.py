"""Excel (.xlsx) layout of the basic catalogue: export, and reading an uploaded sheet into rows."""

from __future__ import annotations

from collections import Counter

from gongkai.core.excel import SheetRejected, read_sheet, write_sheet  # noqa: F401 (SheetRejected: part of this module)

from . import selectors
from .constants import ColumnKind, UpdateFrequency

CODE, NAME, PARENT, CONTENT, DEPARTMENT, FREQUENCY, KIND, ORDERING = (
    "编码",
    "名称",
    "上级编码",
    "公开内容",
    "责任科室",
    "更新频率",
    "栏目类型",
    "排序",
)
COLUMNS = [CODE, NAME, PARENT, CONTENT, DEPARTMENT, FREQUENCY, KIND, ORDERING]
HEADERS = {
    DEPARTMENT: "责任科室(科室名称或代码)",
    FREQUENCY: "更新频率(" + "/".join(str(label) for label in UpdateFrequency.labels) + ")",
    KIND: "栏目类型(" + "/".join(str(label) for label in ColumnKind.labels) + ")",
}
WIDTHS = {CODE: 12, NAME: 28, PARENT: 12, CONTENT: 48, DEPARTMENT: 24, FREQUENCY: 16, KIND: 20, ORDERING: 8}

MAX_ROWS = 5000


def export_catalogue(organization) -> bytes:
    departments = _department_labels(organization)
    rows = [
        [
            entry.code,
            entry.name,
            entry.parent.code if entry.parent_id else "",
            entry.content_type,
            departments.get(entry.responsible_department_id, ""),
            entry.get_update_frequency_display(),
            entry.get_column_kind_display(),
            entry.ordering,
        ]
        for entry, _depth in selectors.tree(organization)
    ]
    return write_sheet(
        "基本目录", [HEADERS.get(column, column) for column in COLUMNS], rows, [WIDTHS[c] for c in COLUMNS]
    )


def _department_labels(organization) -> dict[int, str]:
    """Each department's name, or its code where the name is shared (so the import finds it again)."""
    departments = list(organization.departments.all())
    counts = Counter(d.name for d in departments)
    return {d.pk: (d.name if counts[d.name] == 1 else d.code) for d in departments}


def read_rows(file) -> list[tuple[int, dict[str, str]]]:
    """The data rows as (Excel row number, {column: text}); blank rows are skipped.

    Raises SheetRejected for a file that is not an .xlsx, has no header, no data or too many rows."""
    return read_sheet(
        file, COLUMNS, required=(CODE, NAME), max_rows=MAX_ROWS, header_hint="编码、名称、上级编码……"
    )
