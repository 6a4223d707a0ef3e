"""Personal metadata removed from an accepted upload before it is stored.

Only metadata goes; what the reader sees stays as it was:
- JPEG, PNG, WebP: metadata segments and chunks are dropped, nothing is re-encoded (the compressed image
  data is copied byte for byte). A photo's orientation survives in a minimal Exif block, or phone photos
  would turn on their side.
- .docx/.xlsx/.pptx: the author, last editor, manager and company properties go; the package is rebuilt
  with the same entries in the same order, each with its own compression method and the same content.
- PDF: the author goes from the document information and the XMP packet, through pypdf — the one case
  where the whole file is rewritten. A signed PDF is left alone (rewriting would break the signature).

``scrub`` returns the original bytes object when there is nothing to remove.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import struct
import zipfile
import zlib

logger = logging.getLogger(__name__)

NOTE_GPS = "已删除图片的 GPS 位置信息"
NOTE_IMAGE_AUTHOR = "已删除图片的作者信息"
NOTE_EXIF = "已删除图片的 Exif 信息(拍摄设备、时间、缩略图等)"
NOTE_XMP = "已删除图片的 XMP 元数据"
NOTE_IPTC = "已删除图片的 IPTC 信息(作者、地点等)"
NOTE_IMAGE_TEXT = "已删除图片中的文字元数据(作者、软件等)"
NOTE_DOC_AUTHOR = "已删除文档作者信息"
NOTE_DOC_LAST_EDITOR = "已删除文档最后修改人信息"
NOTE_DOC_COMPANY = "已删除文档的单位和主管属性"
NOTE_DOC_CUSTOM = "已删除文档自定义属性中的人员信息"
NOTE_PDF_AUTHOR = "已删除 PDF 文档作者信息"
NOTE_PDF_SIGNED = "PDF 带有电子签名,为保持签名有效,未删除其中的作者信息"
NOTE_PDF_ENCRYPTED = "PDF 已加密,未能检查和删除其中的作者信息"
NOTE_PDF_UNREADABLE = "未能读取 PDF 的元数据,其中的作者信息未删除"

_EXIF_ORIENTATION, _EXIF_GPS, _EXIF_ARTIST, _EXIF_XP_AUTHOR = 0x0112, 0x8825, 0x013B, 0x9C9D
# Document-information keys naming a person (/Author is standard; the rest are written by some tools).
PDF_PERSONAL_KEYS = ("/Author", "/LastModifiedBy", "/AuthorEmail", "/Manager", "/Company")
# Custom document properties whose name says they hold a person (WPS and OA systems add such fields).
_PERSONAL_PROPERTY = re.compile(
    r"author|creator|owner|writer|editor|manager|modified|saved|user|e-?mail|phone|"
    r"作者|编写|撰写|起草|拟稿|创建|修改|审核|负责人|联系人|经办|姓名|电话|邮箱",
    re.I,
)


class ScrubError(ValueError):
    """The file's structure is broken where its metadata lives; the upload is refused with this reason."""


def scrub(data: bytes, extension: str) -> tuple[bytes, list[str]]:
    """The bytes to store and, in Chinese, what was removed from them (or why nothing could be)."""
    scrubber = _SCRUBBERS.get(extension.lower().lstrip("."))
    if scrubber is None:
        return data, []
    cleaned, notes = scrubber(data)
    return cleaned, list(dict.fromkeys(notes))


# --- Exif (shared by JPEG, PNG and WebP) -------------------------------------------------------------


def _exif_facts(tiff: bytes) -> tuple[set[int], int | None]:
    """The tags of IFD0 and the orientation of a TIFF-structured Exif block (empty when unreadable)."""
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(tiff[:4])
    if order is None or len(tiff) < 8:
        return set(), None
    try:
        offset = struct.unpack_from(order + "I", tiff, 4)[0]
        count = struct.unpack_from(order + "H", tiff, offset)[0]
        tags, orientation = set(), None
        for index in range(count):
            tag, kind = struct.unpack_from(order + "HH", tiff, offset + 2 + 12 * index)
            tags.add(tag)
            if tag == _EXIF_ORIENTATION and kind == 3:  # SHORT
                orientation = struct.unpack_from(order + "H", tiff, offset + 10 + 12 * index)[0]
        return tags, orientation
    except struct.error:
        return set(), None


def _exif_notes(tiff: bytes) -> tuple[list[str], bytes | None]:
    """What dropping this Exif block removes, and the minimal block that keeps the orientation (or None)."""
    tags, orientation = _exif_facts(tiff)
    notes = [NOTE_GPS] if _EXIF_GPS in tags else []
    if tags & {_EXIF_ARTIST, _EXIF_XP_AUTHOR}:
        notes.append(NOTE_IMAGE_AUTHOR)
    notes.append(NOTE_EXIF)
    keep = None
    if orientation in range(2, 9):  # 1 is upright: nothing to keep
        keep = b"II*\x00" + struct.pack("<IHHHIHHI", 8, 1, _EXIF_ORIENTATION, 3, 1, orientation, 0, 0)
    return notes, keep


# --- JPEG --------------------------------------------------------------------------------------------

_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")


def _scrub_jpeg(data: bytes) -> tuple[bytes, list[str]]:
    """Drop the Exif (APP1), XMP (APP1) and IPTC (APP13) segments before the first scan; copy the rest."""
    if not data.startswith(b"\xff\xd8"):
        raise ScrubError("的图片结构已损坏")
    parts, notes, position, changed = [data[:2]], [], 2, False
    while True:
        marker = position
        while marker < len(data) and data[marker] == 0xFF:  # fill bytes
            marker += 1
        if marker == position or marker >= len(data):
            raise ScrubError("的图片结构已损坏")
        code = data[marker]
        if code in (0xDA, 0xD9):  # start of scan / end of image: the image data is copied as it is
            parts.append(data[position:])
            break
        if code == 0x01 or 0xD0 <= code <= 0xD8:  # markers without a length
            parts.append(data[position : marker + 1])
            position = marker + 1
            continue
        length = int.from_bytes(data[marker + 1 : marker + 3], "big")
        end = marker + 1 + length
        if length < 2 or end > len(data):
            raise ScrubError("的图片结构已损坏")
        body = data[marker + 3 : end]
        if code == 0xE1 and body.startswith(_EXIF_HEADER):
            exif_notes, keep = _exif_notes(body[len(_EXIF_HEADER) :])
            notes += exif_notes
            if keep:
                payload = _EXIF_HEADER + keep
                parts.append(b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload)
            changed = True
        elif code == 0xE1 and body.startswith(_XMP_HEADERS):
            notes.append(NOTE_XMP)
            changed = True
        elif code == 0xED and body.startswith(b"Photoshop 3.0\x00"):
            notes.append(NOTE_IPTC)
            changed = True
        else:
            parts.append(data[position:end])
        position = end
    if not changed:
        return data, []
    cleaned = b"".join(parts)
    return (data, []) if cleaned == data else (cleaned, notes)


# --- PNG ---------------------------------------------------------------------------------------------

_PNG_TEXT_CHUNKS = {b"tEXt", b"iTXt", b"zTXt"}


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _scrub_png(data: bytes) -> tuple[bytes, list[str]]:
    """Drop eXIf and every text chunk (tEXt, iTXt, zTXt); the image chunks are copied as they are."""
    parts, notes, position, changed = [data[:8]], [], 8, False
    while position < len(data):
        if position + 12 > len(data):
            raise ScrubError("的图片结构已损坏")
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            raise ScrubError("的图片结构已损坏")
        if kind == b"eXIf":
            exif_notes, keep = _exif_notes(data[position + 8 : end - 4])
            notes += exif_notes
            if keep:
                parts.append(_png_chunk(b"eXIf", keep))
            changed = True
        elif kind in _PNG_TEXT_CHUNKS:
            notes.append(NOTE_IMAGE_TEXT)
            changed = True
        else:
            parts.append(data[position:end])
        position = end
        if kind == b"IEND":
            parts.append(data[position:])  # whatever trails the image is not ours to judge here
            break
    if not changed:
        return data, []
    cleaned = b"".join(parts)
    return (data, []) if cleaned == data else (cleaned, notes)


# --- WebP --------------------------------------------------------------------------------------------


def _scrub_webp(data: bytes) -> tuple[bytes, list[str]]:
    """Drop the EXIF and XMP chunks, clear their flags in VP8X and fix the RIFF size."""
    if not (data.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        raise ScrubError("的图片结构已损坏")
    stop = min(8 + int.from_bytes(data[4:8], "little"), len(data))
    chunks, notes, position = [], [], 12
    while position < stop:
        if position + 8 > stop:
            raise ScrubError("的图片结构已损坏")
        kind, size = (
            data[position : position + 4],
            int.from_bytes(data[position + 4 : position + 8], "little"),
        )
        end = min(position + 8 + size + (size & 1), stop)
        if position + 8 + size > stop:
            raise ScrubError("的图片结构已损坏")
        if kind == b"EXIF":
            tiff = data[position + 8 : position + 8 + size]
            notes += _exif_notes(tiff[len(_EXIF_HEADER) :] if tiff.startswith(_EXIF_HEADER) else tiff)[0]
        elif kind == b"XMP ":
            notes.append(NOTE_XMP)
        else:
            chunks.append(bytearray(data[position:end]))
        position = end
    if not notes:
        return data, []
    for chunk in chunks:
        if chunk[:4] == b"VP8X":
            chunk[8] &= ~0x0C & 0xFF  # the EXIF (0x08) and XMP (0x04) flags
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body + data[stop:], notes


# --- Office Open XML ---------------------------------------------------------------------------------

_RELATIONSHIP = re.compile(r"<(?:[\w.-]+:)?Relationship\b[^>]*>", re.S)
_PROPERTY_PARTS = {  # relationship type (end of the URI) → default part name
    "metadata/core-properties": "docProps/core.xml",
    "extended-properties": "docProps/app.xml",
    "custom-properties": "docProps/custom.xml",
}


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf"\b{name}\s*=\s*(?:\"([^\"<>]*)\"|'([^'<>]*)')", tag)
    return (found.group(1) if found.group(1) is not None else found.group(2)) if found else None


def _property_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Where the package keeps its core, extended and custom properties (from _rels/.rels)."""
    parts = dict(_PROPERTY_PARTS)
    try:
        rels = archive.read("_rels/.rels").decode("utf-8", errors="replace")
    except KeyError:
        return parts
    for tag in _RELATIONSHIP.findall(rels):
        kind, target = _attribute(tag, "Type") or "", _attribute(tag, "Target") or ""
        for suffix in _PROPERTY_PARTS:
            if kind.endswith("/" + suffix) and target:
                parts[suffix] = target.lstrip("/")
    return parts


def _elements(xml: str, local_names: str):
    """(start, end, start tag, content) of each element with one of these local names (any prefix).

    One pass over the tags, pairing each start tag with the next matching end tag: no backtracking, so a
    hostile part costs linear time."""
    tags = re.compile(rf"<(/?)((?:[\w.-]+:)?(?:{local_names}))(?=[\s/>])[^<>]*>")
    opener = None
    for tag in tags.finditer(xml):
        if tag.group(1):
            if opener is not None and opener.group(2) == tag.group(2):
                yield opener.start(), tag.end(), opener.group(0), xml[opener.end() : tag.start()]
            opener = None
        elif tag.group(0).endswith("/>"):
            yield tag.start(), tag.end(), tag.group(0), ""
            opener = None
        else:
            opener = tag


def _without(xml: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for start, end in spans:
        parts.append(xml[last:start])
        last = end
    return "".join(parts) + xml[last:]


def _drop_filled(xml: str, local_names: str) -> tuple[str, bool]:
    """Remove the elements with one of these local names that have content."""
    spans = [(start, end) for start, end, _, content in _elements(xml, local_names) if content.strip()]
    return _without(xml, spans), bool(spans)


def _clean_core(xml: str) -> tuple[str, list[str]]:
    xml, author = _drop_filled(xml, "creator")
    xml, editor = _drop_filled(xml, "lastModifiedBy")
    return xml, [NOTE_DOC_AUTHOR] * author + [NOTE_DOC_LAST_EDITOR] * editor


def _clean_app(xml: str) -> tuple[str, list[str]]:
    xml, removed = _drop_filled(xml, "Manager|Company")
    return xml, [NOTE_DOC_COMPANY] * removed


def _clean_custom(xml: str) -> tuple[str, list[str]]:
    spans = [
        (start, end)
        for start, end, tag, _ in _elements(xml, "property")
        if _PERSONAL_PROPERTY.search(_attribute(tag, "name") or "")
    ]
    return _without(xml, spans), [NOTE_DOC_CUSTOM] * bool(spans)


_PART_CLEANERS = {
    "metadata/core-properties": _clean_core,
    "extended-properties": _clean_app,
    "custom-properties": _clean_custom,
}


def _decode_xml(raw: bytes) -> tuple[str, str] | None:
    encoding = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError:
        return None


def _scrub_ooxml(data: bytes) -> tuple[bytes, list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            replacements, notes = {}, []
            for relationship, part in _property_parts(archive).items():
                if part not in names:
                    continue
                decoded = _decode_xml(archive.read(part))
                if decoded is None:
                    continue
                xml, encoding = decoded
                cleaned, part_notes = _PART_CLEANERS[relationship](xml)
                if part_notes:
                    replacements[part] = cleaned.encode(encoding)
                    notes += part_notes
            if not replacements:
                return data, []
            return _rebuild_zip(archive, replacements), notes
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ScrubError("的压缩结构已损坏,无法读取") from exc


def _rebuild_zip(source: zipfile.ZipFile, replacements: dict[str, bytes]) -> bytes:
    """The same entries in the same order, names, dates and compression methods; replaced parts swapped."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type
            copy.comment = info.comment
            copy.extra = _without_zip64(info.extra)
            copy.create_system = info.create_system
            copy.external_attr = info.external_attr
            copy.internal_attr = info.internal_attr
            if info.filename in replacements:
                target.writestr(copy, replacements[info.filename])
                continue
            large = info.file_size >= zipfile.ZIP64_LIMIT
            with source.open(info) as reader, target.open(copy, "w", force_zip64=large) as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)
        target.comment = source.comment
    return output.getvalue()


def _without_zip64(extra: bytes) -> bytes:
    """Extra fields minus Zip64 sizes, which the writer adds itself when needed."""
    kept, position = [], 0
    while position + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, position)
        if tag != 0x0001:
            kept.append(extra[position : position + 4 + size])
        position += 4 + size
    return b"".join(kept)


# --- PDF ---------------------------------------------------------------------------------------------


def _scrub_pdf(data: bytes) -> tuple[bytes, list[str]]:
    from pypdf import PdfReader, PdfWriter

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return data, [NOTE_PDF_ENCRYPTED]
        info = reader.metadata or {}
        personal = [key for key in PDF_PERSONAL_KEYS if str(info.get(key) or "").strip()]
        xmp_stream = reader.trailer["/Root"].get("/Metadata")
        xmp = xmp_stream.get_object().get_data() if xmp_stream is not None else b""
        cleaned_xmp, xmp_removed = _clean_xmp(xmp)
        if not personal and not xmp_removed:
            return data, []
        if b"/ByteRange" in data:  # a signature covers these bytes: rewriting them would void it
            return data, [NOTE_PDF_SIGNED]
        writer = PdfWriter(clone_from=reader)
        if personal:
            writer.metadata = {key: value for key, value in info.items() if key not in personal}
        if xmp_removed:
            writer.xmp_metadata = cleaned_xmp
        output = io.BytesIO()
        writer.write(output)
    except Exception as exc:  # noqa: BLE001 — pypdf is tolerant; what it cannot read is stored as it is
        logger.info("PDF metadata not scrubbed: %s", exc)
        return data, [NOTE_PDF_UNREADABLE] if b"/Author" in data else []
    return output.getvalue(), [NOTE_PDF_AUTHOR]


def _clean_xmp(xmp: bytes) -> tuple[bytes, bool]:
    """The XMP packet without dc:creator (the authors) and pdf:Author."""
    if not xmp:
        return xmp, False
    text = xmp.decode("utf-8", errors="surrogateescape")
    text, creator = _drop_filled(text, "creator|Author")
    text, attribute = re.subn(r"\s(?:[\w.-]+:)?Author\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*')", "", text)
    return text.encode("utf-8", errors="surrogateescape"), creator or bool(attribute)


_SCRUBBERS = {
    "jpg": _scrub_jpeg,
    "jpeg": _scrub_jpeg,
    "png": _scrub_png,
    "webp": _scrub_webp,
    "docx": _scrub_ooxml,
    "xlsx": _scrub_ooxml,
    "pptx": _scrub_ooxml,
    "pdf": _scrub_pdf,
}
