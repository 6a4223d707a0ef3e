"""Fetching a source: RSS/Atom feeds, web list pages and local files or folders, turned into Entries.

No database here: `fetch(source_like)` reads what the source offers now and says what went wrong in
Chinese. Nothing fetched is thrown away: a malformed feed yields what the parser recovered, a page over
the size cap is cut and what was read is parsed (`partial`), a time-out in the middle of a body keeps
the bytes received, and one article of a list page failing does not lose the others.

Text in GBK/GB18030 is read correctly: the charset declared by the HTTP header, the XML declaration or
the HTML <meta> is used (gb2312 and gbk are read as their superset gb18030), `source.encoding`
overrides them all, and undeclared bytes are detected.

Addresses on the network are reached through `ssrf.guarded_client()`: a source (or a redirect) that
points at the platform's own network — loopback, private, link-local, metadata, reserved addresses in
any notation, or a name resolving to one — is refused with a Chinese error, and the connection is made
to the address that was checked (settings.GONGKAI_FETCH_ALLOW_PRIVATE turns the check off).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime
import hashlib
import io
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from . import ssrf
from .constants import Channel, SourceKind
from .entries import Entry

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # per page or file; more is cut off and what was read is still parsed
TIMEOUT = 10.0  # seconds, per network operation (connect, each read)
MAX_ARTICLES = 30  # article pages fetched per poll of a web list; the rest wait for the next poll
WEB_LIST_SECONDS = 120  # time spent on the article pages of one list per poll; the rest wait
MAX_LOCAL_FILES = 1000  # files read per poll of a local folder
MIN_LINK_TEXT = 6  # without a link pattern, shorter link texts (首页, 联系我们, …) are navigation
USER_AGENT = "Gongkai/1.0 (government information disclosure platform; public concerns monitor)"

# Extensions that are never article pages.
_SKIPPED_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".wps",
        ".zip",
        ".rar",
        ".7z",
        ".jpg",
        ".jpeg",
    }
    | {".png", ".gif", ".bmp", ".webp", ".mp3", ".mp4", ".avi", ".flv", ".exe", ".apk"}
)
_CHINESE_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312_80": "gb18030", "cp936": "gb18030"}
_WEAK_HEADER_CHARSETS = frozenset({"iso8859-1", "ascii", "cp1252"})  # common server defaults

_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.I)
_XML_DECL_TEXT = re.compile(r"""^\ufeff?\s*<\?xml[^>]*\?>""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_FEED_SNIFF = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.I)
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "blockquote",
        "pre",
    }
    | {"section", "article", "header", "footer", "dd", "dt"}
)


@dataclass
class FetchResult:
    entries: list[Entry] = field(default_factory=list)
    not_modified: bool = False
    etag: str = ""
    last_modified: str = ""
    error: str = ""  # Chinese; '' when the source could be read
    partial: bool = False  # something was cut off or skipped; what was read is in `entries`
    warnings: list[str] = field(default_factory=list)  # Chinese, for the staff


class FetchError(Exception):
    """A page or file could not be read at all; the message is Chinese."""


# --- encodings --------------------------------------------------------------------------------------


def normalise_encoding(name: str | None) -> str | None:
    """The Python codec name for a declared charset, gb2312/gbk read as gb18030; None if unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return _CHINESE_ALIASES.get(codec, codec)


def _decodes(data: bytes, encoding: str) -> bool:
    """Whether `data` is valid in `encoding` (a character cut in two at the very end is tolerated)."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 4
    except LookupError:
        return False
    return True


def declared_encoding(data: bytes, content_type: str = "") -> str | None:
    """The charset declared by the Content-Type header, the XML declaration or the HTML <meta>."""
    header = None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type or "", re.I)
    if match:
        header = normalise_encoding(match.group(1))
    if header and header not in _WEAK_HEADER_CHARSETS:
        return header
    head = data[:4096]
    for pattern in (_XML_DECL, _META_CHARSET):
        match = pattern.search(head)
        if match:
            found = normalise_encoding(match.group(1).decode("ascii", "replace"))
            if found:
                return found
    return header


def detect_encoding(data: bytes) -> str:
    """Guess the encoding of undeclared bytes: UTF-8 if valid, else charset_normalizer, preferring
    GB18030 for a Chinese platform whenever the bytes are valid GB18030 and the guess is not Chinese."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(data, "utf-8"):
        return "utf-8"
    import charset_normalizer

    best = charset_normalizer.from_bytes(data[:200_000]).best()
    guess = normalise_encoding(best.encoding) if best else None
    if guess in ("gb18030", "big5", "big5hkscs", "hz"):
        return guess
    if _decodes(data, "gb18030"):
        return "gb18030"
    return guess or "gb18030"


def decode(data: bytes, *, content_type: str = "", override: str = "") -> tuple[str, str]:
    """(text, encoding used). Never raises: bytes that do not decode become U+FFFD."""
    encoding = normalise_encoding(override) if override else None
    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            # Undeclared, or the declaration is wrong (a "utf-8" page saved in GBK): detected.
            declared = declared_encoding(data, content_type)
            encoding = declared if declared and _decodes(data, declared) else detect_encoding(data)
    return data.decode(encoding, errors="replace"), encoding


# --- text helpers -----------------------------------------------------------------------------------


def _clean_lines(text: str) -> str:
    lines = (re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, one line per block; script and style dropped."""
    if not html or "<" not in html:
        return _clean_lines(html or "")
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _clean_lines(re.sub(r"<[^>]*>", " ", html))
    return _element_text(root)


def _element_text(root) -> str:
    from lxml import etree

    for bad in root.xpath(".//script|.//style|.//noscript|.//template"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    try:
        text = root.text_content()
    except (ValueError, etree.LxmlError):
        text = ""
    return _clean_lines(text)


def _strip_xml_declaration(text: str) -> str:
    return _XML_DECL_TEXT.sub("", text, count=1)


def _parse_html(text: str):
    """An lxml document, or None for an empty or unparsable page."""
    import lxml.html
    from lxml import etree

    text = _strip_xml_declaration(text).replace("\x00", "")
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def _title_of(doc) -> str:
    for path in ("//h1", "//title"):
        for element in doc.xpath(path):
            title = _clean_lines(element.text_content()).replace("\n", " ")
            if title:
                return title[:500]
    return ""


def _page_entry(text: str, *, url: str, key: str, channel: str, title_hint: str = "") -> Entry | None:
    """One entry for an article page: its main text (trafilatura, else the whole body) and title."""
    doc = _parse_html(text)
    if doc is None:
        return None
    body = ""
    try:
        import trafilatura

        body = (
            trafilatura.extract(_strip_xml_declaration(text), include_comments=False, include_tables=True)
            or ""
        )
    except Exception:  # trafilatura is a heuristic; its failure must not lose the page
        logger.warning("trafilatura failed on %s", url or key, exc_info=True)
    body = _clean_lines(body)
    title = title_hint
    if not title or title.endswith(("...", "…")):
        title = _title_of(doc) or title
    if not body:
        bodies = doc.xpath("//body")
        body = _element_text(bodies[0] if bodies else doc)
    if not title and not body:
        return None
    if not url:
        for canonical in doc.xpath("//link[@rel='canonical']/@href|//meta[@property='og:url']/@content"):
            if urllib.parse.urlsplit(canonical).scheme in ("http", "https"):
                url = canonical
                break
    return Entry(title=title[:500], text=body, url=url[:1000], key=key, channel=channel)


# --- feeds ------------------------------------------------------------------------------------------


def _struct_to_datetime(value) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime(*value[:6], tzinfo=datetime.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def parse_feed(
    text: str, *, base_url: str = "", channel: str = Channel.FEED, key_prefix: str = ""
) -> FetchResult:
    """Entries of an RSS/Atom document (already decoded); a malformed feed yields what was recovered."""
    import feedparser

    result = FetchResult()
    utf8 = _strip_xml_declaration(text).replace("\x00", "").encode("utf-8")
    # A stream, never a string: feedparser would take a string for a URL or a file name.
    parsed = feedparser.parse(
        io.BytesIO(utf8), response_headers={"content-type": "application/xml; charset=utf-8"}
    )
    for position, item in enumerate(parsed.entries):
        link = item.get("link") or ""
        if link and base_url:
            with contextlib.suppress(ValueError):
                link = urllib.parse.urljoin(base_url, link)
        if link and urllib.parse.urlsplit(link).scheme not in ("http", "https"):
            link = ""
        title = html_to_text(item.get("title") or "").replace("\n", " ")
        summary = item.get("summary") or ""
        contents = [c.get("value") or "" for c in item.get("content") or []]
        body = max([summary, *contents], key=len)
        text_value = html_to_text(body)
        key = item.get("id") or link
        if not key:
            key = f"{key_prefix}#{position}" if key_prefix else _digest(title + "\n" + text_value)
        if not (title or text_value):
            continue
        result.entries.append(
            Entry(
                title=title[:500],
                text=text_value,
                url=link[:1000],
                key=key,
                author=(item.get("author") or "")[:200],
                published_at=_struct_to_datetime(item.get("published_parsed") or item.get("updated_parsed")),
                channel=channel,
            )
        )
    reason = str(parsed.get("bozo_exception") or "")[:200] if parsed.bozo else ""
    if result.entries:
        if reason:
            result.warnings.append(f"订阅格式有误({reason}),已尽量读取到 {len(result.entries)} 条。")
    elif not parsed.get("version"):
        result.error = (
            f"不是可以解析的 RSS/Atom 订阅:{reason}。"
            if reason
            else "不是 RSS/Atom 订阅:没有找到 rss、feed 等订阅元素。"
        )
    elif reason:
        result.warnings.append(f"订阅格式有误({reason}),没有读取到条目。")
    return result


def _digest(text: str) -> str:
    return "sha1:" + hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


# --- HTTP -------------------------------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    headers: httpx.Headers
    body: bytes
    partial: bool
    warning: str
    url: str


def _kb(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _http_get(client: httpx.Client, url: str, *, headers: dict, max_bytes: int, timeout: float) -> _Response:
    """GET with a byte cap and an overall deadline; a body cut short keeps what was read."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"地址无效:只支持 http:// 或 https:// 开头的地址({url[:200]})。")
    deadline = time.monotonic() + max(timeout * 3, timeout + 5)
    try:
        with client.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
            if response.status_code == 304:
                return _Response(304, response.headers, b"", False, "", str(response.url))
            if response.status_code >= 400:
                raise FetchError(f"服务器返回错误 HTTP {response.status_code}({url[:200]})。")
            chunks: list[bytes] = []
            size = 0
            partial = False
            warning = ""
            try:
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > max_bytes:
                        partial = True
                        warning = f"页面超过 {_kb(max_bytes)},只读取了前 {_kb(max_bytes)}({url[:200]})。"
                        break
                    if time.monotonic() > deadline:
                        partial = True
                        warning = f"读取时间过长,只处理了已收到的 {_kb(size)}({url[:200]})。"
                        break
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if not size:
                    raise
                partial = True
                what = "读取超时" if isinstance(exc, httpx.TimeoutException) else "连接中断"
                warning = f"{what},只处理了已收到的 {_kb(size)}({url[:200]})。"
            body = b"".join(chunks)[:max_bytes]
            return _Response(
                response.status_code, response.headers, body, partial, warning, str(response.url)
            )
    except FetchError:
        raise
    except ssrf.BlockedAddress as exc:  # the address, or that of a redirect, is inside the network
        raise FetchError(str(exc)) from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"访问超时:{timeout:g} 秒内没有响应({url[:200]})。") from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"重定向次数过多({url[:200]})。") from exc
    except httpx.ConnectError as exc:
        raise FetchError(f"无法连接服务器({url[:200]})。") from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise FetchError(f"地址无效({url[:200]})。") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"抓取失败:{type(exc).__name__}({url[:200]})。") from exc
    except ValueError as exc:  # malformed URLs rejected before any request
        raise FetchError(f"地址无效({url[:200]})。") from exc


def _conditional_headers(source_like) -> dict:
    headers = {}
    etag = getattr(source_like, "etag", "") or ""
    last_modified = getattr(source_like, "last_modified", "") or ""
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


# --- web list pages ---------------------------------------------------------------------------------


def list_links(text: str, *, base_url: str, link_pattern: str = "") -> list[tuple[str, str]]:
    """(absolute URL, link text) of the article links of a list page: same site, no fragment, in
    page order, each once; filtered by `link_pattern` (a substring of the URL) when given, otherwise
    links with a short text (navigation) and links to files are skipped."""
    doc = _parse_html(text)
    if doc is None:
        return []
    base = urllib.parse.urlsplit(base_url)
    own = base_url.split("#", 1)[0]
    found: dict[str, str] = {}
    for anchor in doc.xpath("//a[@href]"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        try:
            url = urllib.parse.urljoin(base_url, href).split("#", 1)[0]
            parts = urllib.parse.urlsplit(url)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or parts.hostname != base.hostname or url == own:
            continue
        label = _clean_lines(anchor.text_content()).replace("\n", " ") or (anchor.get("title") or "").strip()
        if link_pattern:
            if link_pattern not in url:
                continue
        else:
            if Path(parts.path).suffix.lower() in _SKIPPED_EXTENSIONS or len(label) < MIN_LINK_TEXT:
                continue
        if url not in found or (label and not found[url]):
            found[url] = label
    return list(found.items())


def _is_seen(seen, key: str) -> bool:
    if seen is None:
        return False
    if callable(seen):
        return bool(seen(key))
    return key in seen


def _fetch_web_list(client, source_like, *, max_bytes, timeout, seen, max_articles) -> FetchResult:
    result = FetchResult()
    response = _http_get(
        client,
        source_like.url,
        headers=_conditional_headers(source_like),
        max_bytes=max_bytes,
        timeout=timeout,
    )
    result.etag = response.headers.get("etag", "")
    result.last_modified = response.headers.get("last-modified", "")
    if response.status == 304:
        result.not_modified = True
        return result
    if response.partial:
        result.partial = True
        result.warnings.append(response.warning)
    text, _ = decode(
        response.body,
        content_type=response.headers.get("content-type", ""),
        override=source_like.encoding or "",
    )
    links = list_links(text, base_url=response.url, link_pattern=source_like.link_pattern or "")
    new_links = [(url, label) for url, label in links if not _is_seen(seen, url)]
    if len(new_links) > max_articles:
        result.partial = True
        result.warnings.append(
            f"列表页有 {len(new_links)} 篇新文章,本次抓取前 {max_articles} 篇,其余在下次巡查时继续。"
        )
        new_links = new_links[:max_articles]
    failures = []
    budget_end = time.monotonic() + WEB_LIST_SECONDS
    for done, (url, label) in enumerate(new_links):
        if time.monotonic() > budget_end:
            result.partial = True
            result.warnings.append(
                f"本次巡查用时已达 {WEB_LIST_SECONDS} 秒,还有 {len(new_links) - done} 篇文章在下次巡查时继续。"
            )
            break
        try:
            article = _http_get(client, url, headers={}, max_bytes=max_bytes, timeout=timeout)
            if article.partial:
                result.partial = True
                result.warnings.append(article.warning)
            page, _ = decode(
                article.body,
                content_type=article.headers.get("content-type", ""),
                override=source_like.encoding or "",
            )
            entry = _page_entry(page, url=url, key=url, channel=Channel.WEB, title_hint=label)
        except FetchError as exc:
            failures.append(str(exc))
            continue
        except Exception:  # one bad article must not lose the others
            logger.exception("article %s could not be read", url)
            failures.append(f"文章无法解析({url[:200]})。")
            continue
        if entry is None:
            failures.append(f"文章页面为空({url[:200]})。")
            continue
        result.entries.append(entry)
    if failures:
        result.partial = True
        result.warnings.append(f"{len(failures)} 篇文章抓取失败,下次巡查重试:" + ";".join(failures[:5]))
        if not result.entries:
            result.error = f"列表页中的 {len(failures)} 篇新文章全部抓取失败:" + ";".join(failures[:3])
    elif not links:
        result.warnings.append("列表页中没有找到符合条件的文章链接。")
    return result


def _fetch_feed(client, source_like, *, max_bytes, timeout) -> FetchResult:
    response = _http_get(
        client,
        source_like.url,
        headers=_conditional_headers(source_like),
        max_bytes=max_bytes,
        timeout=timeout,
    )
    etag = response.headers.get("etag", "")
    last_modified = response.headers.get("last-modified", "")
    if response.status == 304:
        return FetchResult(not_modified=True, etag=etag, last_modified=last_modified)
    text, _ = decode(
        response.body,
        content_type=response.headers.get("content-type", ""),
        override=source_like.encoding or "",
    )
    result = parse_feed(text, base_url=response.url)
    result.etag, result.last_modified = etag, last_modified
    if response.partial:
        result.partial = True
        result.warnings.insert(0, response.warning)
    return result


# --- local files ------------------------------------------------------------------------------------


def local_root() -> Path:
    """The folder local sources must lie under: settings.GONGKAI_CONCERN_LOCAL_ROOT, by default
    `<VAR_DIR>/concerns` (never the whole file system, whatever DEBUG says)."""
    from django.conf import settings

    root = getattr(settings, "GONGKAI_CONCERN_LOCAL_ROOT", None)
    if not root:
        root = Path(getattr(settings, "VAR_DIR", Path.cwd() / "var")) / "concerns"
    return Path(root).resolve()


def resolve_local_path(value: str) -> Path:
    """The real path of a local source, refused (FetchError) unless it lies under `local_root()`.
    Relative paths are taken from the root; symbolic links and '..' are resolved before the check."""
    root = local_root()
    if not value or "\x00" in value:
        raise FetchError("本地路径为空或无效。")
    try:
        candidate = Path(value)
        path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise FetchError(f"本地路径无效:{value[:200]}。") from exc
    if not path.is_relative_to(root):
        raise FetchError(f"本地路径不在允许的目录内(只能读取 {root} 下的文件)。")
    if not path.exists():
        raise FetchError(f"本地路径不存在:{value[:200]}。")
    return path


def _read_file(path: Path, max_bytes: int) -> tuple[bytes, bool]:
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"无法读取文件 {path.name}:{exc.strerror or exc}。") from exc
    return data[:max_bytes], len(data) > max_bytes


def _looks_like_feed(path: Path, data: bytes) -> bool:
    if path.suffix.lower() in (".rss", ".atom"):
        return True
    return bool(_FEED_SNIFF.search(data[:2048]))


def _local_file_entries(path: Path, *, max_bytes: int, override: str) -> FetchResult:
    data, cut = _read_file(path, max_bytes)
    text, _ = decode(data, override=override)
    key = str(path)
    if _looks_like_feed(path, data):
        result = parse_feed(text, key_prefix=key)
    else:
        result = FetchResult()
        if path.suffix.lower() == ".txt":
            lines = _clean_lines(text).split("\n", 1)
            entry = Entry(
                title=lines[0][:500], text=lines[1] if len(lines) > 1 else "", key=key, channel=Channel.WEB
            )
            entry = entry if entry.title else None
        else:
            entry = _page_entry(text, url="", key=key, channel=Channel.WEB)
        if entry is None:
            result.warnings.append(f"文件没有可读取的内容:{path.name}。")
        else:
            result.entries.append(entry)
    if cut:
        result.partial = True
        result.warnings.insert(0, f"文件 {path.name} 超过 {_kb(max_bytes)},只读取了前 {_kb(max_bytes)}。")
    return result


def _fetch_local(source_like, *, max_bytes: int) -> FetchResult:
    path = resolve_local_path(source_like.url or "")
    override = source_like.encoding or ""
    if path.is_file():
        return _local_file_entries(path, max_bytes=max_bytes, override=override)
    root = local_root()
    files = []
    for candidate in sorted(path.rglob("*")):
        if any(part.startswith(".") for part in candidate.relative_to(path).parts):
            continue
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            continue
        if real.is_file() and real.is_relative_to(root):
            files.append(real)
    result = FetchResult()
    if len(files) > MAX_LOCAL_FILES:
        result.partial = True
        result.warnings.append(f"文件夹中有 {len(files)} 个文件,本次只读取前 {MAX_LOCAL_FILES} 个。")
        files = files[:MAX_LOCAL_FILES]
    for file in files:
        try:
            one = _local_file_entries(file, max_bytes=max_bytes, override=override)
        except FetchError as exc:
            result.partial = True
            result.warnings.append(str(exc))
            continue
        result.entries.extend(one.entries)
        result.warnings.extend(one.warnings)
        if one.error:
            result.partial = True
            result.warnings.append(f"{file.name}:{one.error}")
        result.partial = result.partial or one.partial
    return result


# --- entry point ------------------------------------------------------------------------------------


def fetch(
    source_like,
    *,
    client: httpx.Client | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
    seen: Callable[[str], bool] | Collection[str] | None = None,
    max_articles: int | None = None,
) -> FetchResult:
    """Read a source now. `source_like` has kind, url, encoding, link_pattern, etag, last_modified.

    `seen` (a set of keys or a `key -> bool` callable) spares fetching article pages already known;
    feed entries are all returned (one request gives them all) and are filtered by the caller.
    The limits default to MAX_BYTES, TIMEOUT and MAX_ARTICLES."""
    max_bytes = max_bytes or MAX_BYTES
    timeout = timeout or TIMEOUT
    max_articles = max_articles or MAX_ARTICLES
    kind = source_like.kind
    try:
        if kind == SourceKind.LOCAL:
            result = _fetch_local(source_like, max_bytes=max_bytes)
        elif kind in (SourceKind.FEED, SourceKind.WEB_LIST):
            own_client = client is None
            if own_client:  # a client passed in (tests) is used as it is
                client = ssrf.guarded_client(
                    headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=True
                )
            try:
                if kind == SourceKind.FEED:
                    result = _fetch_feed(client, source_like, max_bytes=max_bytes, timeout=timeout)
                else:
                    result = _fetch_web_list(
                        client,
                        source_like,
                        max_bytes=max_bytes,
                        timeout=timeout,
                        seen=seen,
                        max_articles=max_articles,
                    )
            finally:
                if own_client:
                    client.close()
        else:
            return FetchResult(error=f"未知的来源类型:{kind}。")
    except FetchError as exc:
        return FetchResult(error=str(exc))
    except Exception:  # a parser bug or an unforeseen page must not stop the polling of other sources
        logger.exception("fetching %s failed", getattr(source_like, "url", ""))
        return FetchResult(error="抓取时发生内部错误,已记录日志,请联系系统管理员。")
    if result.not_modified:
        result.etag = result.etag or (getattr(source_like, "etag", "") or "")
        result.last_modified = result.last_modified or (getattr(source_like, "last_modified", "") or "")
    return result
