"""Attachment checks: the real type is read from the content, never trusted from the name.

A file is accepted only when its extension is on the allowed list *and* its bytes are what that extension
promises, one level deeper than a magic number: an Office package must hold its main part, an OLE compound
file the stream of its kind, a PDF its header and end marker, a text file must decode and must not be markup
a browser would render. Packages are measured before anything unpacks them (zip bombs, path tricks), and a
file that is two formats at once (a polyglot) is refused. What passes is scrubbed of personal metadata
(scrub.py): the bytes stored, their size and digest are those of the scrubbed file.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .constants import (
    ALLOWED_ATTACHMENT_EXTENSIONS,
    ATTACHMENT_KINDS,
    ATTACHMENT_MAX_ENTRIES,
    ATTACHMENT_UNPACKED_MAX_BYTES,
    ATTACHMENT_UNPACKED_MAX_RATIO,
    PDF_EOF_WINDOW,
    PDF_HEADER_WINDOW,
    AttachmentKind,
)
from .scrub import ScrubError, scrub

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office / WPS compound file
_OOXML_MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
_ZIP_FAMILY = {*_OOXML_MAIN_PARTS, "ofd", "zip"}
# The top-level stream that makes an OLE file a document of its kind, and what each stream means.
_OLE_STREAMS = {
    "doc": ("WordDocument",),
    "wps": ("WordDocument",),
    "xls": ("Workbook", "Book"),
    "et": ("Workbook", "Book"),
    "ppt": ("PowerPoint Document",),
}
_OLE_STREAM_NAMES = {
    "worddocument": "Word 文档",
    "workbook": "Excel 工作簿",
    "book": "Excel 工作簿",
    "powerpoint document": "PowerPoint 演示文稿",
    "encryptedpackage": "加密的 Office 文档",
}
# Root CLSIDs of Windows Installer files: .msi, .mst, .msp ({000C1084/1082/1086-0000-0000-C000-…46}).
_MSI_CLSIDS = {
    bytes([first]) + bytes.fromhex("100c0000000000c000000000000046") for first in (0x84, 0x82, 0x86)
}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ",
    b"M4VH", b"M4VP", b"MSNV", b"dash", b"mmp4", b"f4v ", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
}  # fmt: skip
# What browsers sniff as HTML (WHATWG MIME Sniffing §7.1), plus SVG and XML, which can carry script too.
_MARKUP_TAGS = (
    "!doctype html", "html", "head", "script", "iframe", "h1", "div", "font", "table", "a", "style",
    "title", "b", "body", "br", "p", "!--", "svg", "?xml",
)  # fmt: skip
_MARKUP_START = re.compile(
    r"[\ufeff\s]*<(" + "|".join(re.escape(t) for t in _MARKUP_TAGS) + r")(?=[\s>/]|$)", re.I
)
_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "wps": "application/vnd.ms-works",
    "et": "application/vnd.ms-excel",
    "ofd": "application/ofd",
    "txt": "text/plain",
    "csv": "text/csv",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "webp": "image/webp",
    "zip": "application/zip",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "mp4": "video/mp4",
}


class AttachmentRejected(ValueError):
    """A clear Chinese message for the uploader; nothing is stored."""


class _Refusal(Exception):
    """Why the content is refused, worded to follow 文件“名称” in the message shown."""


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload. ``data`` is what is stored (scrubbed); size and sha256 are of ``data``."""

    name: str
    extension: str
    content_type: str
    size: int
    sha256: str
    data: bytes = field(default=b"", repr=False)
    notes: list[str] = field(default_factory=list)  # what scrubbing removed, in Chinese
    kind: str = AttachmentKind.OTHER.value


def kind_of(extension: str) -> str:
    """The kind of an extension (with or without its dot): "document", "image", "audio", "video",
    "archive" or "other". Audio and video are published only after a reviewer confirms them."""
    return ATTACHMENT_KINDS.get(extension.lower().lstrip("."), AttachmentKind.OTHER).value


def safe_name(name: str) -> str:
    """The base name only, normalised, without path tricks or control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 200:  # shorten the stem, never the extension
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name or "附件"


def check_upload(upload) -> CheckedFile:
    """Refuse oversize files, unknown extensions and content that is not what its extension says; scrub
    what passes. Raises AttachmentRejected with a message naming the file and the reason."""
    name = safe_name(getattr(upload, "name", ""))
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    limit = settings.GONGKAI_MAX_ATTACHMENT_BYTES
    if upload.size == 0:
        raise AttachmentRejected(f"文件“{name}”是空文件。")
    if upload.size > limit:
        raise AttachmentRejected(
            f"文件“{name}”大小为 {filesizeformat(upload.size)},超过了 {filesizeformat(limit)} 的上限。"
        )
    if ext not in ALLOWED_ATTACHMENT_EXTENSIONS:
        allowed = "、".join(ALLOWED_ATTACHMENT_EXTENSIONS)
        raise AttachmentRejected(f"不允许上传 .{ext or '(无扩展名)'} 文件。允许的类型:{allowed}。")
    upload.seek(0)
    original = upload.read(limit + 1)
    upload.seek(0)
    if len(original) > limit:  # the declared size was wrong
        raise AttachmentRejected(f"文件“{name}”超过了 {filesizeformat(limit)} 的上限。")
    try:
        check_content(ext, original)
        data, notes = scrub(original, ext)
    except (_Refusal, ScrubError) as refusal:
        raise AttachmentRejected(f"文件“{name}”{refusal},已拒绝上传。") from None
    return CheckedFile(
        name=name,
        extension=ext,
        content_type=_content_type(ext, data),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        notes=notes,
        kind=kind_of(ext),
    )


def check_content(ext: str, data: bytes) -> None:
    """Raise _Refusal unless ``data`` really is a file of extension ``ext``."""
    if ext in _ZIP_FAMILY:
        _check_package(ext, data)
    elif ext in _OLE_STREAMS:
        _check_ole(ext, data)
    elif ext == "pdf":
        _check_pdf(data)
    elif ext in {"txt", "csv"}:
        _text_encoding(data, ext)
    else:
        signature = _SIGNATURES.get(ext)
        if signature is None or not signature(data):
            raise _mismatch(ext)
    if ext not in _ZIP_FAMILY and _ends_with_zip(data):
        raise _Refusal("同时也是一个 ZIP 压缩包(多格式伪装文件)")


def _mismatch(ext: str, detail: str = "") -> _Refusal:
    return _Refusal(f"的实际内容与扩展名 .{ext} 不符" + (f"({detail})" if detail else ""))


# --- packages (zip) ----------------------------------------------------------------------------------


def _check_package(ext: str, data: bytes) -> None:
    if ext in _OOXML_MAIN_PARTS and data.startswith(_OLE):
        _, entries = _ole_entries_or_mismatch(ext, data)
        if "encryptedpackage" in entries:
            raise _Refusal("设有打开密码(已加密),无法检查其内容,请取消密码后再上传")
        raise _mismatch(ext)
    if not data.startswith(b"PK\x03\x04"):  # also refuses an archive glued behind a program
        raise _mismatch(ext)
    if _central_directory_count(data) > ATTACHMENT_MAX_ENTRIES:  # before zipfile builds an object per entry
        raise _too_many_entries()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _mismatch(ext) from None
    _check_entries(infos, len(data))
    names = {info.filename for info in infos}
    if ext == "ofd":  # GB/T 33190: the package entry point is OFD.xml at the root
        if "OFD.xml" not in names:
            raise _mismatch(ext)
    elif ext in _OOXML_MAIN_PARTS:
        if "[Content_Types].xml" not in names or _OOXML_MAIN_PARTS[ext] not in names:
            raise _mismatch(ext)
        if any(info.flag_bits & 0x1 for info in infos):
            raise _mismatch(ext, "其中的部件被加密")
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise _Refusal("含有宏代码(VBA),请另存为不含宏的文档后再上传")


def _too_many_entries() -> _Refusal:
    return _Refusal(f"包含超过 {ATTACHMENT_MAX_ENTRIES} 个文件(疑似压缩炸弹)")


def _check_entries(infos: list[zipfile.ZipInfo], size: int) -> None:
    if len(infos) > ATTACHMENT_MAX_ENTRIES:
        raise _too_many_entries()
    unpacked = sum(info.file_size for info in infos)
    if unpacked > ATTACHMENT_UNPACKED_MAX_RATIO * size and unpacked > ATTACHMENT_UNPACKED_MAX_BYTES:
        raise _Refusal(
            f"解压后共 {filesizeformat(unpacked)},是文件本身的 {unpacked // size} 倍(疑似压缩炸弹)"
        )
    seen: set[str] = set()
    for info in infos:
        if _unsafe_entry_name(info.filename):
            raise _Refusal(f"内含路径异常的条目“{info.filename}”")
        if info.filename in seen:  # two parsers may pick different copies
            raise _Refusal(f"内含重名的条目“{info.filename}”")
        seen.add(info.filename)


def _central_directory_count(data: bytes) -> int:
    """How many central-directory records the archive has, counting no further than the limit + 1.

    zipfile reads every record the directory's byte size allows, whatever the declared count says, so the
    records are counted here first; an archive this cannot follow is left for zipfile to refuse."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 > len(data):
        return 0
    size, offset = struct.unpack_from("<II", data, end + 12)
    if 0xFFFFFFFF in (size, offset) and data[end - 20 : end - 16] == b"PK\x06\x07":  # Zip64
        record = struct.unpack_from("<Q", data, end - 12)[0]
        if data[record : record + 4] == b"PK\x06\x06":
            size, offset = struct.unpack_from("<QQ", data, record + 40)
    position, stop, count = offset, min(offset + size, len(data)), 0
    while position + 46 <= stop and data[position : position + 4] == b"PK\x01\x02":
        count += 1
        if count > ATTACHMENT_MAX_ENTRIES:
            break
        name, extra, comment = struct.unpack_from("<HHH", data, position + 28)
        position += 46 + name + extra + comment
    return count


def _unsafe_entry_name(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(re.match(r"[A-Za-z]:", path)) or ".." in path.split("/")


def _ends_with_zip(data: bytes) -> bool:
    """True when a ZIP reader would open the file: its end-of-central-directory record ends the file."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    if end < 0 or end + 22 + int.from_bytes(data[end + 20 : end + 22], "little") != len(data):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False


# --- OLE compound files (.doc, .xls, .ppt, .wps, .et) -------------------------------------------------


class _OleError(ValueError):
    pass


def _check_ole(ext: str, data: bytes) -> None:
    if not data.startswith(_OLE):
        raise _mismatch(ext)
    clsid, entries = _ole_entries_or_mismatch(ext, data)
    wanted = _OLE_STREAMS[ext]
    if any(entries.get(stream.lower()) == 2 for stream in wanted):  # 2: a stream
        return
    if clsid in _MSI_CLSIDS:
        raise _mismatch(ext, "这是 Windows 安装程序(MSI),不是文档")
    found = next((label for stream, label in _OLE_STREAM_NAMES.items() if stream in entries), None)
    if found:
        raise _mismatch(ext, f"这是{found}")
    raise _mismatch(ext, f"复合文件中没有 {'/'.join(wanted)} 数据")


def _ole_entries_or_mismatch(ext: str, data: bytes) -> tuple[bytes, dict[str, int]]:
    try:
        return _ole_top_level(data)
    except (_OleError, struct.error, IndexError):
        raise _mismatch(ext, "复合文件结构已损坏") from None


def _ole_top_level(data: bytes) -> tuple[bytes, dict[str, int]]:
    """The root CLSID and the top-level entries (lower-case name → object type) of an OLE compound file
    ([MS-CFB]). Only the header, the FAT and the directory chain are read; anything malformed raises."""
    if len(data) < 512 or not data.startswith(_OLE):
        raise _OleError
    major, byte_order, shift = struct.unpack_from("<HHH", data, 26)
    if byte_order != 0xFFFE or (major, shift) not in {(3, 9), (4, 12)}:
        raise _OleError
    sector_size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<II", data, 44)
    first_difat, n_difat = struct.unpack_from("<II", data, 68)
    n_sectors = (len(data) - 1) // sector_size  # sector 0 starts after the header sector
    per_sector = sector_size // 4

    def sector(number: int) -> bytes:
        if number >= n_sectors:
            raise _OleError
        start = (number + 1) * sector_size
        return data[start : start + sector_size].ljust(sector_size, b"\0")

    # The FAT sectors are listed in the header, then in a chain of DIFAT sectors; no more are needed than
    # it takes to map every sector of the file, and the FAT itself is read one entry at a time.
    needed = min(n_fat, n_sectors // per_sector + 1)
    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < 0xFFFFFFFA]
    difat, seen = first_difat, set()
    while difat < 0xFFFFFFFA and len(seen) <= n_difat and len(fat_sectors) < needed:
        if difat in seen:
            raise _OleError
        seen.add(difat)
        values = struct.unpack(f"<{per_sector}I", sector(difat))
        fat_sectors.extend(s for s in values[:-1] if s < 0xFFFFFFFA)
        difat = values[-1]
    fat_sectors = fat_sectors[:needed]

    def next_sector(number: int) -> int:
        holder = number // per_sector
        if holder >= len(fat_sectors):
            raise _OleError
        return struct.unpack_from("<I", sector(fat_sectors[holder]), 4 * (number % per_sector))[0]

    directory, current, seen = bytearray(), first_dir, set()
    while current != 0xFFFFFFFE:  # ENDOFCHAIN
        if current in seen:
            raise _OleError
        seen.add(current)
        directory += sector(current)
        current = next_sector(current)
    count = len(directory) // 128
    if count == 0 or directory[66] != 5:  # entry 0 is the root storage
        raise _OleError
    entries: dict[str, int] = {}
    pending, visited = [struct.unpack_from("<I", directory, 76)[0]], set()
    while pending:  # the root's children form one red-black tree of siblings
        index = pending.pop()
        if index == 0xFFFFFFFF:  # NOSTREAM
            continue
        if index in visited or index >= count:
            raise _OleError
        visited.add(index)
        entry = directory[index * 128 : (index + 1) * 128]
        name_length = min(struct.unpack_from("<H", entry, 64)[0], 64)
        name = entry[: max(name_length - 2, 0)].decode("utf-16-le", errors="replace")
        entries[name.lower()] = entry[66]
        pending.extend(struct.unpack_from("<II", entry, 68))  # left and right siblings
    return bytes(directory[80:96]), entries


# --- PDF ---------------------------------------------------------------------------------------------


def _check_pdf(data: bytes) -> None:
    start = data.find(b"%PDF-", 0, PDF_HEADER_WINDOW)
    if start < 0:
        raise _mismatch("pdf")
    other = _foreign_start(data[:start])
    if other:
        raise _Refusal(f"同时具有 PDF 和{other}的文件头(多格式伪装文件)")
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise _Refusal("不是完整的 PDF 文件(末尾缺少结束标记 %%EOF),可能已损坏或不完整")


def _foreign_start(prefix: bytes) -> str | None:
    """The name of another format whose signature opens ``prefix`` (what precedes a PDF header)."""
    if prefix.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return " ZIP 压缩包"
    if prefix.startswith(b"MZ"):
        return " Windows 程序"
    if prefix.startswith((b"\x7fELF", _OLE)):
        return "其他程序或文档"
    text = prefix.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    if _MARKUP_START.match(text) or text.startswith("#!"):
        return "网页或脚本"
    return None


# --- text --------------------------------------------------------------------------------------------


def _text_encoding(data: bytes, ext: str) -> str:
    """The text's encoding, "utf-8" or "gb18030"; refuses binary content and markup a browser would render."""
    if b"\x00" in data:
        raise _mismatch(ext)
    for encoding, codec in (("utf-8", "utf-8-sig"), ("gb18030", "gb18030")):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        markup = _MARKUP_START.match(text)
        if markup:
            tag = markup.group(1).lower()
            what = {"svg": "SVG 图像", "?xml": "XML 文档"}.get(tag, "网页(HTML)")
            raise _Refusal(f"的实际内容是{what},不是纯文本(可能含有脚本)")
        return encoding
    raise _mismatch(ext, "既不是 UTF-8 也不是 GB18030 编码的文本")


# --- images, audio, video: magic numbers -------------------------------------------------------------


def _is_mp3(data: bytes) -> bool:
    if data.startswith(b"ID3"):  # ID3v2 tag: version 2–4, sizes in 7-bit bytes
        return len(data) >= 10 and data[3] in (2, 3, 4) and all(b < 0x80 for b in data[6:10])
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:  # MPEG audio frame sync
        return False
    version, layer = (data[1] >> 3) & 3, (data[1] >> 1) & 3
    bitrate, rate = data[2] >> 4, (data[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 15 and rate != 3


def _is_mp4(data: bytes) -> bool:
    """An ISO media file whose brands are video ones (not a HEIC/AVIF image, not a QuickTime movie)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box = min(int.from_bytes(data[:4], "big"), len(data), 256)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box - 3, 4)}
    return bool(brands & _MP4_BRANDS)


_SIGNATURES = {
    "jpg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    "png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n") and d[12:16] == b"IHDR",
    "gif": lambda d: d[:6] in (b"GIF87a", b"GIF89a"),
    "bmp": lambda d: (
        d.startswith(b"BM") and d[14:18] in {bytes([n, 0, 0, 0]) for n in (12, 40, 52, 56, 108, 124)}
    ),
    "webp": lambda d: d.startswith(b"RIFF") and d[8:12] == b"WEBP",
    "wav": lambda d: d.startswith(b"RIFF") and d[8:12] == b"WAVE",
    "mp3": _is_mp3,
    "mp4": _is_mp4,
}


def _content_type(ext: str, data: bytes) -> str:
    content_type = _CONTENT_TYPES.get(ext, "application/octet-stream")
    if ext in {"txt", "csv"}:
        content_type += f"; charset={_text_encoding(data, ext)}"
    return content_type
