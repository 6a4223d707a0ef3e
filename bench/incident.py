"""``python -m bench.web --mode incident``: the public pages under 500 connections while staff publish.

Issue 9: "during 60 s of 500 concurrent connections on the public pages (wrk), staff can still publish
and the portal answers with zero errors". bench/web.py sets the world up (database, items, gunicorn with
the production settings, nginx and the static export with ``--via nginx``) and calls ``incident_mode``.

Load: ``wrk`` with ``--incident-connections`` (500) for ``--incident-duration`` (60 s), ``--incident-timeout``
(wrk's own 2 s by default: an answer slower than that counts as an error), rotating over the home page,
政府信息公开, the list page, item pages (48) and search pages (8 words), a fifth each.

Staff, meanwhile, in a thread of this process, over HTTP as a browser would (cookies, CSRF tokens read
from the forms, ``Origin``/``Referer``, multipart where the form says so): the six people of the
default chain log in on the console's login page, all at once as the load starts (password only: the
publishing roles have no second factor unless they enrol one; only the three administrators and
superusers must), then every
``--publish-interval`` seconds the drafter opens 新建信息, fills the form and saves, submits the draft,
the four reviewers each open the review page and approve (the office reviewer ticks the seven bottom
lines), and the office editor publishes: 21 requests per cycle, each page read before its form is
posted, success read from the message on the page the action redirects to. A cycle counts as done when
the editor sees "已发布。" and the public address of the item; its duration is measured from opening the
new-item form. Right after, the item page and the first list page are fetched as a visitor (freshness:
the page caches follow the public generation). After the load, every published item must answer 200 on
its page, be on the list pages and be found by searching its title; the database must hold exactly the
items the cycles published.

The people send ``Host: 127.0.0.1`` and ``Origin: https://127.0.0.1``, as a browser would before a TLS
terminator on port 443 (nginx passes ``$host``, which has no port, so the bench's random port must not
appear in the origin Django compares with).
"""

from __future__ import annotations

import collections
import concurrent.futures
import http.client
import http.cookies
import re
import signal
import statistics
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

from bench import web

PUBLIC_HOST = "127.0.0.1"  # as seen by Django behind the (emulated) TLS terminator on port 443
ORIGIN = f"https://{PUBLIC_HOST}"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 (gongkai bench staff)"
DONE = {  # console.views.ACTION_DONE, the messages a person reads after each action
    "create": "草稿已保存。",
    "submit": "已提交审核。",
    "approve": "已审核同意。",
    "publish": "已发布。",
}


class StepFailed(Exception):
    """One step of a publish cycle did not do what a person expects (the message says which)."""


# ---------------------------------------------------------------------------------------------------
# Forms as a browser reads them.


@dataclass
class Form:
    action: str
    enctype: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send as is
    checkboxes: list[tuple[str, str]] = field(default_factory=list)  # unticked ones
    selects: dict[str, list[str]] = field(default_factory=dict)  # name → option values

    def names(self) -> set[str]:
        return {name for name, _ in self.fields} | {name for name, _ in self.checkboxes}

    def values(self, *, tick: tuple[str, ...] = (), **overrides: str) -> list[tuple[str, str]]:
        """The form as submitted: the defaults, the checkboxes named in ``tick`` ticked, ``overrides``
        replacing (or adding) single values."""
        out = [(name, value) for name, value in self.fields if name not in overrides]
        out += [(name, value) for name, value in self.checkboxes if name in tick]
        out += list(overrides.items())
        return out


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), enctype=a.get("enctype", ""))
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._select[1].append((a.get("value", ""), "selected" in a))
            return
        form, name = self._form, a.get("name")
        if form is None or not name or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                value = a.get("value", "on")
                if "checked" in a:
                    form.fields.append((name, value))
                elif kind == "checkbox":
                    form.checkboxes.append((name, value))
                return
            form.fields.append((name, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = (name, [])
        elif tag == "select":
            self._select = (name, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form.fields.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [v for v, _ in options[:1]]
            self._form.fields += [(name, value) for value in chosen]
            self._form.selects[name] = [value for value, _ in options]
            self._select = None


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_posting_to(html: str, action: str) -> Form | None:
    return next((form for form in forms_in(html) if form.action == action), None)


def _multipart(values: list[tuple[str, str]]) -> tuple[bytes, str]:
    boundary = f"----gongkaibench{uuid.uuid4().hex}"
    parts = []
    for name, value in values:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------------------------------
# A person with a browser: cookies kept (Secure ones too: TLS ends before the application), no
# automatic redirects.


@dataclass
class Answer:
    status: int
    location: str
    text: str


class Person:
    def __init__(self, base: str, username: str, password: str, timeout: float, stats: StaffStats):
        address = urlsplit(base)
        self.host, self.port = address.hostname, address.port
        self.username, self.password = username, password
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.stats = stats

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        headers = {
            "Host": PUBLIC_HOST,
            "User-Agent": BROWSER,
            web.PROXY_HEADER[0]: web.PROXY_HEADER[1],
            "Accept-Language": "zh-CN,zh;q=0.9",
            **headers,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as error:  # timeouts, resets, refused connections
            raise StepFailed(f"{method} {path}: {type(error).__name__} {error}") from error
        finally:
            connection.close()
            self.stats.request_seconds.append(time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        answer = Answer(response.status, response.headers.get("Location", ""), text)
        if answer.status >= 400:
            raise StepFailed(f"{method} {path}: {answer.status}")
        return answer

    def get(self, path: str) -> Answer:
        return self._send("GET", path, None, {})

    def post(self, form: Form, values: list[tuple[str, str]], referer: str) -> Answer:
        if form.enctype == "multipart/form-data":
            body, content_type = _multipart(values)
        else:
            body, content_type = urlencode(values).encode(), "application/x-www-form-urlencoded"
        return self._send(
            "POST",
            form.action,
            body,
            {"Content-Type": content_type, "Origin": ORIGIN, "Referer": ORIGIN + referer},
        )

    def page_with_form(self, path: str, action: str) -> tuple[Answer, Form]:
        page = self.get(path)
        if page.status != 200:
            raise StepFailed(f"{self.username}: GET {path} answered {page.status}")
        form = form_posting_to(page.text, action)
        if form is None:
            raise StepFailed(f"{self.username}: no form posting to {action} on {path}")
        return page, form

    def log_in(self) -> None:
        _, form = self.page_with_form("/console/login/", "/console/login/")
        answer = self.post(
            form, form.values(username=self.username, password=self.password), referer="/console/login/"
        )
        if answer.status != 302 or "/login" in answer.location:
            raise StepFailed(f"{self.username}: login answered {answer.status} → {answer.location!r}")
        self.follow(answer)

    def follow(self, answer: Answer) -> Answer:
        if answer.status not in (301, 302, 303):
            raise StepFailed(f"{self.username}: expected a redirect, got {answer.status}")
        return self.get(urlsplit(answer.location).path + _query(answer.location))

    def act(self, page_path: str, item_pk: int, action: str, *, tick: tuple[str, ...] = (), **values) -> str:
        """Open the page, post the action's form as it is there (plus ``values``), read the message."""
        target = f"/console/items/{item_pk}/action/{action}/"
        _, form = self.page_with_form(page_path, target)
        answer = self.post(form, form.values(tick=tick, **values), referer=page_path)
        after = self.follow(answer).text
        if DONE[action] not in after or "message--error" in after:
            shown = re.findall(r'class="message message--error">(.*?)</li>', after, re.S)
            raise StepFailed(f"{self.username}: {action} not done: {_plain(' '.join(shown))[:200]}")
        return after


def _query(url: str) -> str:
    query = urlsplit(url).query
    return f"?{query}" if query else ""


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# ---------------------------------------------------------------------------------------------------
# The staff and their cycles.


@dataclass
class StaffStats:
    request_seconds: list[float] = field(default_factory=list)  # appended from several threads: fine


@dataclass
class Cycle:
    n: int
    seconds: float = 0.0
    ok: bool = False
    error: str = ""
    title: str = ""
    path: str = ""  # the public item page
    visible_at_once: bool = False
    after_load: bool = False


def _people(world: dict, base: str, timeout: float, stats: StaffStats) -> dict[str, Person]:
    return {
        role: Person(base, username, world["password"], timeout, stats)
        for role, username in world["people"].items()
    }


def staff_world() -> dict:
    """The people of the default chain in the organisation bench/web.py made (tests.factories.make_staff):
    drafter and head of the producing department, the confidentiality reviewer, the office editor
    without (office step) and with (publishes) the fast-track right, the leader."""
    from django.db import connections
    from tests.factories import PASSWORD

    from gongkai.orgs.constants import Role
    from gongkai.orgs.models import Membership

    try:
        memberships = list(Membership.objects.select_related("user", "department").order_by("pk"))

        def holder(role: str, **where) -> Membership:
            for membership in memberships:
                if role in membership.roles and all(getattr(membership, k) == v for k, v in where.items()):
                    return membership
            raise RuntimeError(f"no {role} {where} in the bench's organisation")

        drafter = holder(Role.DRAFTER)
        people = {
            "drafter": drafter,
            "head": holder(Role.DEPARTMENT_HEAD, department_id=drafter.department_id),
            "secrecy": holder(Role.CONFIDENTIALITY_REVIEWER),
            "office": holder(Role.OFFICE_EDITOR, can_fast_track=False),
            "leader": holder(Role.LEADER),
            "publisher": holder(Role.OFFICE_EDITOR, can_fast_track=True),
        }
        return {
            "password": PASSWORD,
            "people": {role: m.user.get_username() for role, m in people.items()},
        }
    finally:
        connections.close_all()


REVIEWERS = ("head", "secrecy", "office", "leader")


def publish_cycle(people: dict[str, Person], n: int, tag: str) -> Cycle:
    """One item from the new-item form to published, by six people, through the console's pages."""
    cycle = Cycle(n=n, title=f"关于做好第{n}批文化和旅游政务信息发布值守工作的通知(演练{tag})")
    started = time.perf_counter()
    try:
        drafter = people["drafter"]
        _, form = drafter.page_with_form("/console/items/new/", "/console/items/new/")
        empty = {  # a person picks the first column and topic offered
            name: next((v for v in form.selects.get(name, []) if v), "")
            for name in ("topic", "catalogue_entry")
            if not dict(form.fields).get(name)
        }
        answer = drafter.post(
            form,
            form.values(
                title=cycle.title,
                document_number=f"市文旅办发〔2026〕{n}号",
                summary="做好演练期间政务信息发布值守工作的通知。",
                body="<p>各科室:</p><p>现将演练期间政务信息发布值守工作有关事项通知如下。</p>",
                **empty,
            ),
            referer="/console/items/new/",
        )
        found = re.fullmatch(r"/console/items/(\d+)/", urlsplit(answer.location).path)
        if answer.status != 302 or not found:
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.text, re.S)
            raise StepFailed(f"create answered {answer.status}: {_plain(' '.join(errors))[:200]}")
        pk = int(found.group(1))
        item_page, review_page = f"/console/items/{pk}/", f"/console/items/{pk}/review/"
        if DONE["create"] not in drafter.follow(answer).text:
            raise StepFailed("create: no confirmation on the item page")
        drafter.act(item_page, pk, "submit")
        for role in REVIEWERS:
            people[role].act(review_page, pk, "approve", tick=("bottom_lines",), opinion="同意")
        after = people["publisher"].act(item_page, pk, "publish")
        public = re.search(r'<a href="(/xxgk/items/[^"]+/)">', after)
        if public is None:
            raise StepFailed("publish: the item page shows no public address")
        cycle.path = public.group(1)
        cycle.ok = True
    except StepFailed as error:
        cycle.error = str(error)
    cycle.seconds = time.perf_counter() - started
    return cycle


def _public_get(url: str) -> tuple[int, dict[str, str], bytes]:
    """A visitor's request (bench/web.py's); no answer within its 10 s counts as status 0."""
    try:
        return web._get(url)
    except OSError:
        return 0, {}, b""


def _visible(base: str, cycle: Cycle) -> bool:
    """The visitor's view right after publication: the item page and the first list page."""
    status, _, body = _public_get(base + cycle.path)
    if status != 200 or cycle.title not in body.decode(errors="replace"):
        return False
    status, _, body = _public_get(base + "/xxgk/list/")
    return status == 200 and f'href="{cycle.path}"' in body.decode(errors="replace")


def staff_session(
    base: str, world: dict, load: concurrent.futures.Future, interval: float, timeout: float, tag: str
) -> dict:
    """Everybody logs in (at once, each at their own desk), then one publish cycle every ``interval``
    seconds while the load runs."""
    stats = StaffStats()
    people = _people(world, base, timeout, stats)

    def log_in(person: Person) -> tuple[float, str]:
        started = time.perf_counter()
        try:
            person.log_in()
        except StepFailed as error:
            return time.perf_counter() - started, str(error)
        return time.perf_counter() - started, ""

    with concurrent.futures.ThreadPoolExecutor(len(people)) as pool:
        logins = list(pool.map(log_in, people.values()))
    login_seconds = [seconds for seconds, _ in logins]
    login_errors = [error for _, error in logins if error]
    cycles: list[Cycle] = []
    next_start = time.monotonic()
    while not login_errors and not load.done():
        time.sleep(max(0.0, next_start - time.monotonic()))
        if load.done():
            break
        next_start = time.monotonic() + interval
        cycle = publish_cycle(people, len(cycles) + 1, tag)
        cycle.after_load = load.done()
        if cycle.ok:
            cycle.visible_at_once = _visible(base, cycle)
        cycles.append(cycle)
    return {"cycles": cycles, "stats": stats, "login_seconds": login_seconds, "login_errors": login_errors}


# ---------------------------------------------------------------------------------------------------
# After the load: every published item public, and nothing else half-made.


def check_published(base: str, cycles: list[Cycle], tag: str, *, via_nginx: bool) -> dict[str, int]:
    from gongkai.portal.views import ITEMS_PER_PAGE

    done = [cycle for cycle in cycles if cycle.ok]
    pages = exported = 0
    for cycle in done:
        status, headers, body = _public_get(base + cycle.path)
        pages += status == 200 and cycle.title in body.decode(errors="replace")
        exported += headers.get("X-Gongkai-Export") == "1"  # the file written when it was published

    # Newest first: the items of this run are the first ones of the list.
    listed: set[str] = set()
    for number in range(1, len(done) // ITEMS_PER_PAGE + 2):
        status, _, body = _public_get(base + f"/xxgk/list/?page={number}")
        if status == 200:
            text = body.decode(errors="replace")
            listed |= {cycle.path for cycle in done if f'href="{cycle.path}"' in text}
    found = 0
    for cycle in done:
        status, _, body = _public_get(base + f"/xxgk/search/?q={quote(cycle.title)}")
        found += status == 200 and f'href="{cycle.path}"' in body.decode(errors="replace")
    return {
        "published": len(done),
        "item page 200": pages,
        "on the list": len(listed),
        "found by search": found,
        **({"served from the export": exported} if via_nginx else {}),
        **_database_counts(tag),
    }


def _database_counts(tag: str) -> dict[str, int]:
    from django.db import connections

    from gongkai.publishing.constants import ItemStatus
    from gongkai.publishing.models import InformationItem

    try:
        mine = InformationItem.objects.filter(latest_revision__title__contains=f"(演练{tag})")
        return {
            "in the database, published": mine.filter(status=ItemStatus.PUBLISHED).count(),
            "in the database, not published": mine.exclude(status=ItemStatus.PUBLISHED).count(),
        }
    finally:
        connections.close_all()


# ---------------------------------------------------------------------------------------------------
# The mode.


def incident_paths(numbers: list[str]) -> list[str]:
    items = [f"/xxgk/items/{quote(number)}/" for number in numbers[:48]]
    searches = [f"/xxgk/search/?q={quote(word)}" for word in web.SEARCH_WORDS]
    return [
        path
        for n, item in enumerate(items)
        for path in ("/", "/xxgk/", "/xxgk/list/", item, searches[n % len(searches)])
    ]


def incident_mode(base: str, numbers: list[str], args, log, nginx_setup) -> dict:
    paths = incident_paths(numbers)
    first = {
        "home": "/",
        "xxgk": "/xxgk/",
        "list": "/xxgk/list/",
        "item": paths[3],
        "search": paths[4],
    }
    world = staff_world()
    tag = uuid.uuid4().hex[:6]
    nginx = None
    if args.via == "nginx":
        nginx, base, _written = nginx_setup()
    try:
        status = {name: _public_get(base + path)[0] for name, path in first.items()}
        web._wrk(base + "/", connections=20, seconds=3, paths=paths)  # warm-up
        log_start = log.stat().st_size
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            load = pool.submit(
                web._wrk,
                base + "/",
                connections=args.incident_connections,
                seconds=args.incident_duration,
                paths=paths,
                timeout=args.incident_timeout,
            )
            time.sleep(1)  # wrk's connections open first
            staff = staff_session(base, world, load, args.publish_interval, args.staff_timeout, tag)
            run = load.result()
        checks = check_published(base, staff["cycles"], tag, via_nginx=nginx is not None)
    finally:
        web._stop(nginx, signal.SIGQUIT)
    return _report(args, run, status, staff, checks, web._errors_in_log(log, log_start))


def _report(args, run: dict, status: dict, staff: dict, checks: dict, log_errors: dict) -> dict:
    cycles: list[Cycle] = staff["cycles"]
    done = [cycle for cycle in cycles if cycle.ok]
    failed = [cycle for cycle in cycles if not cycle.ok]
    seconds = [cycle.seconds for cycle in done]
    requests = staff["stats"].request_seconds
    figures = {
        "req/s": round(run["rps"]),
        "p50 ms": round(run["p50_ms"], 1),
        "p99 ms": round(run["p99_ms"], 1),
        "max ms": round(run["max_ms"], 1),
        "non-2xx/3xx": run["status_errors"],
        "socket errors": run["socket_errors"],
        f"timeouts ({args.incident_timeout} s)": run["timeouts"],
        "first answers": ", ".join(f"{name} {code}" for name, code in status.items()),
        "staff logins": f"{len(staff['login_seconds']) - len(staff['login_errors'])}/"
        f"{len(staff['login_seconds'])}, max {max(staff['login_seconds'], default=0):.1f} s",
        "publish cycles done": len(done),
        "failed": len(failed),
        "cycle p50 s": round(statistics.median(seconds), 1) if seconds else None,
        "cycle max s": round(max(seconds), 1) if seconds else None,
        "staff requests": len(requests),
        "staff request p50/max s": (
            f"{statistics.median(requests):.2f}/{max(requests):.2f}" if requests else "–"
        ),
        "visible at once": f"{sum(c.visible_at_once for c in done)}/{len(done)}",
        "checked after": ", ".join(f"{label} {value}" for label, value in checks.items()),
    }
    late = sum(cycle.after_load for cycle in done)
    if late:
        figures["cycles finished after the load"] = late
    problems = staff["login_errors"] + [f"cycle {c.n}: {c.error}" for c in failed]
    if problems:
        figures["staff errors"] = "; ".join(
            f"{text} ×{count}" if count > 1 else text
            for text, count in collections.Counter(problems).most_common(3)
        )
    if log_errors:
        figures["errors by path"] = log_errors
    wrk_failed = run["status_errors"] + run["socket_errors"] + run["timeouts"]
    all_public = checks["published"] == len(done) and all(
        checks[key] == len(done)
        for key in ("item page 200", "on the list", "found by search", "in the database, published")
    )
    staff_ok = (
        not staff["login_errors"]
        and done
        and not failed
        and all(c.visible_at_once for c in done)
        and all_public
        and checks["in the database, not published"] == 0
    )
    return {
        "figures": figures,
        "target": (
            f"0 errors: {args.incident_connections} connections × {args.incident_duration} s on the public "
            f"pages while staff publish (a cycle every {args.publish_interval:g} s), every published item "
            "public at once and after"
        ),
        "met": bool(wrk_failed == 0 and all(code == 200 for code in status.values()) and staff_ok),
    }
