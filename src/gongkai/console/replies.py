"""What a console action says and where it goes next (shared by the console's view modules)."""

from __future__ import annotations

from django.contrib import messages
from django.utils.http import url_has_allowed_host_and_scheme


def back(request, default: str) -> str:
    """The ``next`` the form posted, if it is a path on this site; else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would take a bare word for a URL name (NoReverseMatch).
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def error_messages(request, reasons) -> None:
    for reason in reasons:
        messages.error(request, reason)
