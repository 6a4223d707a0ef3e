"""The link checker of item bodies reaches only public addresses (issue 9, SSRF): a link to, or
redirected to, an address inside the network is not requested and is reported with a Chinese reason;
public addresses (and, with GONGKAI_FETCH_ALLOW_PRIVATE, the local test server) are checked as before.

Nothing here touches the network: names are resolved by a fake getaddrinfo, and a connection to a
"public" address is carried to a local test server (and recorded) by replacing httpcore's async socket
opener, underneath the guard; any other connection is recorded and fails."""

from __future__ import annotations

import http.server
import socket
import threading
from types import SimpleNamespace

import httpcore
import pytest

from gongkai.concerns import ssrf as concerns_ssrf
from gongkai.core import ssrf
from gongkai.publishing import services
from gongkai.review import links
from tests.factories import make_draft, make_staff

PUBLIC = "93.184.216.34"  # a global unicast address; the tests carry connections to it to a local server
REFUSED = "内部网络地址,未检查:"


@pytest.fixture(autouse=True)
def guard_on(settings):
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = False


@pytest.fixture
def net(monkeypatch):
    """A fake DNS (`net.dns[name] = [addresses]`) and a fake internet: a connection to a routed public
    address (`net.routes[address] = local port`) reaches the local server; any other connection is
    recorded in `net.connects` and fails."""
    state = SimpleNamespace(dns={}, routes={}, connects=[])
    real_getaddrinfo = socket.getaddrinfo
    real_connect = httpcore.AnyIOBackend.connect_tcp

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in state.dns:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port or 0, 0, 0) if ":" in a else (a, port or 0),
                )
                for a in state.dns[name]
            ]
        if name.endswith(".example.cn"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, port, *args, **kwargs)

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        state.connects.append((host, port))
        if host in state.routes:
            return await real_connect(
                self, "127.0.0.1", state.routes[host], timeout, local_address, socket_options
            )
        raise httpcore.ConnectError(f"test: no connection to {host} may leave this machine")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect_tcp)
    return state


class Handler(http.server.BaseHTTPRequestHandler):
    """/ok answers 200, /go redirects to `server.redirect_to`, anything else 404; records the paths
    and Host headers it was asked for."""

    def do_HEAD(self):
        self.server.hits.append(self.path)
        self.server.hosts.append(self.headers.get("Host"))
        if self.path == "/go":
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
        else:
            self.send_response(200 if self.path.startswith("/ok") else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.hits, httpd.hosts, httpd.redirect_to = [], [], ""
    httpd.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def problems_of(body: str) -> dict[str, links.LinkProblem]:
    return {p.url: p for p in links.check_links(body)}


def anchor(url: str) -> str:
    return f'<p><a href="{url}">链接</a></p>'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/ok", "127.0.0.1 是本机回环地址"),
        ("http://localhost:{port}/ok", "localhost 解析为 127.0.0.1 是本机回环地址"),
        ("http://2130706433:{port}/ok", "2130706433(即 127.0.0.1) 是本机回环地址"),
        ("http://10.1.2.3/", "10.1.2.3 是内网地址"),
        ("http://172.16.5.4/", "172.16.5.4 是内网地址"),
        ("http://192.168.1.1/admin", "192.168.1.1 是内网地址"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 是链路本地地址(含云服务器元数据地址)",
        ),
        ("http://[::1]:{port}/ok", "::1 是本机回环地址"),
        ("http://[fd00::1]/", "fd00::1 是内网地址"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1(即 10.0.0.1) 是内网地址"),
        ("https://0.0.0.0/", "0.0.0.0 是未指定地址"),
    ],
)
def test_a_link_to_an_internal_address_is_not_requested_and_says_why(net, server, url, reason):
    url = url.format(port=server.port)
    net.dns["localhost"] = ["127.0.0.1"]
    problem = problems_of(anchor(url))[url]
    assert problem.reason == REFUSED + reason
    assert (problem.detector, problem.severity) == ("broken_link", "warning")
    assert net.connects == [] and server.hits == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("addresses", "kind"),
    [
        (["10.0.0.8"], "10.0.0.8 是内网地址"),
        (["169.254.169.254"], "169.254.169.254 是链路本地地址(含云服务器元数据地址)"),
        (["::1"], "::1 是本机回环地址"),
        ([PUBLIC, "192.168.0.9"], "192.168.0.9 是内网地址"),  # one internal address among public ones
    ],
)
def test_a_name_resolving_to_an_internal_address_is_not_requested(net, addresses, kind):
    net.dns["intranet.example.cn"] = addresses
    url = "http://intranet.example.cn/page.html"
    assert problems_of(anchor(url))[url].reason == f"{REFUSED}intranet.example.cn 解析为 {kind}"
    assert net.connects == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://127.0.0.1:{port}/ok", "127.0.0.1 是本机回环地址"),
        ("http://[::1]:{port}/ok", "::1 是本机回环地址"),
        (
            "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "169.254.169.254 是链路本地地址(含云服务器元数据地址)",
        ),
        ("http://intranet.example.cn:{port}/ok", "intranet.example.cn 解析为 10.0.0.8 是内网地址"),
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(net, server, location, reason):
    server.redirect_to = location.format(port=server.port)
    net.dns.update({"news.example.cn": [PUBLIC], "intranet.example.cn": ["10.0.0.8"]})
    net.routes[PUBLIC] = server.port
    url = f"http://news.example.cn:{server.port}/go"
    problem = problems_of(anchor(url))[url]
    assert problem.reason == f"{REFUSED}链接跳转到 {reason}"
    assert server.hits == ["/go"]  # the internal page was never asked for
    assert net.connects == [(PUBLIC, server.port)]


@pytest.mark.django_db
def test_a_public_address_is_checked_as_before_and_connected_to_as_checked(net, server):
    net.dns.update({"news.example.cn": [PUBLIC], "mirror.example.cn": [PUBLIC]})
    net.routes[PUBLIC] = server.port
    server.redirect_to = f"http://mirror.example.cn:{server.port}/ok/moved"
    ok, moved, gone = (
        f"http://{host}:{server.port}{path}"
        for host, path in [
            ("news.example.cn", "/ok"),
            ("news.example.cn", "/go"),
            ("news.example.cn", "/gone"),
        ]
    )
    internal = "http://10.0.0.1/"
    problems = problems_of("".join(anchor(url) for url in (ok, moved, gone, internal)))
    assert {url: p.reason for url, p in problems.items()} == {
        gone: "链接失效:返回 404",
        internal: REFUSED + "10.0.0.1 是内网地址",  # one refused link does not stop the others
    }
    assert sorted(server.hits) == ["/go", "/gone", "/ok", "/ok/moved"]
    assert f"news.example.cn:{server.port}" in server.hosts  # the server is asked for the name
    assert set(net.connects) == {(PUBLIC, server.port)}


@pytest.mark.django_db
def test_the_setting_lets_the_local_test_server_be_checked(settings, server):
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True
    ok, gone = f"http://127.0.0.1:{server.port}/ok", f"http://127.0.0.1:{server.port}/gone"
    problems = problems_of(anchor(ok) + anchor(gone))
    assert {url: p.reason for url, p in problems.items()} == {gone: "链接失效:返回 404"}
    assert sorted(server.hits) == ["/gone", "/ok"]


@pytest.mark.django_db
def test_a_refused_link_is_recorded_as_a_finding_after_submission(net, django_capture_on_commit_callbacks):
    staff = make_staff()
    item = make_draft(staff, body=anchor("http://169.254.169.254/latest/meta-data/"))
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_for_review(user=staff.drafter, item=item)
    (finding,) = item.latest_revision.findings.filter(category="link")
    assert (finding.detector, finding.severity) == ("broken_link", "warning")
    assert finding.suggestion == REFUSED + "169.254.169.254 是链路本地地址(含云服务器元数据地址)"
    assert net.connects == []


def test_the_concerns_module_still_exports_the_guard():
    assert concerns_ssrf.BlockedAddress is ssrf.BlockedAddress
    assert concerns_ssrf.guarded_client is ssrf.guarded_client
    assert concerns_ssrf.internal_address_problem is ssrf.internal_address_problem
