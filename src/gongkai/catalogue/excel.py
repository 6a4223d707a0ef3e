"""Excel (.xlsx) layout of the basic catalogue: export, and reading an uploaded sheet into rows."""

from __future__ import annotations

import io
import zipfile
from collections import Counter

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

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

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS_READ = 40


class SheetRejected(Exception):
    """The file as a whole cannot be read; ``message`` is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _department_labels(organization) -> dict[int, str]:
    """Each department's name, or its code where the name is shared (so the import finds it again)."""
    departments = list(organization.departments.all())
    counts = Counter(d.name for d in departments)
    return {d.pk: (d.name if counts[d.name] == 1 else d.code) for d in departments}


def export_catalogue(organization) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "基本目录"
    sheet.append([HEADERS.get(column, column) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    departments = _department_labels(organization)
    for entry, _depth in selectors.tree(organization):
        values = [
            entry.code,
            entry.name,
            entry.parent.code if entry.parent_id else "",
            entry.content_type,
            departments.get(entry.responsible_department_id, ""),
            entry.get_update_frequency_display(),
            entry.get_column_kind_display(),
            entry.ordering,
        ]
        sheet.append([str(v) if isinstance(v, str) else v for v in values])
        row = sheet.max_row
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.number_format = "@"  # codes like "01" stay text when edited in Excel
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = WIDTHS[column]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif isinstance(file, str) or hasattr(file, "__fspath__"):
        with open(file, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > MAX_BYTES:
            raise SheetRejected("文件超过 5 MB,请拆分后再导入。")
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SheetRejected("文件超过 5 MB,请拆分后再导入。")
    return data


def read_rows(file) -> list[tuple[int, dict[str, str]]]:
    """The data rows as (Excel row number, {column: text}); blank rows are skipped.

    Raises SheetRejected for a file that is not an .xlsx, has no header, no data or too many rows."""
    name = getattr(file, "name", None) or (str(file) if isinstance(file, str) else "")
    if name and not str(name).lower().endswith(".xlsx"):
        raise SheetRejected("只能导入 .xlsx 格式的 Excel 文件。")
    data = _read_bytes(file)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetRejected("文件不是有效的 .xlsx 格式的 Excel 文件。")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for damaged files
        raise SheetRejected("文件不是有效的 .xlsx 格式的 Excel 文件,或文件已损坏。") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetRejected("工作簿中没有工作表。")
        rows = sheet.iter_rows(max_col=MAX_COLUMNS_READ, values_only=True)
        header = next(rows, None)
        if header is None or not any(_text(v) for v in header):
            raise SheetRejected("工作表为空:第1行应为表头(编码、名称、上级编码……)。")
        positions = {}
        for index, value in enumerate(header):
            label = _text(value)
            for column in COLUMNS:
                if column not in positions and (label == column or label.startswith(column + "(")):
                    positions[column] = index
        missing = [c for c in (CODE, NAME) if c not in positions]
        if missing:
            raise SheetRejected(f"第1行表头缺少“{'”“'.join(missing)}”列。")
        out = []
        for number, values in enumerate(rows, start=2):
            record = {
                column: _text(values[index]) if index < len(values) else ""
                for column, index in positions.items()
            }
            if not any(record.values()):
                continue
            out.append((number, record))
            if len(out) > MAX_ROWS:
                raise SheetRejected(f"数据超过 {MAX_ROWS} 行,请拆分后再导入。")
        if not out:
            raise SheetRejected("工作表为空:表头下没有数据行。")
        return out
    finally:
        workbook.close()
