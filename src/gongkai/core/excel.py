"""Reading and writing the simple one-sheet Excel (.xlsx) files offices exchange (catalogues, term lists).

Cells written as text are never formulas; reading is bounded (file size, rows, columns) and every
problem with the file as a whole is a SheetRejected with a Chinese message.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MAX_BYTES = 5 * 1024 * 1024
MAX_COLUMNS_READ = 40


class SheetRejected(Exception):
    """The file as a whole cannot be read; ``message`` is Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def write_sheet(title: str, headers: Sequence[str], rows: Iterable[Sequence], widths: Sequence[int]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([str(v) if isinstance(v, str) else v for v in values])
        row = sheet.max_row
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=index)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.number_format = "@"  # codes like "01" stay text when edited in Excel
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _read_bytes(file) -> bytes:
    too_big = "文件超过 5 MB,请拆分后再导入。"
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    elif isinstance(file, str) or hasattr(file, "__fspath__"):
        with open(file, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > MAX_BYTES:
            raise SheetRejected(too_big)
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SheetRejected(too_big)
    return data


def read_sheet(
    file, columns: Sequence[str], *, required: Sequence[str], max_rows: int, header_hint: str
) -> list[tuple[int, dict[str, str]]]:
    """The data rows of the first sheet as (Excel row number, {column: text}); blank rows are skipped.

    A header cell matches a column when it is the column's name or starts with "name(" (so headers may
    carry explanations). Raises SheetRejected for a file that is not an .xlsx, has no header or no data,
    lacks a required column, or has more than ``max_rows`` rows."""
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
        if header is None or not any(cell_text(v) for v in header):
            raise SheetRejected(f"工作表为空:第1行应为表头({header_hint})。")
        positions = {}
        for index, value in enumerate(header):
            label = cell_text(value)
            for column in columns:
                if column not in positions and (label == column or label.startswith(column + "(")):
                    positions[column] = index
        missing = [c for c in required if c not in positions]
        if missing:
            raise SheetRejected(f"第1行表头缺少“{'”“'.join(missing)}”列。")
        out = []
        for number, values in enumerate(rows, start=2):
            record = {
                column: cell_text(values[index]) if index < len(values) else ""
                for column, index in positions.items()
            }
            if not any(record.values()):
                continue
            out.append((number, record))
            if len(out) > max_rows:
                raise SheetRejected(f"数据超过 {max_rows} 行,请拆分后再导入。")
        if not out:
            raise SheetRejected("工作表为空:表头下没有数据行。")
        return out
    finally:
        workbook.close()
