"""Text of uploaded documents (PDF, .docx, .txt): what search indexes and the review engine reads.

Extraction never fails an upload: a document whose text cannot be read (scanned PDF, damaged file,
encrypted PDF) simply has no text. The amount of text kept is bounded.
"""

from __future__ import annotations

import io
import logging

logger = logging.getLogger(__name__)

MAX_TEXT = 2_000_000  # characters kept per file
MAX_PDF_PAGES = 500
EXTRACTABLE = {"pdf", "docx", "txt"}


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return ""
    parts: list[str] = []
    size = 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size >= MAX_TEXT:
            break
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _txt_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


_READERS = {"pdf": _pdf_text, "docx": _docx_text, "txt": _txt_text}


def extract_text(data: bytes, extension: str) -> str:
    """The plain text of a document's bytes, or "" when there is none to read."""
    reader = _READERS.get(extension.lower())
    if reader is None:
        return ""
    try:
        text = reader(data)
    except Exception as exc:  # noqa: BLE001 — a damaged document has no text, it is not an error
        logger.info("no text read from a .%s attachment: %s", extension, exc)
        return ""
    return text.replace("\x00", "")[:MAX_TEXT]


def attachment_text(attachment) -> str:
    """The attachment's text, read from its file the first time and kept on the row."""
    if attachment.text is not None:
        return attachment.text
    if attachment.extension.lower() not in EXTRACTABLE:
        text = ""
    else:
        try:
            with attachment.file.open("rb") as handle:
                text = extract_text(handle.read(), attachment.extension)
        except OSError:
            return ""  # the file is missing: try again next time
    type(attachment).objects.filter(pk=attachment.pk).update(text=text)
    attachment.text = text
    return text
