"""舆情 sources and group robots reach only public addresses (issue 9, SSRF): every notation of an
internal address, names resolving to one, redirects to one, DNS rebinding, the forms, the polling record
and the robots; a public address passes and is connected to exactly as checked, TLS still checking the name.

Nothing here touches the network: names are resolved by a fake getaddrinfo, and a connection to a
"public" address is carried to a local test server (and recorded) by replacing httpcore's socket opener,
underneath the guard; anything else that would leave the machine fails."""

from __future__ import annotations

import http.server
import socket
import ssl
import subprocess
import threading
from types import SimpleNamespace

import httpcore
import httpx
import pytest
from django.urls import reverse

from gongkai.audit.models import AuditEvent
from gongkai.concerns import fetch, notify, polling, ssrf
from gongkai.concerns.constants import SourceKind, WebhookKind
from gongkai.concerns.models import Source, Webhook
from tests.concerns.test_fetch import rss, serve, source, static
from tests.concerns.test_polling import NOW, make_source
from tests.factories import make_staff

PUBLIC = "93.184.216.34"  # a global unicast address; the tests carry connections to it to a local server
PUBLIC_2 = "1.2.4.8"

# Every notation of an address inside the network, as a source URL.
INTERNAL_URLS = [
    "http://127.0.0.1/rss",
    "http://127.0.0.1:8000/rss",
    "http://localhost/rss",
    "http://10.1.2.3/rss",
    "http://172.16.5.4/rss",
    "http://192.168.1.1/rss",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/rss",
    "http://0.0.0.0/rss",
    "http://224.0.0.1/rss",
    "http://[::1]/rss",
    "http://[::]/rss",
    "http://[fc00::1]/rss",
    "http://[fd12:3456::1]/rss",
    "http://[fe80::1]/rss",
    "http://[::ffff:127.0.0.1]/rss",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
    "http://[2002:7f00:1::]/rss",
    "http://2130706433/rss",
    "http://0x7f000001/rss",
    "http://017700000001/rss",
    "http://0x7f.1/rss",
    "http://127.1/rss",
    "http://127.0.0.1./rss",
    "https://0177.0.0.1/rss",
]


@pytest.fixture(autouse=True)
def guard_on(settings):
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = False


@pytest.fixture
def net(monkeypatch):
    """A fake DNS (`net.dns[name] = [addresses]`, or a callable for changing answers) and a fake
    internet: a connection to a routed public address (`net.routes[address] = local port`) reaches the
    local server; any other connection is recorded and fails. `net.connects` lists (address, port)."""
    state = SimpleNamespace(dns={}, routes={}, connects=[], lookups=[])
    real_getaddrinfo = socket.getaddrinfo
    real_connect = httpcore.SyncBackend.connect_tcp

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in state.dns:
            state.lookups.append(name)
            answer = state.dns[name]
            addresses = answer() if callable(answer) else answer
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port or 0, 0, 0) if ":" in a else (a, port or 0),
                )
                for a in addresses
            ]
        if name.endswith(".example.cn"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        state.connects.append((host, port))
        if host in state.routes:
            return real_connect(self, "127.0.0.1", state.routes[host], timeout, local_address, socket_options)
        raise httpcore.ConnectError(f"test: no connection to {host} may leave this machine")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    return state


def feed_server(**extra_routes):
    return serve({"/rss": static(rss([("a-1", "景区排队")]), "application/rss+xml"), **extra_routes})


def redirect(location: str):
    def respond(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def host_header(hits):
    """A responder recording the Host header it was sent."""

    def respond(handler):
        hits.append(handler.headers.get("Host"))
        static(rss([("h-1", "门票涨价")]), "application/rss+xml")(handler)

    return respond


# --- the addresses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_every_notation_of_an_internal_address_is_refused_without_a_connection(url, net):
    result = fetch.fetch(source(url=url))
    assert result.entries == []
    if url.startswith("https://0177."):  # httpx itself refuses a zero-padded dotted address
        assert result.error.startswith("地址无效"), result.error
    else:
        assert result.error.startswith("已拒绝访问:"), result.error
        assert "只能访问互联网上的公开地址" in result.error
    assert net.connects == []


def test_the_refusal_says_what_the_address_is():
    def refusal(url):
        return fetch.fetch(source(url=url)).error

    assert "本机回环地址" in refusal("http://2130706433/") and "127.0.0.1" in refusal("http://2130706433/")
    assert "链路本地地址(含云服务器元数据地址)" in refusal("http://169.254.169.254/latest/meta-data/")
    assert "内网地址" in refusal("http://10.0.0.1/") and "内网地址" in refusal("http://[fd00::1]/")
    assert "未指定地址" in refusal("http://0.0.0.0/")
    assert "组播地址" in refusal("http://224.0.0.1/")


@pytest.mark.parametrize(
    ("name", "addresses"),
    [
        ("intranet.example.cn", ["10.0.0.8"]),
        ("metadata.example.cn", ["169.254.169.254"]),
        ("loop6.example.cn", ["::1"]),
        ("mapped.example.cn", ["::ffff:192.168.0.1"]),
        ("ula.example.cn", ["fd00::8"]),
        ("mixed.example.cn", [PUBLIC, "127.0.0.1"]),  # one internal address among public ones: refused
    ],
)
def test_a_name_resolving_to_an_internal_address_is_refused(net, name, addresses):
    net.dns[name] = addresses
    result = fetch.fetch(source(url=f"http://{name}/rss"))
    assert result.error.startswith(f"已拒绝访问:{name} 解析为 "), result.error
    assert net.connects == []


def test_a_public_address_passes_and_is_connected_to_as_checked(net):
    hits = []
    with feed_server(**{"/host": host_header(hits)}) as server:
        port = server.server_address[1]
        net.dns["news.example.cn"] = [PUBLIC]
        net.routes[PUBLIC] = port
        result = fetch.fetch(source(url=f"http://news.example.cn:{port}/host"))
    assert result.error == ""
    assert [e.title for e in result.entries] == ["门票涨价"]
    assert net.connects == [(PUBLIC, port)]  # the checked address, not a second lookup
    assert hits == [f"news.example.cn:{port}"]  # the server is asked for the name


def test_dns_rebinding_cannot_swap_the_address_after_the_check(net):
    """The answer turns internal after the first lookup: the guard looks up once per connection and
    connects to what it checked, so the internal answer is never used."""
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])
    with feed_server() as server:
        port = server.server_address[1]
        net.dns["rebind.example.cn"] = lambda: next(answers)
        net.routes[PUBLIC] = port
        result = fetch.fetch(source(url=f"http://rebind.example.cn:{port}/rss"))
        assert result.error == "" and [e.key for e in result.entries] == ["a-1"]
        assert net.lookups == ["rebind.example.cn"] and net.connects == [(PUBLIC, port)]

        # the next poll gets the internal answer and is refused before any connection
        result = fetch.fetch(source(url=f"http://rebind.example.cn:{port}/rss"))
        assert result.error.startswith("已拒绝访问:rebind.example.cn 解析为 127.0.0.1")
        assert net.connects == [(PUBLIC, port)]


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://2130706433:{port}/secret",
        "http://intranet.example.cn:{port}/secret",
        "http://localhost:{port}/secret",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(net, location):
    with feed_server(**{"/secret": static(b"internal", "text/plain")}) as server:
        port = server.server_address[1]
        server.routes["/go"] = redirect(location.format(port=port))
        net.dns["news.example.cn"] = [PUBLIC]
        net.dns["intranet.example.cn"] = ["10.0.0.8"]
        net.routes[PUBLIC] = port
        result = fetch.fetch(source(url=f"http://news.example.cn:{port}/go"))
        assert server.hits == ["/go"]  # the internal page was never asked for
    assert result.error.startswith("已拒绝访问:"), result.error
    assert net.connects == [(PUBLIC, port)]


def test_a_redirect_to_another_public_host_is_followed_and_checked(net):
    with feed_server() as server:
        port = server.server_address[1]
        server.routes["/go"] = redirect(f"http://mirror.example.cn:{port}/rss")
        net.dns.update({"news.example.cn": [PUBLIC], "mirror.example.cn": [PUBLIC_2]})
        net.routes.update({PUBLIC: port, PUBLIC_2: port})
        result = fetch.fetch(source(url=f"http://news.example.cn:{port}/go"))
    assert result.error == "" and [e.key for e in result.entries] == ["a-1"]
    assert net.connects == [(PUBLIC, port), (PUBLIC_2, port)]


def test_articles_of_a_list_page_are_guarded_too(net):
    page = (
        '<html><body><a href="/a/1.html">景区厕所排长队无人管理</a>'
        '<a href="/a/2.html">门票价格上涨引发游客不满</a></body></html>'
    ).encode()
    article = "<html><head><title>景区厕所排长队无人管理</title></head><body><p>正文。</p></body></html>"
    with feed_server() as server:
        port = server.server_address[1]
        server.routes.update(
            {
                "/list.html": static(page, "text/html; charset=utf-8"),
                "/a/1.html": static(article.encode(), "text/html; charset=utf-8"),
                "/a/2.html": redirect(f"http://127.0.0.1:{port}/secret"),
            }
        )
        net.dns["news.example.cn"] = [PUBLIC]
        net.routes[PUBLIC] = port
        result = fetch.fetch(source(SourceKind.WEB_LIST, url=f"http://news.example.cn:{port}/list.html"))
        assert "/secret" not in server.hits
    assert [e.title for e in result.entries] == ["景区厕所排长队无人管理"]
    assert result.partial and "已拒绝访问:127.0.0.1" in " ".join(result.warnings)


def test_tls_checks_the_certificate_against_the_name_while_connecting_to_the_checked_address(net, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
            + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=news.example.cn"]
            + ["-addext", "subjectAltName=DNS:news.example.cn"],
            check=True,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a test certificate here: {exc}")
    with feed_server() as server:
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(cert, key)
        server.socket = server_context.wrap_socket(server.socket, server_side=True)
        port = server.server_address[1]
        net.dns.update({"news.example.cn": [PUBLIC], "other.example.cn": [PUBLIC]})
        net.routes[PUBLIC] = port
        trust = ssl.create_default_context(cafile=str(cert))
        with ssrf.guarded_client(verify=trust, timeout=5) as client:
            response = client.get(f"https://news.example.cn:{port}/rss")
            assert response.status_code == 200 and b"a-1" in response.content
            with pytest.raises(httpx.ConnectError):  # same address, another name: the certificate fails
                client.get(f"https://other.example.cn:{port}/rss")
    assert net.connects == [(PUBLIC, port), (PUBLIC, port)]


def test_the_setting_lets_intranet_sources_through(settings):
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True
    with feed_server() as server:
        result = fetch.fetch(source(url=server.base + "/rss"))
    assert result.error == "" and [e.key for e in result.entries] == ["a-1"]


def test_other_schemes_are_refused():
    for url in ("file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://example.cn/feed"):
        assert fetch.fetch(source(url=url)).error.startswith("地址无效"), url


# --- polling records the refusal ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_source_is_a_failure_of_the_source_with_the_reason(net):
    staff = make_staff()
    feed = make_source(staff.org, name="内网订阅", kind=SourceKind.FEED, url="http://169.254.169.254/rss")
    outcome = polling.poll_source(feed, now=NOW)
    assert outcome.error.startswith("已拒绝访问:169.254.169.254 是链路本地地址")
    feed.refresh_from_db()
    assert feed.consecutive_failures == 1 and feed.last_error == outcome.error
    assert feed.interval_minutes == polling.backoff_interval(feed, 1)
    (event,) = AuditEvent.objects.filter(action="concerns.source_polled")
    assert event.data["error"] == outcome.error
    assert net.connects == []


# --- group robots -------------------------------------------------------------------------------------


class Robot(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        Robot.received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        body = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    Robot.received = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.django_db
def test_a_robot_inside_the_network_is_refused_and_the_reason_recorded(net, robot):
    org = make_staff().org
    port = robot.server_address[1]
    hook = Webhook.objects.create(
        organization=org, name="群", kind=WebhookKind.WECOM, url=f"http://127.0.0.1:{port}/send?key=k"
    )
    assert notify.send_webhook(hook, title="测试", text="内容", url="") is False
    hook.refresh_from_db()
    assert "发送失败:已拒绝访问:127.0.0.1 是本机回环地址" in hook.last_error
    assert Robot.received == [] and net.connects == []

    net.dns["qyapi.example.cn"] = ["10.8.0.1"]
    hook.url = "https://qyapi.example.cn/cgi-bin/webhook/send?key=k"
    assert notify.send_webhook(hook, title="测试", text="内容", url="") is False
    assert "qyapi.example.cn 解析为 10.8.0.1" in hook.last_error and net.connects == []

    # a robot at a public address gets the message
    net.dns["robot.example.cn"] = [PUBLIC]
    net.routes[PUBLIC] = port
    hook.url = f"http://robot.example.cn:{port}/send?key=k"
    assert notify.send_webhook(hook, title="测试", text="内容", url="") is True
    assert len(Robot.received) == 1 and net.connects == [(PUBLIC, port)]


# --- the forms ----------------------------------------------------------------------------------------


def _errors(response) -> str:
    from tests.concerns.test_console import errors_of

    return errors_of(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/rss", "地址 127.0.0.1 是本机回环地址,只能填写互联网上的公开地址。"),
        ("http://localhost:8000/rss", "地址 localhost 指向本机,只能填写互联网上的公开地址。"),
        ("http://10.0.0.5/rss", "地址 10.0.0.5 是内网地址"),
        ("http://192.168.1.10/rss", "地址 192.168.1.10 是内网地址"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "地址 169.254.169.254 是链路本地地址(含云服务器元数据地址)",
        ),
        ("http://[::1]/rss", "地址 ::1 是本机回环地址"),
        ("http://[fd00::1]/rss", "地址 fd00::1 是内网地址"),
        ("http://[::ffff:10.0.0.1]/rss", "地址 ::ffff:10.0.0.1(即 10.0.0.1) 是内网地址"),
        ("http://0.0.0.0/rss", "地址 0.0.0.0 是未指定地址"),
    ],
)
def test_the_forms_refuse_obviously_internal_addresses_in_chinese(client, url, message):
    staff = make_staff()
    client.force_login(staff.editor, backend="django.contrib.auth.backends.ModelBackend")
    data = {
        "name": "来源",
        "kind": SourceKind.FEED,
        "url": url,
        "base_interval_minutes": 30,
        "min_interval_minutes": 5,
        "max_interval_minutes": 720,
    }
    response = client.post(reverse("concerns:source_create"), data)
    assert response.status_code == 400
    assert message in _errors(response)
    assert not Source.objects.exists()

    response = client.post(reverse("concerns:webhook_create"), {"name": "群", "kind": "wecom", "url": url})
    assert response.status_code == 400
    assert "Webhook " + message in _errors(response)
    assert not Webhook.objects.exists()


@pytest.mark.django_db
def test_the_forms_accept_public_and_with_the_setting_internal_addresses(client, settings):
    staff = make_staff()
    client.force_login(staff.editor, backend="django.contrib.auth.backends.ModelBackend")
    data = {
        "name": "来源",
        "kind": SourceKind.FEED,
        "base_interval_minutes": 30,
        "min_interval_minutes": 5,
        "max_interval_minutes": 720,
    }
    hook = {"name": "群", "kind": "wecom"}
    response = client.post(
        reverse("concerns:source_create"), {**data, "url": "https://www.example.gov.cn/rss"}
    )
    assert response.status_code == 302
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True
    response = client.post(reverse("concerns:source_create"), {**data, "url": "http://10.0.0.5/rss"})
    assert response.status_code == 302
    response = client.post(reverse("concerns:webhook_create"), {**hook, "url": "http://10.0.0.6/send"})
    assert response.status_code == 302
    assert sorted(Source.objects.values_list("url", flat=True)) == [
        "http://10.0.0.5/rss",
        "https://www.example.gov.cn/rss",
    ]
    assert Webhook.objects.get().url == "http://10.0.0.6/send"


def test_the_form_check_needs_no_dns(monkeypatch):
    def no_dns(*args, **kwargs):
        raise AssertionError("the form check must not resolve names")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    assert ssrf.internal_address_problem("https://www.example.gov.cn/rss") == ""
    assert ssrf.internal_address_problem("http://2130706433/").startswith("地址 2130706433(即 127.0.0.1)")
