"""The machinery of the hostile-input tests: read a page's forms as a browser would, fill them with
payloads, post them, and check every answer (no 5xx, no redirect off the site, nothing from a payload
live in the page, no template evaluated, no secret shown).

Forms are read from the pages themselves (lxml), so a field added to a form is filled without anyone
editing a table; the table in test_hostile_input.py only says where each form lives and which values
make a post succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from gongkai.core import captcha
from tests.security import payloads as P

# Typed text; everything else a browser sends has a format (numbers, dates, choices, hidden values).
FREE = frozenset({"text", "textarea", "search", "tel"})
NOT_SENT = frozenset({"submit", "button", "reset", "image", "file"})
# The form machinery: the CSRF token, the captcha (solved by the tests) and the honeypots (robots only).
MACHINERY = frozenset({"csrfmiddlewaretoken", "captcha_token", "captcha", "website"})
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class FoundForm:
    key: str  # URL name of the action, with its `action` argument: "console:item_action[reject]"
    method: str
    url: str  # the action (path and query)
    kinds: dict[str, str]  # field name -> input type ("textarea", "select", "text", "hidden"...)
    values: list[tuple[str, str]]  # what a browser would send untouched
    files: list[str] = field(default_factory=list)

    @property
    def free(self) -> list[str]:
        return [n for n, k in self.kinds.items() if k in FREE and n not in MACHINERY]

    @property
    def formatted(self) -> list[str]:
        return [n for n, k in self.kinds.items() if k not in FREE and n not in MACHINERY]

    def data(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in self.values:
            out.setdefault(name, []).append(value)
        return out


def form_key(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return f"?{path}"
    action = match.kwargs.get("action")
    return f"{match.view_name}[{action}]" if action else match.view_name


def read_forms(page: str, page_url: str) -> list[FoundForm]:
    if "<form" not in page:
        return []
    doc = lxml.html.document_fromstring(page)
    found = []
    for form in doc.forms:
        action = form.get("action") or page_url
        parts = urlsplit(action)
        path = parts.path or urlsplit(page_url).path
        url = path + (f"?{parts.query}" if parts.query else "")
        kinds: dict[str, str] = {}
        files = []
        for element in form.inputs:
            name = element.get("name")
            if not name:
                continue
            kind = element.tag if element.tag in ("select", "textarea") else (element.get("type") or "text")
            kind = kind.lower()
            if kind == "file":
                files.append(name)
            elif kind not in NOT_SENT:
                kinds.setdefault(name, kind)
        found.append(
            FoundForm(
                key=form_key(path),
                method=(form.get("method") or "get").lower(),
                url=url,
                kinds=kinds,
                values=list(form.form_values()),
                files=files,
            )
        )
    return found


class Visitor:
    """Clients for the roles of a world; every answer is checked and the problems collected."""

    def __init__(self, users: dict):
        self.clients: dict[str, Client] = {"anonymous": Client(raise_request_exception=False)}
        for role, user in users.items():
            client = Client(raise_request_exception=False)
            client.force_login(user, backend=MODEL_BACKEND)
            self.clients[role] = client
        self.problems: list[str] = []
        self.requests = 0

    def _address(self) -> str:
        # Each request comes from its own address: the public forms' rate limits are per client.
        n = self.requests
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    def get(self, role: str, url: str, what: str = "", data=None):
        self.requests += 1
        response = self.clients[role].get(url, data, REMOTE_ADDR=self._address())
        self.check(response, f"{role} GET {url} {what}".strip())
        return response

    def post(self, role: str, url: str, data: dict, what: str = "", follow: bool = True):
        """The answer, and the page it redirects to (None when it does not)."""
        self.requests += 1
        response = self.clients[role].post(url, data, REMOTE_ADDR=self._address())
        label = f"{role} POST {url} {what}".strip()
        self.check(response, label)
        landing = None
        if follow and response.status_code in (301, 302, 303) and self._local(response["Location"]):
            landing = self.get(role, response["Location"], f"(after {label})")
        return response, landing

    @staticmethod
    def _local(location: str) -> bool:
        parts = urlsplit(location)
        return not parts.scheme and not parts.netloc and location.startswith("/")

    def check(self, response, label: str) -> None:
        code = response.status_code
        if code >= 500:
            self.problems.append(f"{label}: {code}")
            return
        if code in (301, 302, 303, 307, 308):
            location = response["Location"]
            if not self._local(location) or "\n" in location or "\r" in location:
                self.problems.append(f"{label}: redirect off the site to {location!r}")
            return
        body = page_text(response)
        if body is None:
            return
        for where in P.live_markup(body):
            self.problems.append(f"{label}: live payload {where}")
        for leak in P.template_leaks(body, settings.SECRET_KEY):
            self.problems.append(f"{label}: {leak}")


def page_text(response) -> str | None:
    """The decoded body of an HTML, JSON, XML or text answer (None for files and streams)."""
    if getattr(response, "streaming", False):
        return None
    kind = response.get("Content-Type", "")
    if not any(t in kind for t in ("html", "json", "xml", "text/plain")):
        return None
    return response.content.decode(response.charset or "utf-8", errors="replace")


def solve_captcha(data: dict) -> None:
    """A fresh challenge and its answer (a code is accepted once; the page never holds it)."""
    if "captcha_token" in data:
        token = captcha.new_token()
        data["captcha_token"] = [token]
        data["captcha"] = [captcha.code_for(captcha._nonce(token))]
