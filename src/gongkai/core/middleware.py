"""Security headers that Django's SecurityMiddleware does not set."""

from django.conf import settings

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
