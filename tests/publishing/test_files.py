"""What happens to an uploaded attachment: the real type is read from the content (Office packages and
compound files one level deep, PDF header and end marker, text that is really a web page), packages are
measured before they are unpacked, polyglots are refused, and what is accepted is stored without its
personal metadata (photo GPS, document authors) while its content stays byte for byte what it was."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

from gongkai.publishing import services
from gongkai.publishing.files import AttachmentRejected, check_upload, kind_of
from gongkai.publishing.models import Attachment
from gongkai.publishing.scrub import (
    NOTE_DOC_AUTHOR,
    NOTE_DOC_COMPANY,
    NOTE_DOC_CUSTOM,
    NOTE_DOC_LAST_EDITOR,
    NOTE_EXIF,
    NOTE_GPS,
    NOTE_IMAGE_AUTHOR,
    NOTE_IMAGE_TEXT,
    NOTE_IPTC,
    NOTE_PDF_AUTHOR,
    NOTE_PDF_ENCRYPTED,
    NOTE_PDF_SIGNED,
    NOTE_PDF_UNREADABLE,
    NOTE_XMP,
    scrub,
)
from tests.documents import docx_bytes, pdf_bytes
from tests.factories import make_draft, make_staff

from .helpers import chinese, snapshot

# --- builders: real files, byte by byte ---------------------------------------------------------------


def tiff(entries: list[tuple[int, int, int, bytes]], gps: list[tuple[int, int, int, bytes]] = ()) -> bytes:
    """A little-endian TIFF block (what Exif is): IFD0 with ``entries`` (tag, type, count, 4-byte value),
    plus a GPS IFD when ``gps`` is given. Longer values go after the IFDs."""
    ifd0 = list(entries)
    gps_offset = 8 + 2 + 12 * (len(ifd0) + bool(gps)) + 4
    if gps:
        ifd0.append((0x8825, 4, 1, struct.pack("<I", gps_offset)))
    out = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(ifd0))
    for tag, kind, count, value in sorted(ifd0):
        out += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
    out += struct.pack("<I", 0)
    if gps:
        out += struct.pack("<H", len(gps))
        for tag, kind, count, value in gps:
            out += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        out += struct.pack("<I", 0)
    return out


EXIF_WITH_GPS = tiff(
    [
        (0x010F, 2, 4, b"Cam\0"),  # Make
        (0x0112, 3, 1, struct.pack("<H", 6)),  # Orientation: rotate 90° to display
        (0x013B, 2, 4, b"ZS\0\0"),  # Artist
    ],
    gps=[(0x0001, 2, 2, b"N\0"), (0x0003, 2, 2, b"E\0")],  # GPSLatitudeRef, GPSLongitudeRef
)
# All that is left of EXIF_WITH_GPS: IFD0 with the orientation alone.
UPRIGHT_BY_ROTATION = b"II*\x00" + struct.pack("<IHHHIHHI", 8, 1, 0x0112, 3, 1, 6, 0, 0)
XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
    b"<rdf:li>Zhang San</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_scan() -> bytes:
    """A baseline 8×8 grey JPEG from its quantisation table on: one block, DC 0, end of block."""
    dqt = segment(0xDB, b"\x00" + bytes([1] * 64))
    sof = segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
    dht_dc = segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")  # one code "0" → category 0
    dht_ac = segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")  # one code "0" → end of block
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    return dqt + sof + dht_dc + dht_ac + sos + b"\x3f" + b"\xff\xd9"


def jpeg_with_metadata() -> bytes:
    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    exif = segment(0xE1, b"Exif\x00\x00" + EXIF_WITH_GPS)
    xmp = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP_PACKET)
    iptc = segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x50\x00\x08Zhang Sa")
    icc = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"profile")
    return b"\xff\xd8" + jfif + exif + xmp + iptc + icc + jpeg_scan()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_chunks(data: bytes) -> list[tuple[bytes, bytes, bool]]:
    """(type, payload, CRC correct) of each chunk."""
    chunks, position = [], 8
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind, payload = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        crc = int.from_bytes(data[position + 8 + length : position + 12 + length], "big")
        chunks.append((kind, payload, crc == zlib.crc32(kind + payload)))
        position += 12 + length
    return chunks


def png_with_metadata() -> bytes:
    pixels = b"".join(b"\x00" + bytes([255, 0, 0, 0, 255, 0]) for _ in range(2))  # 2×2 RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + png_chunk(b"tEXt", b"Author\x00Zhang San")
        + png_chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00taken at home")
        + png_chunk(b"zTXt", b"Software\x00\x00" + zlib.compress(b"editor"))
        + png_chunk(b"eXIf", EXIF_WITH_GPS)
        + png_chunk(b"IDAT", zlib.compress(pixels))
        + png_chunk(b"IEND", b"")
    )


def riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) & 1)


def webp_with_metadata() -> bytes:
    vp8x = riff_chunk(b"VP8X", bytes([0x08 | 0x04 | 0x10, 0, 0, 0]) + b"\x01\x00\x00\x01\x00\x00")
    body = (
        b"WEBP"
        + vp8x
        + riff_chunk(b"VP8L", b"\x2f\x01\x40\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
        + riff_chunk(b"EXIF", EXIF_WITH_GPS)
        + riff_chunk(b"XMP ", XMP_PACKET)
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def with_entries(data: bytes, extra: dict[str, bytes]) -> bytes:
    """The package ``data`` with ``extra`` entries added at the end."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for name, content in extra.items():
            target.writestr(name, content)
    return out.getvalue()


CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
    "<vt:lpwstr>2052-12.1.0</vt:lpwstr></property>"
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="拟稿人">'
    "<vt:lpwstr>张三</vt:lpwstr></property>"
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="Owner Email">'
    "<vt:lpwstr>zhangsan@example.cn</vt:lpwstr></property>"
    "</Properties>"
).encode()


def docx_with_people() -> bytes:
    document = docx.Document()
    document.add_heading("关于开展非遗进校园活动的通知", level=1)
    document.add_paragraph("各县(区、市)文化和旅游局:")
    document.add_paragraph("现将有关事项通知如下。")
    document.core_properties.author = "张三"
    document.core_properties.last_modified_by = "李四"
    document.core_properties.title = "非遗进校园"
    buffer = io.BytesIO()
    document.save(buffer)
    app = (
        '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/extended-properties"><Application>WPS Office</Application>'
        "<Company>雨林木风</Company><Manager>王五</Manager></Properties>"
    ).encode()
    with zipfile.ZipFile(buffer) as source:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info, app if info.filename == "docProps/app.xml" else source.read(info))
            target.writestr("docProps/custom.xml", CUSTOM_XML)
    return out.getvalue()


def pdf_with_author(*lines: str, xmp: bool = True) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(*lines))))
    writer.add_metadata({"/Author": "Zhang San", "/Title": "Notice", "/Producer": "WPS"})
    if xmp:
        writer.xmp_metadata = XMP_PACKET
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_of(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


OOXML_MINIMUM = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}


def compound_file(streams: list[str], clsid: bytes = bytes(16)) -> bytes:
    """An OLE compound file (MS-CFB version 3) with empty top-level streams: a header, one FAT sector and
    the directory (the root entry, then the streams as a chain of right siblings)."""
    entries = [("Root Entry", 5, 1 if streams else 0xFFFFFFFF, clsid)]
    entries += [(name, 2, 0xFFFFFFFF, bytes(16)) for name in streams]
    directory = b""
    for index, (name, kind, child, entry_clsid) in enumerate(entries):
        encoded = (name + "\0").encode("utf-16-le")
        right = index + 1 if 0 < index < len(entries) - 1 else 0xFFFFFFFF
        directory += (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child)
            + entry_clsid
            + bytes(4 + 16)
            + struct.pack("<IQ", 0xFFFFFFFE, 0)
        )
    directory = directory.ljust(-(-len(directory) // 512) * 512, b"\0")
    n_dir = len(directory) // 512
    fat = [0xFFFFFFFD] + [i + 2 for i in range(n_dir - 1)] + [0xFFFFFFFE]
    fat_sector = struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
        + struct.pack("<I", 0)
        + b"\xff" * (108 * 4)
    )
    assert len(header) == 512
    return header + fat_sector + directory


MSI_CLSID = bytes.fromhex("84100c0000000000c000000000000046")


def mp3_bytes() -> bytes:
    frame = b"\xff\xfb\x90\x64" + bytes(413)  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + frame * 3


def mp4_bytes(brand: bytes = b"isom", compatible: bytes = b"isomiso2avc1mp41") -> bytes:
    ftyp = b"ftyp" + brand + b"\x00\x00\x02\x00" + compatible
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", 8) + b"free" + b"\x00\x00\x00\x08mdat"


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A .docx whose one media entry unpacks to 210 MB of zeros (about 200 KB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in OOXML_MINIMUM.items():
            archive.writestr(name, content)
        with archive.open("word/media/image1.png", "w") as entry:
            chunk = bytes(1 << 20)
            for _ in range(210):
                entry.write(chunk)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def refused(name: str, data: bytes) -> str:
    with pytest.raises(AttachmentRejected) as error:
        check_upload(upload(name, data))
    message = str(error.value)
    assert f"“{name}”" in message and chinese([message]), message
    return message


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the real type, one level deeper ------------------------------------------------------------------


def test_kind_of_sorts_extensions_for_what_follows_upload():
    assert [kind_of(e) for e in ("pdf", ".DOCX", "txt", "ofd")] == ["document"] * 4
    assert [kind_of(e) for e in ("jpg", "png", "gif")] == ["image"] * 3
    assert (kind_of("mp3"), kind_of("mp4"), kind_of("zip")) == ("audio", "video", "archive")
    assert kind_of("exe") == kind_of("") == "other"


def test_an_accepted_file_carries_its_kind_and_scrubbed_bytes():
    checked = check_upload(upload("录音.mp3", mp3_bytes()))
    assert (checked.kind, checked.content_type, checked.notes) == ("audio", "audio/mpeg", [])
    assert checked.data == mp3_bytes() and checked.size == len(mp3_bytes())
    assert checked.sha256 == hashlib.sha256(mp3_bytes()).hexdigest()
    assert check_upload(upload("现场.mp4", mp4_bytes())).kind == "video"


@pytest.mark.parametrize(
    "name, data",
    [
        ("照片.mp4", mp4_bytes(b"heic", b"mif1heic")),  # a HEIC photo
        ("影片.mp4", mp4_bytes(b"qt  ", b"qt  ")),  # a QuickTime movie
        ("录音.mp3", b"\xff\xf1\x50\x80" + bytes(100)),  # AAC (ADTS), not MPEG layer III
        ("录音.mp3", "会议录音文字稿".encode()),
        ("图.gif", b"GIF90a" + bytes(20)),
    ],
)
def test_audio_video_and_images_must_carry_their_own_signature(name, data):
    assert "实际内容与扩展名" in refused(name, data)


def test_a_docx_needs_content_types_and_its_main_part():
    assert check_upload(upload("通知.docx", zip_of(OOXML_MINIMUM))).kind == "document"
    message = refused("通知.docx", zip_of({"word/document.xml": b"<w:document/>"}))
    assert message == "文件“通知.docx”的实际内容与扩展名 .docx 不符,已拒绝上传。"
    xlsx = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    assert check_upload(upload("报表.xlsx", xlsx)).extension == "xlsx"
    refused("报表.pptx", xlsx)
    pptx = zip_of({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p:presentation/>"})
    assert check_upload(upload("汇报.pptx", pptx)).extension == "pptx"


def test_a_docx_with_macros_is_refused():
    message = refused("通知.docx", zip_of({**OOXML_MINIMUM, "word/vbaProject.bin": b"\xd0\xcf"}))
    assert "宏代码" in message


def test_an_ole_file_must_hold_the_stream_of_its_kind():
    assert check_upload(
        upload("通知.doc", compound_file(["\x05SummaryInformation", "WordDocument", "1Table"]))
    )
    assert check_upload(upload("通知.wps", compound_file(["WordDocument"]))).extension == "wps"
    assert (
        check_upload(upload("报表.xls", compound_file(["Workbook"]))).content_type
        == "application/vnd.ms-excel"
    )
    assert check_upload(upload("报表.et", compound_file(["Book"]))).extension == "et"
    assert check_upload(upload("汇报.ppt", compound_file(["Current User", "PowerPoint Document"])))
    assert "这是Excel 工作簿" in refused("通知.doc", compound_file(["Workbook"]))
    assert "PowerPoint Document" in refused("汇报.ppt", compound_file(["WordDocument0"]))


def test_an_msi_renamed_doc_is_refused_as_an_installer():
    msi = compound_file(["\u4840\u3b3f\u4577\u446c", "\x05SummaryInformation"], clsid=MSI_CLSID)
    message = refused("通知.doc", msi)
    assert (
        message
        == "文件“通知.doc”的实际内容与扩展名 .doc 不符(这是 Windows 安装程序(MSI),不是文档),已拒绝上传。"
    )


def test_a_broken_compound_file_is_refused_as_damaged():
    whole = compound_file(["WordDocument"])
    assert "结构已损坏" in refused("通知.doc", whole[:600])  # the directory sector is missing
    looping = bytearray(whole)
    looping[512 + 4 : 512 + 8] = struct.pack("<I", 1)  # the directory chain points at itself
    assert "结构已损坏" in refused("通知.doc", bytes(looping))


def test_a_password_protected_docx_is_refused_with_a_reason():
    encrypted = compound_file(["EncryptionInfo", "EncryptedPackage"])
    assert "设有打开密码" in refused("通知.docx", encrypted)


def test_a_pdf_needs_its_header_in_the_first_kilobyte_and_its_end_marker():
    pdf = pdf_bytes("通知")
    assert check_upload(upload("a.pdf", b"\n" * 1000 + pdf)).extension == "pdf"
    assert "实际内容与扩展名 .pdf 不符" in refused("a.pdf", b" " * 1100 + pdf)
    assert "%%EOF" in refused("a.pdf", pdf[: len(pdf) // 2])


def test_text_must_be_utf8_or_gb18030_and_says_which():
    assert check_upload(upload("名录.csv", "序号,项目\n1,左权开花调\n".encode())).content_type == (
        "text/csv; charset=utf-8"
    )
    gbk = "序号,项目\n1,平遥推光漆器髹饰技艺\n".encode("gb18030")
    assert check_upload(upload("名录.csv", gbk)).content_type == "text/csv; charset=gb18030"
    assert "既不是 UTF-8 也不是 GB18030" in refused("说明.txt", b"caf\xe9 \x80\xff")


@pytest.mark.parametrize(
    "content, what",
    [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "网页(HTML)"),
        (b"\xef\xbb\xbf \r\n\t<HTML>\n<body onload=x()>", "网页(HTML)"),
        (b"  <script src=//evil.example/x.js></script>", "网页(HTML)"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG 图像"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "XML 文档"),
    ],
)
def test_markup_renamed_txt_is_refused(content, what):
    message = refused("说明.txt", content)
    assert f"实际内容是{what},不是纯文本" in message


def test_text_mentioning_markup_later_is_still_text():
    text = "使用说明\n网页中的 <html> 标签不会被执行。\n".encode()
    assert check_upload(upload("说明.txt", text)).data == text


def test_an_svg_renamed_png_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refused("图片.png", svg) == "文件“图片.png”的实际内容与扩展名 .png 不符,已拒绝上传。"


# --- packages: zip bombs and path tricks --------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(zip_bomb):
    assert len(zip_bomb) < 1024 * 1024
    message = refused("通知.docx", zip_bomb)
    assert "疑似压缩炸弹" in message and "210.0\xa0MB" in message  # filesizeformat: no-break space


def test_a_compressible_package_under_the_absolute_limit_is_accepted():
    data = zip_of({**OOXML_MINIMUM, "word/media/blank.bmp": bytes(5 * 1024 * 1024)})
    assert len(data) * 50 < 5 * 1024 * 1024  # far above the ratio, far below 200 MB
    assert check_upload(upload("通知.docx", data)).extension == "docx"


def test_a_package_with_too_many_entries_is_refused():
    entries = {f"Doc_0/Res/{n}.xml": b"" for n in range(10_001)}
    message = refused("公文.ofd", zip_of({"OFD.xml": b"<ofd:OFD/>", **entries}, zipfile.ZIP_STORED))
    assert "超过 10000 个" in message


@pytest.mark.parametrize(
    "name, entry",
    [
        ("通知.docx", "../../etc/cron.d/job"),
        ("通知.docx", "word/../../evil.xml"),
        ("资料.zip", "/etc/passwd"),
        ("资料.zip", "..\\..\\Windows\\evil.dll"),
        ("资料.zip", "C:/Windows/evil.dll"),
    ],
)
def test_path_tricks_inside_a_package_are_refused(name, entry):
    message = refused(name, zip_of({**OOXML_MINIMUM, entry: b"x"}))
    assert f"内含路径异常的条目“{entry}”" in message


def test_a_package_with_two_entries_of_the_same_name_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in OOXML_MINIMUM.items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning):
            archive.writestr("word/document.xml", b"<w:document>other</w:document>")
    assert "重名的条目" in refused("通知.docx", buffer.getvalue())


def test_a_zip_glued_behind_a_program_is_refused():
    sfx = b"MZ\x90\x00" + bytes(200) + zip_of({"readme.txt": b"hello"})
    assert "实际内容与扩展名 .zip 不符" in refused("资料.zip", sfx)


# --- polyglots ----------------------------------------------------------------------------------------


def test_a_pdf_that_also_starts_as_a_zip_is_refused():
    polyglot = zip_of({"a.txt": b"x"}, zipfile.ZIP_STORED)[:60] + pdf_bytes("通知")
    assert "同时具有 PDF 和 ZIP 压缩包的文件头" in refused("通知.pdf", polyglot)


def test_a_pdf_that_also_starts_as_a_web_page_is_refused():
    polyglot = b"<html><script>alert(1)</script><!--\n" + pdf_bytes("通知")
    assert "多格式伪装文件" in refused("通知.pdf", polyglot)


@pytest.mark.parametrize("name, data", [("通知.pdf", pdf_bytes("通知")), ("照片.jpg", jpeg_with_metadata())])
def test_a_file_that_is_also_a_zip_archive_is_refused(name, data):
    message = refused(name, data + zip_of({"payload.js": b"alert(1)"}))
    assert "同时也是一个 ZIP 压缩包" in message


# --- scrubbing: images --------------------------------------------------------------------------------


def test_jpeg_loses_exif_gps_xmp_and_iptc_but_keeps_image_data_and_orientation():
    original = jpeg_with_metadata()
    cleaned, notes = scrub(original, "jpg")
    assert notes == [NOTE_GPS, NOTE_IMAGE_AUTHOR, NOTE_EXIF, NOTE_XMP, NOTE_IPTC]
    assert b"Zhang" not in cleaned and b"ZS\0" not in cleaned and b"http://ns.adobe.com" not in cleaned
    assert cleaned.endswith(jpeg_scan())  # tables, frame, scan and end marker byte for byte
    icc = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"profile")
    assert icc in cleaned and segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00") in cleaned
    assert segment(0xE1, b"Exif\x00\x00" + UPRIGHT_BY_ROTATION) in cleaned  # still displays upright
    assert scrub(cleaned, "jpg") == (cleaned, [])


def test_a_jpeg_without_metadata_is_stored_unchanged():
    plain = b"\xff\xd8" + jpeg_scan()
    cleaned, notes = scrub(plain, "jpeg")
    assert cleaned is plain and notes == []


def test_a_truncated_jpeg_header_is_refused():
    damaged = jpeg_with_metadata()[:30]
    assert "图片结构已损坏" in refused("照片.jpg", damaged)


def test_png_loses_text_and_exif_chunks_and_keeps_its_pixels():
    original = png_with_metadata()
    cleaned, notes = scrub(original, "png")
    assert notes == [NOTE_IMAGE_TEXT, NOTE_GPS, NOTE_IMAGE_AUTHOR, NOTE_EXIF]
    before, after = png_chunks(original), png_chunks(cleaned)
    assert [kind for kind, _, _ in after] == [b"IHDR", b"eXIf", b"IDAT", b"IEND"]
    assert all(ok for _, _, ok in after)
    assert [c for c in after if c[0] != b"eXIf"] == [c for c in before if c[0] in (b"IHDR", b"IDAT", b"IEND")]
    assert b"Zhang" not in cleaned
    assert {kind: payload for kind, payload, _ in after}[b"eXIf"] == UPRIGHT_BY_ROTATION


def test_webp_loses_exif_and_xmp_chunks_and_its_header_stays_consistent():
    original = webp_with_metadata()
    cleaned, notes = scrub(original, "webp")
    assert NOTE_GPS in notes and NOTE_XMP in notes
    assert b"EXIF" not in cleaned and b"XMP " not in cleaned and b"Zhang" not in cleaned
    assert int.from_bytes(cleaned[4:8], "little") == len(cleaned) - 8
    assert cleaned[20] == 0x10  # VP8X keeps the alpha flag, loses EXIF and XMP
    assert riff_chunk(b"VP8L", b"\x2f\x01\x40\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00") in cleaned


# --- scrubbing: Office documents and PDF --------------------------------------------------------------


def test_docx_loses_its_people_and_keeps_every_other_part_byte_for_byte():
    original = docx_with_people()
    cleaned, notes = scrub(original, "docx")
    assert notes == [NOTE_DOC_AUTHOR, NOTE_DOC_LAST_EDITOR, NOTE_DOC_COMPANY, NOTE_DOC_CUSTOM]

    reopened = docx.Document(io.BytesIO(cleaned))
    assert reopened.core_properties.author == "" and reopened.core_properties.last_modified_by == ""
    assert reopened.core_properties.title == "非遗进校园"
    assert [p.text for p in reopened.paragraphs] == [
        "关于开展非遗进校园活动的通知",
        "各县(区、市)文化和旅游局:",
        "现将有关事项通知如下。",
    ]
    with zipfile.ZipFile(io.BytesIO(original)) as before, zipfile.ZipFile(io.BytesIO(cleaned)) as after:
        assert [(i.filename, i.compress_type) for i in before.infolist()] == [
            (i.filename, i.compress_type) for i in after.infolist()
        ]
        changed = {"docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"}
        for name in before.namelist():
            if name not in changed:
                assert after.read(name) == before.read(name), name
        custom = after.read("docProps/custom.xml").decode()
        assert "KSOProductBuildVer" in custom and "张三" not in custom and "zhangsan" not in custom
        app = after.read("docProps/app.xml").decode()
        assert "<Application>WPS Office</Application>" in app and "雨林木风" not in app and "王五" not in app
    assert scrub(cleaned, "docx") == (cleaned, [])


def test_a_docx_without_people_is_stored_unchanged():
    plain = docx_bytes("正文")
    document = docx.Document(io.BytesIO(plain))
    assert document.core_properties.author == "python-docx"  # the template's own creator is removed too
    cleaned, notes = scrub(plain, "docx")
    assert notes == [NOTE_DOC_AUTHOR]
    assert scrub(cleaned, "docx")[0] is cleaned
    minimal = zip_of(OOXML_MINIMUM)
    assert scrub(minimal, "docx") == (minimal, [])


def test_pdf_loses_its_author_and_keeps_its_text():
    original = pdf_with_author("晋中市非物质文化遗产保护条例实施细则", "第一条")
    assert b"Zhang San" in original
    cleaned, notes = scrub(original, "pdf")
    assert notes == [NOTE_PDF_AUTHOR]
    assert b"Zhang San" not in cleaned
    before, after = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(cleaned))
    assert "/Author" not in after.metadata
    assert after.metadata["/Title"] == "Notice" and after.metadata["/Producer"] == "WPS"
    assert b"creator" not in after.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert [p.extract_text() for p in after.pages] == [p.extract_text() for p in before.pages]
    assert "第一条" in after.pages[0].extract_text()
    assert scrub(cleaned, "pdf") == (cleaned, [])


def test_a_pdf_without_an_author_is_stored_unchanged():
    plain = pdf_bytes("通知")
    cleaned, notes = scrub(plain, "pdf")
    assert cleaned is plain and notes == []


def test_an_encrypted_or_unreadable_pdf_is_stored_as_it_is_and_says_so():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_author("通知", xmp=False))))
    writer.encrypt(user_password="", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    encrypted = out.getvalue()
    assert scrub(encrypted, "pdf") == (encrypted, [NOTE_PDF_ENCRYPTED])
    broken = b"%PDF-1.4\n1 0 obj << /Author (Zhang San) >> endobj\n%%EOF\n"  # no cross-reference at all
    assert scrub(broken, "pdf") == (broken, [NOTE_PDF_UNREADABLE])


def test_a_signed_pdf_is_left_as_it_is_and_says_why():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_author("通知", xmp=False))))
    signature = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/ByteRange"): ArrayObject([NumberObject(0), NumberObject(10)]),
        }
    )
    writer.root_object[NameObject("/SigForTest")] = writer._add_object(signature)
    out = io.BytesIO()
    writer.write(out)
    signed = out.getvalue()
    assert scrub(signed, "pdf") == (signed, [NOTE_PDF_SIGNED])


# --- through attach_file: what is stored ------------------------------------------------------------


@pytest.mark.django_db
def test_the_stored_file_is_the_scrubbed_one_with_its_own_size_and_digest():
    staff = make_staff()
    item = make_draft(staff)
    original = jpeg_with_metadata()
    attachment = services.attach_file(user=staff.drafter, item=item, upload=upload("现场照片.jpg", original))

    stored = Path(attachment.file.path).read_bytes()
    assert stored == scrub(original, "jpg")[0] and stored != original
    assert attachment.size == len(stored)
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.content_type == "image/jpeg"
    assert NOTE_GPS in attachment.scrub_notes
    assert media_files() == [Path(attachment.file.path)]


@pytest.mark.django_db
def test_the_text_of_a_scrubbed_docx_is_still_read():
    staff = make_staff()
    item = make_draft(staff)
    attachment = services.attach_file(
        user=staff.drafter, item=item, upload=upload("通知.docx", docx_with_people())
    )
    assert "现将有关事项通知如下" in attachment.text
    assert docx.Document(attachment.file.path).core_properties.author == ""


ATTACKS = {
    "zip with ../": ("通知.docx", zip_of({**OOXML_MINIMUM, "../evil.xml": b"x"}), "路径异常"),
    "polyglot PDF+ZIP": ("通知.pdf", b"PK\x03\x04" + bytes(40) + pdf_bytes("通知"), "多格式伪装"),
    "HTML renamed txt": ("说明.txt", b"<html><script>alert(1)</script></html>", "网页(HTML)"),
    "SVG renamed png": ("图片.png", b"<svg onload=alert(1)></svg>", "实际内容与扩展名 .png 不符"),
    "MSI renamed doc": ("通知.doc", compound_file(["x"], clsid=MSI_CLSID), "Windows 安装程序"),
    "exe renamed pdf": ("通知.pdf", b"MZ\x90\x00" + bytes(300) + b"PE\x00\x00", "实际内容与扩展名 .pdf 不符"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("attack", [*ATTACKS, "zip bomb"])
def test_an_attack_file_is_refused_and_nothing_is_written(attack, request):
    if attack == "zip bomb":
        name, data, reason = "通知.docx", request.getfixturevalue("zip_bomb"), "压缩炸弹"
    else:
        name, data, reason = ATTACKS[attack]
    staff = make_staff()
    item = make_draft(staff)
    before = snapshot(item)
    with pytest.raises(AttachmentRejected) as error:
        services.attach_file(user=staff.drafter, item=item, upload=upload(name, data))
    message = str(error.value)
    assert message.startswith(f"文件“{name}”") and message.endswith("已拒绝上传。") and reason in message
    assert media_files() == []
    assert Attachment.objects.count() == 0
    assert snapshot(item) == before
