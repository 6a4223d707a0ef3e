"""Fetching sources (issue 6, sources): feeds and list pages over HTTP from a local server, GBK and
GB18030 text, malformed feeds, time-outs, huge pages, conditional GET, local files under a fixed root."""

from __future__ import annotations

import contextlib
import datetime
import http.server
import os
import shutil
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from gongkai.concerns import fetch
from gongkai.concerns.constants import Channel, SourceKind

DATA = Path(__file__).parent / "data"


# --- a local HTTP server (shared with test_polling) ---------------------------------------------------


def static(body: bytes, content_type: str = "text/html", status: int = 200, headers: dict | None = None):
    def respond(handler):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return respond


def data_file(name: str, content_type: str = "text/html", **kwargs):
    return static((DATA / name).read_bytes(), content_type, **kwargs)


def slow(seconds: float):
    def respond(handler):
        time.sleep(seconds)
        static(b"<rss></rss>", "application/rss+xml")(handler)

    return respond


def trickle(first: bytes, seconds: float):
    """Send the first part of a body at once, then stall past the client's time-out."""

    def respond(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(first) * 3))
        handler.end_headers()
        handler.wfile.write(first)
        handler.wfile.flush()
        time.sleep(seconds)

    return respond


def with_etag(body: bytes, etag: str, content_type: str = "application/rss+xml"):
    def respond(handler):
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.end_headers()
            return
        static(body, content_type, headers={"ETag": etag, "Last-Modified": "Mon, 02 Mar 2026 00:00:00 GMT"})(
            handler
        )

    return respond


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        self.server.hits.append(path)
        route = self.server.routes.get(path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(routes: dict):
    """A threaded HTTP server on 127.0.0.1 serving `routes` (path -> responder); yields it with
    `.base` (its URL), `.routes` (changeable while it runs) and `.hits` (paths requested)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    httpd.routes = routes
    httpd.hits = []
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def rss(items: list[tuple[str, str]], *, encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document with (guid, title) items, encoded as declared."""
    body = "".join(
        f"<item><title>{title}</title><link>http://news.example.cn/{guid}.html</link><guid>{guid}</guid>"
        f"<description>{title}的详细内容。</description></item>"
        for guid, title in items
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>测试</title>{body}'
        "</channel></rss>"
    ).encode(encoding)


def source(kind=SourceKind.FEED, url="", **overrides):
    values = {"kind": kind, "url": url, "encoding": "", "link_pattern": "", "etag": "", "last_modified": ""}
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.fixture
def server(settings):
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True  # the server is on 127.0.0.1; the guard: test_ssrf.py
    with serve(
        {
            "/rss-gbk.xml": data_file("rss_gbk.xml", "application/rss+xml"),
            "/atom.xml": data_file("atom_utf8.xml", "application/atom+xml"),
            "/malformed.xml": data_file("malformed.xml", "application/xml"),
            "/not-a-feed": static("<html><body><p>这是一个普通网页</p></body></html>".encode(), "text/html"),
            "/list.html": data_file("list_gb2312.html"),
            "/articles/1.html": data_file("page_gb18030_meta.html"),
            "/articles/2.html": data_file("page_gb18030_plain.html"),
            "/articles/3.html": static(b"server error", "text/plain", status=500),
            "/about.html": static("<p>联系我们</p>".encode(), "text/html; charset=utf-8"),
            "/files/notice.pdf": static(b"%PDF-1.4", "application/pdf"),
            "/slow.xml": slow(1.5),
        }
    ) as httpd:
        yield httpd


# --- the sample files are what they claim to be -------------------------------------------------------


def test_the_sample_files_are_really_in_chinese_legacy_encodings():
    for name in ("rss_gbk.xml", "page_gb18030_meta.html", "page_gb18030_plain.html", "list_gb2312.html"):
        with pytest.raises(UnicodeDecodeError):
            (DATA / name).read_bytes().decode("utf-8")
    with pytest.raises(UnicodeEncodeError):  # 𠮷 exists in GB18030 only: GBK would lose it
        "𠮷".encode("gbk")
    assert "𠮷".encode("gb18030") in (DATA / "page_gb18030_meta.html").read_bytes()


# --- encodings ----------------------------------------------------------------------------------------


def test_declared_charsets_and_their_order():
    gbk = "<html><body>晋中市文化和旅游局回应游客关切</body></html>".encode("gbk")
    assert fetch.decode(gbk, content_type="text/html; charset=GBK") == (gbk.decode("gbk"), "gb18030")
    assert fetch.decode(b'<meta charset="gb2312">' + gbk)[1] == "gb18030"
    xml = '<?xml version="1.0" encoding="gb2312"?><rss/>'.encode("gb2312")
    assert fetch.decode(xml)[1] == "gb18030"
    # the header beats the document, except a weak ISO-8859-1 default that the document contradicts
    assert fetch.decode(b'<meta charset="gbk">abc', content_type="text/html; charset=utf-8")[1] == "utf-8"
    assert (
        fetch.decode(b'<meta charset="gbk">' + gbk, content_type="text/html; charset=ISO-8859-1")[1]
        == "gb18030"
    )
    # the source's own setting beats everything
    assert fetch.decode("<meta charset='utf-8'>輿情".encode("big5"), override="big5")[0].endswith("輿情")
    assert (
        fetch.decode("舆情".encode("gb18030"), content_type="text/html; charset=utf-8", override="gbk")[0]
        == "舆情"
    )


def test_a_wrong_declaration_falls_back_to_detection_and_nothing_undecodable_crashes():
    text = "<html><head><meta charset='utf-8'></head><body>" + "游客反映景区排队时间太长,希望尽快整改。" * 5
    decoded, encoding = fetch.decode(text.encode("gb18030"))
    assert (decoded, encoding) == (text, "gb18030")
    garbage = bytes(range(256)) * 4
    decoded, _ = fetch.decode(garbage)
    assert isinstance(decoded, str) and decoded
    assert fetch.decode(b"\xff\xfe\xfd", override="no-such-codec")[0]  # unknown override: detected instead


def test_undeclared_gb18030_is_detected():
    decoded, encoding = fetch.decode((DATA / "page_gb18030_plain.html").read_bytes())
    assert encoding == "gb18030"
    assert "博物馆开放时间调整引发讨论" in decoded


def test_html_to_text_keeps_paragraphs_and_drops_scripts():
    html = "<p>第一段<b>加粗</b></p><script>alert(1)</script><div>第二段</div>a<br>b"
    assert fetch.html_to_text(html) == "第一段加粗\n第二段\na\nb"
    assert fetch.html_to_text("没有标签") == "没有标签"
    assert fetch.html_to_text("") == ""


# --- feeds over HTTP ----------------------------------------------------------------------------------


def test_gbk_rss_declared_in_the_xml_declaration(server):
    result = fetch.fetch(source(url=server.base + "/rss-gbk.xml"))
    assert (result.error, result.partial, result.not_modified) == ("", False, False)
    first, second = result.entries
    assert first.title == "平遥古城景区节假日排队太久"
    assert first.text == "五一期间在平遥古城排队两个小时。\n希望市文旅局管一管。"
    assert first.url == server.base + "/thread/1001.html"  # relative links resolved against the feed
    assert (first.key, first.author, first.channel) == ("bbs-1001", "网友甲", Channel.FEED)
    assert first.published_at == datetime.datetime(2026, 3, 2, 0, 30, tzinfo=datetime.UTC)
    assert second.title == "榆次老城灯会很好看"


def test_atom_in_utf8(server):
    result = fetch.fetch(source(url=server.base + "/atom.xml"))
    assert result.error == ""
    assert [(e.key, e.title, e.url) for e in result.entries] == [
        ("urn:uuid:entry-1", "关于文化惠民卡的咨询", "http://weibo.example.cn/p/1"),
        ("urn:uuid:entry-2", "剧院空调坏了", "http://weibo.example.cn/p/2"),
    ]
    assert result.entries[0].text == "文化惠民卡在哪里办理?\n网上说明不清楚。"
    assert result.entries[0].author == "市民乙"
    assert result.entries[1].text == "大剧院演出时空调不制冷。"


def test_a_malformed_feed_keeps_what_could_be_recovered(server):
    result = fetch.fetch(source(url=server.base + "/malformed.xml"))
    assert result.error == ""
    assert result.entries[0].title == "第一条:景区厕所不足"
    assert result.entries[0].text == "周末景区厕所排长队。"
    assert "m-3" in [e.key for e in result.entries]
    assert result.warnings and result.warnings[0].startswith("订阅格式有误")


def test_a_page_that_is_not_a_feed_is_a_chinese_error(server):
    result = fetch.fetch(source(url=server.base + "/not-a-feed"))
    assert result.entries == []
    assert result.error.startswith("不是")
    assert "RSS/Atom" in result.error


def test_http_errors_refused_connections_and_bad_addresses(server):
    assert fetch.fetch(source(url=server.base + "/missing")).error.startswith("服务器返回错误 HTTP 404")
    with socket_closed_port() as port:
        assert fetch.fetch(source(url=f"http://127.0.0.1:{port}/rss")).error.startswith("无法连接服务器")
    for url in ("file:///etc/passwd", "ftp://example.cn/feed", "not a url", ""):
        result = fetch.fetch(source(url=url))
        assert result.error.startswith("地址无效"), url
        assert result.entries == []


@contextlib.contextmanager
def socket_closed_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def test_a_slow_server_times_out_quickly(server):
    started = time.perf_counter()
    result = fetch.fetch(source(url=server.base + "/slow.xml"), timeout=0.3)
    assert time.perf_counter() - started < 1.2
    assert result.error.startswith("访问超时")
    assert result.entries == []


def test_a_time_out_in_the_middle_of_the_body_keeps_what_arrived(server):
    items = [(f"t-{n}", f"第{n}条留言") for n in range(1, 4)]
    document = rss(items)
    cut = document.index(b"<item><title>\xe7\xac\xac3")  # in the middle: the third item never arrives
    server.routes["/trickle.xml"] = trickle(document[:cut], 1.5)
    result = fetch.fetch(source(url=server.base + "/trickle.xml"), timeout=0.3)
    assert result.error == ""
    assert result.partial is True
    assert [e.key for e in result.entries] == ["t-1", "t-2"]
    assert result.warnings[0].startswith("读取超时,只处理了已收到的")


def test_a_huge_feed_is_cut_at_the_cap_and_what_was_read_is_kept(server):
    items = [(f"h-{n}", f"第{n}条很长的留言" + "内容" * 40) for n in range(2000)]
    document = rss(items)
    assert len(document) > 400_000
    server.routes["/huge.xml"] = static(document, "application/rss+xml")
    result = fetch.fetch(source(url=server.base + "/huge.xml"), max_bytes=64 * 1024)
    assert result.error == ""
    assert result.partial is True
    assert 50 < len(result.entries) < 2000
    assert [e.key for e in result.entries[:3]] == ["h-0", "h-1", "h-2"]
    assert "超过 64 KB,只读取了前 64 KB" in result.warnings[0]


def test_conditional_get_with_etag(server):
    server.routes["/etag.xml"] = with_etag(rss([("e-1", "一条")]), '"v1"')
    first = fetch.fetch(source(url=server.base + "/etag.xml"))
    assert (first.not_modified, first.etag, len(first.entries)) == (False, '"v1"', 1)
    assert first.last_modified == "Mon, 02 Mar 2026 00:00:00 GMT"
    again = fetch.fetch(
        source(url=server.base + "/etag.xml", etag=first.etag, last_modified=first.last_modified)
    )
    assert (again.not_modified, again.etag, again.entries, again.error) == (True, '"v1"', [], "")
    changed = fetch.fetch(source(url=server.base + "/etag.xml", etag='"v0"'))
    assert (changed.not_modified, len(changed.entries)) == (False, 1)


# --- web list pages -----------------------------------------------------------------------------------


def test_a_list_page_yields_its_articles_and_one_failing_article_loses_nothing(server):
    result = fetch.fetch(source(SourceKind.WEB_LIST, server.base + "/list.html"))
    assert result.error == ""
    assert result.partial is True
    by_url = {e.url: e for e in result.entries}
    assert set(by_url) == {server.base + "/articles/1.html", server.base + "/articles/2.html"}
    meta = by_url[server.base + "/articles/1.html"]
    assert meta.title == "游客投诉景区门票问题(一)"  # the list page's link text
    assert "一位姓𠮷的游客反映" in meta.text  # GB18030 (outside GBK) read through <meta charset>
    assert "希望市文化和旅游局尽快回应并整改" in meta.text
    assert (meta.key, meta.channel) == (meta.url, Channel.WEB)
    plain = by_url[server.base + "/articles/2.html"]
    assert "不少市民在网上留言" in plain.text  # undeclared GB18030, detected
    assert any("HTTP 500" in w and "1 篇文章抓取失败" in w for w in result.warnings)
    # navigation, other sites and files are not fetched
    assert "/about.html" not in server.hits and "/files/notice.pdf" not in server.hits
    assert sorted(h for h in server.hits if h.startswith("/articles/")) == [
        "/articles/1.html",
        "/articles/2.html",
        "/articles/3.html",
    ]


def test_known_articles_are_not_fetched_again(server):
    known = {server.base + "/articles/1.html"}
    result = fetch.fetch(source(SourceKind.WEB_LIST, server.base + "/list.html"), seen=known)
    assert [e.url for e in result.entries] == [server.base + "/articles/2.html"]
    assert "/articles/1.html" not in server.hits
    server.hits.clear()
    result = fetch.fetch(
        source(SourceKind.WEB_LIST, server.base + "/list.html"), seen=lambda key: not key.endswith("/3.html")
    )
    assert server.hits == ["/list.html", "/articles/3.html"]
    assert result.entries == []
    assert result.error.startswith("列表页中的 1 篇新文章全部抓取失败")


def test_link_pattern_the_article_cap_and_the_time_budget(server, monkeypatch):
    result = fetch.fetch(source(SourceKind.WEB_LIST, server.base + "/list.html", link_pattern="/articles/2"))
    assert [e.url for e in result.entries] == [server.base + "/articles/2.html"]
    server.hits.clear()
    result = fetch.fetch(source(SourceKind.WEB_LIST, server.base + "/list.html"), max_articles=1)
    assert server.hits == ["/list.html", "/articles/1.html"]
    assert result.partial is True
    assert "本次抓取前 1 篇" in result.warnings[0]
    server.hits.clear()
    monkeypatch.setattr(fetch, "WEB_LIST_SECONDS", -1)
    result = fetch.fetch(source(SourceKind.WEB_LIST, server.base + "/list.html"))
    assert server.hits == ["/list.html"]
    assert (result.entries, result.partial, result.error) == ([], True, "")
    assert result.warnings == ["本次巡查用时已达 -1 秒,还有 3 篇文章在下次巡查时继续。"]


def test_list_links_rules():
    html = """<a href="/a/1.html">一篇足够长的文章标题</a><a href="/a/1.html#c">一篇足够长的文章标题</a>
    <a href="/">首页</a><a href="javascript:void(0)">点击这里打开新的窗口</a><a href="http://[bad">坏掉的链接地址文字</a>
    <a href="https://site.example.cn/a/2.html">同一网站的另一个协议</a><a href="/x.docx">附件下载文件名称很长</a>"""
    assert fetch.list_links(html, base_url="http://site.example.cn/list/") == [
        ("http://site.example.cn/a/1.html", "一篇足够长的文章标题"),
        ("https://site.example.cn/a/2.html", "同一网站的另一个协议"),
    ]
    assert fetch.list_links(html, base_url="http://site.example.cn/list/", link_pattern="/") == [
        ("http://site.example.cn/a/1.html", "一篇足够长的文章标题"),
        ("http://site.example.cn/", "首页"),
        ("https://site.example.cn/a/2.html", "同一网站的另一个协议"),
        ("http://site.example.cn/x.docx", "附件下载文件名称很长"),
    ]
    assert fetch.list_links("", base_url="http://site.example.cn/") == []


# --- local sources ------------------------------------------------------------------------------------


@pytest.fixture
def root(tmp_path, settings):
    root = tmp_path / "replays"
    root.mkdir()
    settings.GONGKAI_CONCERN_LOCAL_ROOT = str(root)
    return root


def test_a_local_folder_yields_every_file_sorted(root):
    folder = root / "day1"
    folder.mkdir()
    shutil.copy(DATA / "rss_gbk.xml", folder / "b-feed.xml")
    shutil.copy(DATA / "page_gb18030_meta.html", folder / "a-page.html")
    (folder / "c-note.txt").write_text("图书馆停电通知\n今天下午图书馆临时停电。", encoding="utf-8")
    (folder / ".hidden.html").write_text("<p>隐藏文件</p>", encoding="utf-8")
    result = fetch.fetch(source(SourceKind.LOCAL, str(folder)))
    assert result.error == "" and result.partial is False
    titles = [e.title for e in result.entries]
    assert titles == [
        "游客投诉景区门票问题",
        "平遥古城景区节假日排队太久",
        "榆次老城灯会很好看",
        "图书馆停电通知",
    ]
    page, feed_item, _, note = result.entries
    assert page.key == str((folder / "a-page.html").resolve()) and page.channel == Channel.WEB
    assert "一位姓𠮷的游客反映" in page.text
    assert (feed_item.key, feed_item.channel) == ("bbs-1001", Channel.FEED)
    assert note.text == "今天下午图书馆临时停电。"
    # one file, by a path relative to the root
    single = fetch.fetch(source(SourceKind.LOCAL, "day1/a-page.html"))
    assert [e.title for e in single.entries] == ["游客投诉景区门票问题"]


def test_a_huge_local_file_is_cut_and_kept(root):
    items = [(f"l-{n}", f"第{n}条" + "很长" * 50) for n in range(1000)]
    (root / "big.xml").write_bytes(rss(items, encoding="gb18030"))
    result = fetch.fetch(source(SourceKind.LOCAL, str(root / "big.xml")), max_bytes=32 * 1024)
    assert result.partial is True and result.error == ""
    assert 10 < len(result.entries) < 1000
    assert result.entries[0].title.startswith("第0条很长")
    assert result.warnings[0].startswith("文件 big.xml 超过 32 KB")


def test_local_paths_outside_the_root_are_refused(root, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("<p>机密</p>", encoding="utf-8")
    (root / "escape").symlink_to(tmp_path)
    (root / "link.html").symlink_to(secret)
    inside = root / "inside"
    inside.mkdir()
    (inside / "bad-link.html").symlink_to(secret)
    for path in (
        "/etc/passwd",
        str(secret),
        "../secret.html",
        str(root / ".." / "secret.html"),
        "escape/secret.html",
    ):
        result = fetch.fetch(source(SourceKind.LOCAL, path))
        assert result.error.startswith("本地路径不在允许的目录内"), path
        assert result.entries == []
    assert fetch.fetch(source(SourceKind.LOCAL, "link.html")).error.startswith("本地路径不在允许的目录内")
    assert fetch.fetch(source(SourceKind.LOCAL, str(inside))).entries == []  # the link out is skipped
    assert fetch.fetch(source(SourceKind.LOCAL, "nothing-here")).error.startswith("本地路径不存在")
    assert fetch.fetch(source(SourceKind.LOCAL, "")).error == "本地路径为空或无效。"


def test_the_default_local_root_is_a_folder_under_var(settings, tmp_path):
    settings.GONGKAI_CONCERN_LOCAL_ROOT = None
    settings.VAR_DIR = tmp_path / "var"
    assert fetch.local_root() == (tmp_path / "var" / "concerns").resolve()
    assert fetch.fetch(source(SourceKind.LOCAL, "/etc/passwd")).error.startswith("本地路径不在允许的目录内")
    assert os.path.exists("/etc/passwd")  # so the refusal above is about the root, not a missing file
