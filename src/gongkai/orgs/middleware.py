"""Session rules for the console and the admin (等保 2.0 三级: 登录失败处理、连接超时自动退出).

``AccountSecurityMiddleware`` (after the session, authentication and message middleware):

- the admin's login page sends people to the console's login page, so every login goes through the
  same flow (django-axes lockout, second factor, password expiry — ``gongkai.orgs.accounts``);
- the admin's own-password page sends administrators to the console's, so every change of one's own
  password goes through ``gongkai.orgs.passwords.change_password`` (audited, other sessions and the
  person's API tokens ended);
- a logged-in session on a console or admin page is ended after ``GONGKAI_SESSION_IDLE_MINUTES`` (30)
  without a request there, and ``GONGKAI_SESSION_MAX_HOURS`` (12) after the login whatever the activity;
  the person lands on the login page with a Chinese message saying why;
- a session that must first change its password or enrol a second factor is kept on that page (and may
  log out); nothing else of the console or the admin answers it.

Console and admin answers are marked ``Cache-Control: private, no-store`` unless they say otherwise.
Public pages are not touched (they do not read the session, so they stay cacheable).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from . import accounts

GUARDED_PREFIXES = ("/console/", "/admin/")
DEFAULT_IDLE_MINUTES = 30
DEFAULT_MAX_HOURS = 12


def idle_seconds() -> float:
    return float(getattr(settings, "GONGKAI_SESSION_IDLE_MINUTES", DEFAULT_IDLE_MINUTES)) * 60


def max_seconds() -> float:
    return float(getattr(settings, "GONGKAI_SESSION_MAX_HOURS", DEFAULT_MAX_HOURS)) * 3600


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:g}"


def session_expiry_reason(session, now: float) -> str | None:
    """Why a logged-in session must end now (None if it may go on)."""
    last = _number(session.get(accounts.LAST_SEEN_KEY))
    started = _number(session.get(accounts.STARTED_KEY))
    if last is not None and now - last > idle_seconds():
        return f"由于超过 {_minutes(idle_seconds())} 分钟没有操作,为保护账号安全,系统已自动退出登录。请重新登录。"
    if started is not None and now - started > max_seconds():
        return f"本次登录已超过 {_hours(max_seconds())} 小时,为保护账号安全,系统已自动退出登录。请重新登录。"
    return None


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.check(request)
        if response is None:
            response = self.get_response(request)
        # Staff pages hold drafts and citizens' personal data: never kept by a browser (a shared office PC)
        # or a proxy. Downloads that already say how to cache keep their own header.
        if request.path_info.startswith(GUARDED_PREFIXES) and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    def check(self, request):
        path = request.path_info
        if not path.startswith(GUARDED_PREFIXES):
            return None
        if path == reverse("admin:login"):
            return self.admin_login(request)
        session = request.session
        if SESSION_KEY not in session:
            return None
        now = time.time()
        reason = session_expiry_reason(session, now)
        if reason:
            logout(request)
            messages.warning(request, reason)
            return redirect_to_login(request.get_full_path())
        session[accounts.LAST_SEEN_KEY] = now
        session.setdefault(accounts.STARTED_KEY, now)
        response = self.confine(request, path)
        if response is None and path == reverse("admin:password_change"):
            response = self.admin_password_change(request)
        return response

    def confine(self, request, path):
        duty = accounts.pending_duty(request)
        if duty is None:
            return None
        leaving = {reverse("console:logout"), reverse("admin:logout")}
        if duty == "relogin":
            logout(request)
            messages.warning(request, "您的账号已启用两步验证,本次登录未经动态验证码确认。请重新登录。")
            return redirect_to_login(request.get_full_path())
        target = reverse("console:password_change" if duty == "password" else "console:two_factor")
        if path == target or path in leaving:
            return None
        return redirect(target)

    def admin_password_change(self, request):
        """Django's own-password page of the admin would change the password without the audit event
        and without ending the other sessions and API tokens: administrators use the console's page
        (and come back to the admin). Others get the admin's usual refusal."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return None
        target = reverse("console:password_change")
        return redirect(f"{target}?{urlencode({'next': reverse('admin:index')})}")

    def admin_login(self, request):
        """The admin's login page: the console's login (one flow for all), or the admin for staff."""
        wanted = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if user.is_authenticated:
            if user.is_active and user.is_staff:
                return redirect(reverse("admin:index"))
            return render(
                request,
                "console/403.html",
                {
                    "reasons": [
                        "您的账号没有系统管理权限。系统管理仅供系统管理员、安全管理员和安全审计员使用。"
                    ]
                },
                status=403,
            )
        return redirect(f"{reverse('console:login')}?{urlencode({'next': wanted})}")
