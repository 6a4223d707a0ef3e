"""Word and Excel files of the approval forms (python-docx, openpyxl)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from urllib.parse import quote

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .approval import LEDGER_COLUMNS, LedgerRow, Sheet

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

BODY_FONT = "宋体"
LATIN_FONT = "Times New Roman"
HEADING_FONT = "黑体"


def attachment_disposition(filename: str, fallback: str) -> str:
    """Content-Disposition with an ASCII fallback and the real name RFC 5987-encoded (filename*)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- Word ------------------------------------------------------------------------------------------


def _east_asian(run_or_style_element, font: str) -> None:
    """Set the East Asian font (w:eastAsia), which Word uses for Chinese characters."""
    rpr = run_or_style_element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)


def _run(paragraph, text: str, *, size: float | None = None, bold: bool = False, font: str = BODY_FONT):
    run = paragraph.add_run(text)
    run.font.name = LATIN_FONT
    _east_asian(run._element, font)
    if size:
        run.font.size = Pt(size)
    if bold:
        run.bold = True
    return run


def _write(cell, text: str, *, bold: bool = False, align=None) -> None:
    """Replace a cell's content; line breaks in the text become separate paragraphs."""
    lines = (text or "").split("\n") or [""]
    first = cell.paragraphs[0]
    for i, line in enumerate(lines):
        paragraph = first if i == 0 else cell.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        _run(paragraph, line, bold=bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _label(cell, text: str) -> None:
    _write(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _signature(cell, by_label: str, by: str, date_label: str, when: str) -> None:
    paragraph = cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(paragraph, f"{by_label}:{by or '        '}    {date_label}:{when or '        '}")


class _FormTable:
    """A four-column bordered table: label | value | label | value, with full-width rows."""

    WIDTHS = (Cm(2.9), Cm(5.6), Cm(2.9), Cm(5.6))

    def __init__(self, document):
        self.table = document.add_table(rows=0, cols=4)
        self.table.style = "Table Grid"
        self.table.alignment = WD_TABLE_ALIGNMENT.CENTER
        self.table.autofit = False

    def _row(self):
        row = self.table.add_row()
        for cell, width in zip(row.cells, self.WIDTHS, strict=True):
            cell.width = width
        return row

    def pair(self, label1: str, value1: str, label2: str, value2: str) -> None:
        cells = self._row().cells
        _label(cells[0], label1)
        _write(cells[1], value1)
        _label(cells[2], label2)
        _write(cells[3], value2)

    def wide(self, label: str, value: str = ""):
        cells = self._row().cells
        _label(cells[0], label)
        merged = cells[1].merge(cells[3])
        _write(merged, value)
        return merged


def approval_form_docx(sheet: Sheet) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(18)

    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)  # 五号
    _east_asian(normal.element, BODY_FONT)
    document.core_properties.title = sheet.heading
    document.core_properties.identifier = sheet.archive_number
    document.core_properties.author = sheet.organization or "Gongkai"

    top = document.add_paragraph()
    top.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(top, f"档案编号:{sheet.archive_number}")

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(heading, sheet.heading, size=18, bold=True, font=HEADING_FONT)

    table = _FormTable(document)
    table.wide("标题", sheet.title)
    table.pair("索引号", sheet.index_number, "文号", sheet.document_number)
    table.pair("牵头科室", sheet.lead_department, "联合科室", sheet.co_departments)
    table.pair("成文日期", sheet.formed_on, "公开属性", sheet.disclosure_attribute)
    table.pair("目录分类", sheet.catalogue_entry, "主题分类", sheet.topic)
    table.wide("内容概述", sheet.summary)
    table.wide("附件", "\n".join(sheet.attachments) or "无")
    if sheet.is_correction or sheet.change_note:
        table.wide("更新说明", f"第{sheet.revision}版。{sheet.change_note}".strip())
    table.pair(
        "拟稿人", sheet.drafter, "提交时间", " ".join(filter(None, [sheet.submitted_by, sheet.submitted_at]))
    )
    if not sheet.steps:
        table.wide("审核", "未经事前审核(紧急发布)。" if sheet.fast_track else "无审核记录。")
    for step in sheet.steps:
        opinion = step.opinion or ("" if step.approved else step.status)
        if step.opinion and not step.approved and step.status:
            opinion = f"{step.opinion}({step.status})"
        cell = table.wide(f"{step.name}\n审核意见", opinion)
        _signature(cell, "审核人", step.decided_by, "日期", step.decided_on)
    table.pair("发布人", sheet.published_by, "发布时间", sheet.published_at)
    table.wide("七条底线", sheet.bottom_lines or "未记录")
    table.wide("内容审核", "\n".join(sheet.findings + sheet.media) or "未发现问题。")
    if sheet.fast_track:
        cell = table.wide("紧急发布理由", sheet.fast_track.text)
        _signature(cell, "决定人", sheet.fast_track.by, "时间", sheet.fast_track.at)
        if sheet.post_review:
            cell = table.wide("事后审核意见", sheet.post_review.text)
            _signature(cell, "审核人", sheet.post_review.by, "时间", sheet.post_review.at)
        else:
            table.wide("事后审核意见", "待事后审核。")

    foot = document.add_paragraph()
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(foot, f"登记时间:{sheet.registered_at}", size=9)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Excel -----------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@")


def _safe_text(ws, value: str):
    """Plain text for a cell: no control characters openpyxl refuses, never a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def ledger_xlsx(rows: Iterable[LedgerRow], *, title: str = "审批表台账") -> bytes:
    """The ledger as a workbook, written row by row (write-only mode keeps 10,000 rows cheap)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, (_name, width) in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center")
    header = []
    for name, _width in LEDGER_COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cell.alignment = centre
        header.append(cell)
    sheet.append(header)

    for row in rows:
        values = []
        for value in row.cells():
            if isinstance(value, str):
                values.append(_safe_text(sheet, value))
            elif value is not None and hasattr(value, "hour"):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm"
                values.append(cell)
            else:
                values.append(value)
        sheet.append(values)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
