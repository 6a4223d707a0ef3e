"""Links in a body: every outbound link is fetched (concurrently, with time-outs) and links to this
platform's own items must point at published ones. Broken links are warnings (the reviewer decides:
a site may be down for an hour); a link to an unpublished item is blocking (it would lead the public to a
404, or announce something not yet public).

Outbound links are requested through the SSRF guard (`core/ssrf.py`): a link, or a redirect of one, to
an address inside the network (loopback, private, link-local with the cloud metadata address, ...) is
not requested; it is reported as a warning saying so ("内部网络地址,未检查:…").
`settings.GONGKAI_FETCH_ALLOW_PRIVATE` lets intranet links be checked (and the suite's local servers).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gongkai.core import ssrf

from .constants import Category, Severity
from .models import Finding

TIMEOUT = 8.0  # seconds per link
CONCURRENCY = 10
MAX_LINKS = 200
_ITEM_PATH = re.compile(r"^/xxgk/items/(?P<index>.+?)/(?:print/)?$")


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href.strip())


def links_in(html: str) -> list[str]:
    """The distinct http(s) and site-relative links of a body, in order."""
    parser = _Anchors()
    parser.feed(html or "")
    seen: dict[str, None] = {}
    for href in parser.links:
        if href.startswith(("http://", "https://", "/")) and not href.startswith("//"):
            seen.setdefault(href, None)
    return list(seen)[:MAX_LINKS]


@dataclass(frozen=True)
class LinkProblem:
    url: str
    detector: str  # broken_link | unpublished_link
    severity: str
    reason: str


def _own_hosts() -> set[str]:
    hosts = {
        h.lower() for h in getattr(settings, "ALLOWED_HOSTS", []) if h and h != "*" and not h.startswith(".")
    }
    from gongkai.orgs.models import Organization

    hosts |= {
        d.lower() for d in Organization.objects.exclude(site_domain="").values_list("site_domain", flat=True)
    }
    return hosts


def _internal_item(url: str, own_hosts: set[str]) -> str | None:
    """The index number when ``url`` points at one of this platform's item pages."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc.lower().split(":")[0] not in own_hosts:
        return None
    match = _ITEM_PATH.match(unquote(parts.path))
    return match.group("index") if match else None


def _refusal(url: str, refused: ssrf.BlockedAddress) -> str:
    """The reason a link was not requested: its address (or that of a redirect) is inside the network."""
    try:
        own_host = httpx.URL(url).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        own_host = ""
    if refused.host and refused.host.lower() != own_host.lower():
        return f"内部网络地址,未检查:链接跳转到 {refused.what}"
    return f"内部网络地址,未检查:{refused.what}"


async def _fetch_all(urls: list[str], transport=None) -> dict[str, str | None]:
    """url → None when it answered 2xx/3xx, else the reason (in Chinese) it is reported.

    Without `transport` (tests pass a mock one) the client is the SSRF-guarded one."""
    semaphore = asyncio.Semaphore(CONCURRENCY)
    results: dict[str, str | None] = {}
    options = {"timeout": TIMEOUT, "follow_redirects": True, "headers": {"User-Agent": "Gongkai-linkcheck/1"}}
    client = (
        httpx.AsyncClient(transport=transport, **options)
        if transport is not None
        else ssrf.guarded_async_client(**options)
    )
    async with client:

        async def one(url: str) -> None:
            async with semaphore:
                try:
                    response = await client.head(url)
                    if response.status_code in (403, 405, 501):  # servers that refuse HEAD
                        response = await client.get(url)
                except ssrf.BlockedAddress as refused:  # the link, or a redirect, points inside the network
                    results[url] = _refusal(url, refused)
                except httpx.TimeoutException:
                    results[url] = "链接失效:访问超时"
                except (httpx.HTTPError, httpx.InvalidURL) as error:
                    results[url] = f"链接失效:无法访问({type(error).__name__})"
                else:
                    status = response.status_code
                    results[url] = None if status < 400 else f"链接失效:返回 {status}"

        await asyncio.gather(*(one(url) for url in urls))
    return results


def check_links(html: str, *, transport=None) -> list[LinkProblem]:
    from gongkai.publishing.models import InformationItem

    own = _own_hosts()
    problems: list[LinkProblem] = []
    external: list[str] = []
    for url in links_in(html):
        index_number = _internal_item(url, own)
        if index_number is not None:
            item = InformationItem.objects.filter(index_number=index_number).first()
            if item is None or not item.is_public:
                problems.append(
                    LinkProblem(url, "unpublished_link", Severity.BLOCKING, "链接指向未公开或不存在的信息")
                )
        elif url.startswith("http"):
            external.append(url)
    if external:
        results = asyncio.run(_fetch_all(external, transport=transport))
        problems += [
            LinkProblem(url, "broken_link", Severity.WARNING, reason)
            for url, reason in results.items()
            if reason is not None
        ]
    return problems


def check_revision(revision, *, transport=None) -> list[Finding]:
    """Replace the revision's link findings by a fresh check (keeps acknowledgements of the same link)."""
    problems = check_links(revision.body, transport=transport)
    with transaction.atomic():
        old = {f.matched: f for f in revision.findings.filter(category=Category.LINK)}
        rows = []
        for problem in problems:
            previous = old.get(problem.url[:500])
            row = Finding(
                revision=revision,
                field="body",
                field_label="正文中的链接",
                category=Category.LINK,
                severity=problem.severity,
                detector=problem.detector,
                start=0,
                end=0,
                matched=problem.url[:500],
                suggestion=problem.reason[:500],
                context=problem.url[:400],
                key=hashlib.sha256(f"link\x00{problem.detector}\x00{problem.url}".encode()).hexdigest(),
                found_at=timezone.now(),
            )
            if previous is not None and previous.acknowledged_by_id and problem.severity == Severity.WARNING:
                row.status = previous.status
                row.acknowledged_by_id = previous.acknowledged_by_id
                row.acknowledged_at = previous.acknowledged_at
                row.acknowledgement = previous.acknowledgement
            rows.append(row)
        revision.findings.filter(category=Category.LINK).delete()
        return Finding.objects.bulk_create(rows)
