"""Security headers that Django's SecurityMiddleware does not set, and NUL characters out of request values."""

from django.conf import settings
from django.http import Http404, QueryDict

# Everything is served from this origin (no CDN), and no page uses inline script or style.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "GONGKAI_CSP", DEFAULT_CSP)
        self.permissions = "camera=(), microphone=(), geolocation=(), payment=()"

    def __call__(self, request):
        response = self.get_response(request)
        policy = self.policy
        if request.path.startswith("/admin/"):  # Django's admin sets a few inline styles from its scripts
            policy = policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response


class NullCharacterMiddleware:
    """Replaces NUL characters in every query-string and form value (names too) with U+FFFD before a view
    reads them, as HTML parsers do: PostgreSQL refuses NUL in text, and no field means one. Replacing
    rather than deleting changes no value into another valid one (a choice of "\\x00" stays invalid, not
    empty) and keeps what was typed around it. Runs in ``process_view``, after the CSRF middleware has
    parsed the form (a multipart body is parsed here if it was not); uploaded files are untouched. The API
    (``/api/``) validates its own input and refuses NUL with a 422. A request without NUL keeps its
    QueryDicts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "\x00" in request.path_info:  # no page's address has one; PostgreSQL would refuse the lookup
            raise Http404("地址无效。")
        if request.path_info.startswith("/api/"):
            return None
        if "%00" in request.META.get("QUERY_STRING", ""):
            request.GET = _without_nul(request.GET)
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            request.POST = _without_nul(request.POST)
        return None


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _without_nul(query):
    if not any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists()):
        return query
    cleaned = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        cleaned.setlist(key.replace("\x00", "\ufffd"), [v.replace("\x00", "\ufffd") for v in values])
    cleaned._mutable = False
    return cleaned
