"""Hostile strings for the hostile-input tests (issue 9 item 3), and the checks that find them live.

Every XSS payload carries MARKER (``__pwned``) in the code it would run (``window.__pwned=1`` or an
``alert``): the browser test reads ``window.__pwned`` and listens for dialogs; the HTML tests look for the
marker in places where a browser would run it (a script, an event handler, a javascript: URL...).

Template-injection payloads compute numbers that appear nowhere else (EVALUATED): if a template engine
ever ran them, the number would show.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MARKER = "__pwned"

# --- cross-site scripting ----------------------------------------------------------------------------

XSS = [
    "<script>window.__pwned=1</script>",
    '"><script>window.__pwned=1</script>',
    "'><script>window.__pwned=1</script>",
    "</textarea><script>window.__pwned=1</script>",
    "</title><script>window.__pwned=1</script>",
    "</script><script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "<img src=x onerror=alert('__pwned')>",
    "<svg onload=window.__pwned=1>",
    "<svg><script>window.__pwned=1</script></svg>",
    "<svg><animate onbegin=window.__pwned=1 attributeName=x dur=1s>",
    "<body onload=window.__pwned=1>",
    '<iframe src="javascript:parent.__pwned=1"></iframe>',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '<a href="javascript:window.__pwned=1">点击查看</a>',
    '<a href="JaVaScRiPt&#58;window.__pwned=1">点击</a>',
    '<a href="&#106;avascript:window.__pwned=1">点击</a>',
    '<a href="data:text/html,<script>parent.__pwned=1</script>">点击</a>',
    "javascript:window.__pwned=1",
    '" onmouseover="window.__pwned=1" x="',
    "' onfocus='window.__pwned=1' autofocus x='",
    '" autofocus onfocus="window.__pwned=1',
    "<details open ontoggle=window.__pwned=1>",
    "<input autofocus onfocus=window.__pwned=1>",
    '<video><source onerror="window.__pwned=1"></video>',
    "<audio src=x onerror=window.__pwned=1>",
    "<marquee onstart=window.__pwned=1>",
    # Mutation XSS: markup that changes meaning when parsed a second time or in another context.
    '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">',
    '<svg></p><style><a id="</style><img src=1 onerror=window.__pwned=1>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=window.__pwned=1>",
    '<xmp><p title="</xmp><img src=x onerror=window.__pwned=1>">',
    "<!--<img src=x onerror=window.__pwned=1>-->",
    "<![CDATA[<script>window.__pwned=1</script>]]>",
    '<object data="javascript:window.__pwned=1"></object>',
    '<embed src="javascript:window.__pwned=1">',
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
    '<base href="javascript:window.__pwned=1//">',
    '<div style="background:url(javascript:window.__pwned=1)">x</div>',
    "<scr<script>ipt>window.__pwned=1</scr</script>ipt>",
    "<<script>script>window.__pwned=1<</script>/script>",
    # JavaScript-string and JSON breakouts (for values a script or a JSON block carries).
    "';window.__pwned=1;//",
    '";window.__pwned=1;//',
    '\\";window.__pwned=1;//',
    "`;window.__pwned=1;//${window.__pwned=1}",
    "\u2028\u2029<script>window.__pwned=1</script>",
    # Unicode tricks: full-width brackets, an RTL override, zero-width and BOM characters around a tag.
    "＜script＞window.__pwned=1＜/script＞",
    "\u202e<script>window.__pwned=1</script>\u202c",
    "\u200b<\u200bscript>window.__pwned=1</script>",
    "\ufeff<img src=x onerror=window.__pwned=1>",
    "{{constructor.constructor('window.__pwned=1')()}}",
]

# --- SQL and full-text syntax ------------------------------------------------------------------------
# Search goes through SQLite FTS5 (MATCH expressions) and PostgreSQL tsquery literals.

SQL = [
    "' OR 1=1 --",
    "' OR '1'='1",
    '" OR ""="',
    "1' UNION SELECT username, password FROM orgs_user --",
    "'; DROP TABLE publishing_informationitem; --",
    "1; SELECT pg_sleep(0); --",
    "%' AND 1=1 AND '%'='",
    "\\'; --",
    "1 AND 1=CAST((SELECT version()) AS int)",
    '"',
    '""',
    "*",
    '"文件',
    "文件*",
    "NEAR(文件 公开, 2)",
    "a AND",
    "OR",
    "NOT 文件",
    "title:文件",
    "{title body}: 文件",
    "^文件",
    "文件 & | ! 公开",
    "!!文件",
    "文件:*",
    "文件 <-> 公开",
    "(((",
    "%_%",
    "'",
]

# --- server-side template and format-string injection ------------------------------------------------

TEMPLATE = [
    "{{ settings.SECRET_KEY }}",
    "{{ request.user.password }}",
    "{% debug %}",
    "{% load log %}{% get_admin_log 10 as log %}{{ log }}",
    "{{ 31337|add:31337 }}",
    "{{ 31337*3 }}",
    "${31337*3}",
    "#{31337*3}",
    "<%= 31337*3 %>",
    "{{ ''.__class__.__mro__ }}",
    '{% include "../../../../etc/passwd" %}',
    "{0.__class__}",
    "{x}{0}",
    "%s%s%s%n",
    "%(name)s",
]
# What an evaluated TEMPLATE payload would print (31337+31337, 31337*3); the marker text of {% debug %}.
EVALUATED = ["62674", "94011"]
_EVALUATED = re.compile(r"(?<![0-9A-Za-z])(62674|94011)(?![0-9A-Za-z])")
DEBUG_OUTPUT = ["<module '", "&lt;module &#x27;", "sys.path"]

# --- everything else -----------------------------------------------------------------------------------

OTHER = [
    "文件\x00名称",
    "\x00",
    "\x01\x02\x1b[31m\x7f",
    "a\r\nSet-Cookie: pwned=1",
    "\r\nLocation: https://evil.example/",
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "https://evil.example/",
    "//evil.example/",
    "\u202e\u0644\u0627\u202cغير",
    "Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358" * 20,
    "😀🀄️👨‍👩‍👧",
    "   ",
    "-1",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "１２３",
    "²",
    "1²³",
]
# Long values: over every max_length in the forms and near Django's request size limit.
LONG = ["长" * 5_001, "A" * 100_000]

ALL = tuple(XSS + SQL + TEMPLATE + OTHER + LONG)

# Values for fields with a format (numbers, dates, choices, ids, hidden fields): no 500 whatever comes.
FUZZ = [
    "<script>window.__pwned=1</script>",
    "²",  # str.isdigit() says yes, int() says no
    "' OR 1=1 --",
    "\x00",
    "-1",
    "99999999999999999999999999",
    "１２３",
    "2026-02-30T25:61",
    "A" * 5_000,
]
# The values that matter for each kind of field (FUZZ_CHOICE for choices, ids and hidden values).
FUZZ_CHOICE = ["<script>window.__pwned=1</script>", "²", "' OR 1=1 --", "\x00", "99999999999999999999999999"]
FUZZ_BY_KIND = {
    "number": ["²", "-1", "99999999999999999999999999", "１２３", "1e309", "\x00"],
    "date": ["2026-02-30", "²", "0000-00-00", "\x00"],
    "datetime-local": ["2026-02-30T25:61", "²", "\x00"],
    "checkbox": ["<script>window.__pwned=1</script>", "\x00"],
}

# A few payloads joined: one value that stores many at once (for forms that take a value only once).
COMBINED = "\n".join(
    [
        "<script>window.__pwned=1</script>",
        '"><img src=x onerror=window.__pwned=1>',
        '<noscript><p title="</noscript><img src=x onerror=window.__pwned=1>">',
        '<a href="javascript:window.__pwned=1">点击</a>',
        "' OR 1=1 --",
        "{{ 31337|add:31337 }} ${31337*3}",
    ]
)


# --- finding live payloads in a page ------------------------------------------------------------------

URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "xlink:href",
        "background",
        "poster",
        "codebase",
        "lowsrc",
    }
)
# Elements whose content a browser reads as raw text: markup inside them ends where a payload says so.
RAW_TEXT = frozenset({"noscript", "noembed", "noframes", "xmp", "iframe", "plaintext"})
SCRIPT_TYPES = frozenset({"", "text/javascript", "module", "application/javascript", "text/ecmascript"})
EXECUTABLE_SCHEMES = ("javascript:", "vbscript:", "data:")


def _scheme(value: str) -> str:
    cleaned = "".join(ch for ch in html.unescape(value) if ch > " " and ch not in "\u200b\ufeff").lower()
    return cleaned


class _LiveMarkup(HTMLParser):
    """Tokenises a page as a browser does and records where MARKER would run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: str | None = None  # the open script or style element, if executable
        self._raw_depth = 0

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag == "script":
            kind = (dict(attrs).get("type") or "").strip().lower()
            self._script = "script" if kind in SCRIPT_TYPES else None
        elif tag == "style":
            self._script = "style"
        elif tag in RAW_TEXT:
            self._raw_depth += 1

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._script = None
        elif tag in RAW_TEXT and self._raw_depth:
            self._raw_depth -= 1

    def handle_data(self, data):
        if self._script and MARKER in data:
            self.found.append(f"<{self._script}> holding {data.strip()[:80]!r}")

    def _check(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if MARKER not in value:
                continue
            name = name.lower()
            where = f"<{tag} {name}={value[:80]!r}>"
            if (
                name.startswith("on")
                or name in ("srcdoc", "style")
                or name in URL_ATTRIBUTES
                and _scheme(value).startswith(EXECUTABLE_SCHEMES)
                or tag == "meta"
                and name == "content"
                and dict(attrs).get("http-equiv")
            ):
                self.found.append(where)
            elif self._raw_depth:
                self.found.append(f"{where} inside a raw-text element")


def live_markup(page: str) -> list[str]:
    """Where a payload of this module would run in `page` (an empty list: nowhere)."""
    if MARKER not in page:
        return []
    parser = _LiveMarkup()
    parser.feed(page)
    if parser._script and MARKER in parser.rawdata:  # an unclosed script or style runs to the end
        parser.found.append(f"unclosed <{parser._script}> holding the marker")
    parser.close()
    return parser.found


def template_leaks(page: str, secret_key: str) -> list[str]:
    """Signs that a template payload was evaluated, or that a secret reached the page."""
    problems = [f"evaluated template expression ({m})" for m in sorted(set(_EVALUATED.findall(page)))]
    problems += [f"debug output ({d!r})" for d in DEBUG_OUTPUT if d in page]
    if secret_key and secret_key in page:
        problems.append("SECRET_KEY in the page")
    return problems


def visible(page: str) -> str:
    """The page's text with entities decoded: where a payload shown as text can be looked for."""
    return html.unescape(page)
