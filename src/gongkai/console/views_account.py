"""Login (password, then the second factor), logout and the person's own account pages:
/console/account/ (overview), /console/account/password/ and /console/account/2fa/.

The flow and the session notes live in ``gongkai.orgs.accounts``; the session rules (idle time-out,
confinement until the password is changed or a second factor enrolled) in
``gongkai.orgs.middleware``. Account pages need a login but no membership: a superuser or a
newly created account has none and must still be able to change the password and enrol.
"""

from __future__ import annotations

import functools

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from gongkai.orgs import accounts, middleware, passwords, totp

from .access import current_membership
from .forms import ConsoleLoginForm
from .forms_account import CodeForm, PasswordChangeForm

WRONG_CODE = "动态验证码不正确或已使用过。请确认手机时间准确,并输入验证器中显示的最新 6 位数字。"


def _next_url(request, default: str | None = None) -> str:
    wanted = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default or home_url(request)


def home_url(request) -> str:
    """Where a person goes after the account pages: the console, or the admin for an administrator
    without a membership (a superuser)."""
    user = request.user
    if current_membership(request) is not None:
        return reverse("console:inbox")
    if user.is_staff:
        return reverse("admin:index")
    return reverse("console:account")


def _with_next(url: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


# --- login ------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = ConsoleLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT}

    def form_valid(self, form):
        user = form.get_user()
        if accounts.after_password(self.request, user):
            return redirect(_with_next(reverse("console:login_code"), self.get_redirect_url()))
        return redirect(self.get_success_url())


login_view = LoginView.as_view()
logout_view = auth_views.LogoutView.as_view()


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    """The second step of a login: the code of the person's authenticator app."""
    user = accounts.pending_user(request)
    next_url = _next_url(request, reverse(settings.LOGIN_REDIRECT_URL))
    if user is None:
        messages.warning(request, "登录已超时或尚未输入密码,请重新输入用户名和密码。")
        return redirect(_with_next(reverse("console:login"), request.GET.get(REDIRECT_FIELD_NAME, "")))
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        accounts.clear_pending(request)
        from .views import lockout

        return lockout(request, credentials=credentials)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            passed = form.is_valid() and totp.verify(user, form.cleaned_data["code"])
        except totp.SecretUnreadable as exc:  # fails closed: no code can log in
            passed = False
            form.add_error("code", str(exc))
        if passed:
            accounts.complete_login(request, user, mfa=accounts.MFA_PASSED)
            return redirect(next_url)
        if form.is_valid():
            form.add_error("code", WRONG_CODE)
        # A wrong code counts as a failed login: django-axes locks the account as for a wrong password
        # (its middleware then answers with the lockout page).
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            accounts.clear_pending(request)
        status = 400
    return render(
        request,
        "console/login_code.html",
        {"form": form, "next": next_url, "username": user.get_username()},
        status=status,
    )


# --- account pages ----------------------------------------------------------------------------------


def account_view(view):
    """A logged-in person (membership optional: the header shows it when there is one)."""

    @functools.wraps(view)
    @never_cache
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = current_membership(request)
        if membership is not None:
            request.membership = membership
            request.organization = membership.organization
        return view(request, *args, **kwargs)

    return wrapper


@account_view
def account(request):
    user = request.user
    return render(
        request,
        "console/account.html",
        {
            "account": user,
            "password_expires_at": passwords.expires_at(user),
            "password_max_days": passwords.max_age().days,
            "totp_enrolled": totp.is_enrolled(user),
            "totp_required": totp.required_for(user),
            "idle_minutes": f"{middleware.idle_seconds() / 60:g}",
            "max_hours": f"{middleware.max_seconds() / 3600:g}",
        },
    )


@account_view
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request):
    user = request.user
    reason = request.session.get(accounts.PASSWORD_KEY)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        passwords.change_password(request, user, new_password=form.cleaned_data["new_password1"])
        accounts.password_changed_now(request)
        messages.success(request, "密码已修改。下次登录请使用新密码。")
        return redirect(_next_url(request))
    return render(
        request,
        "console/password_change.html",
        {
            "form": form,
            "reason": reason,
            "next": _next_url(request, ""),
            "password_expires_at": passwords.expires_at(user),
        },
        status=400 if form.errors else 200,
    )


def _offered_secret(request) -> str:
    return accounts.offered_secret(request)  # kept encrypted in the session


@account_view
@sensitive_post_parameters("code")
def two_factor(request):
    """Enrol (show a new secret, confirm it with a code) or, once enrolled, see the state."""
    user = request.user
    enrolled = totp.is_enrolled(user)
    required = totp.required_for(user)
    must_enrol = request.session.get(accounts.MFA_KEY) == accounts.MFA_ENROL
    form = CodeForm(request.POST or None)
    status = 200
    if enrolled:
        if request.method == "POST":
            return redirect("console:two_factor")
        secret = None
    else:
        secret = _offered_secret(request)
        if request.method == "POST":
            if form.is_valid() and totp.enrol(
                user, secret=secret, code=form.cleaned_data["code"], request=request
            ):
                accounts.enrolled_now(request)
                messages.success(
                    request, "已启用两步验证。今后登录时,输入密码后还需输入验证器中的动态验证码。"
                )
                return redirect(_next_url(request))
            if form.is_valid():
                form.add_error(
                    "code",
                    "验证码与密钥不符。请确认已在验证器中添加了上面的密钥、手机时间准确,再输入最新的 6 位数字。",
                )
            status = 400
    issuer = settings.GONGKAI_SITE_NAME
    return render(
        request,
        "console/two_factor.html",
        {
            "form": form,
            "enrolled": enrolled,
            "enrolled_at": user.totp_confirmed_at,
            "required": required,
            "must_enrol": must_enrol,
            "secret": secret and totp.grouped(secret),
            "uri": secret and totp.provisioning_uri(secret, user.get_username(), issuer),
            "issuer": issuer,
            "next": _next_url(request, ""),
        },
        status=status,
    )


@account_view
@sensitive_post_parameters("code")
def two_factor_disable(request):
    if request.method != "POST":
        return redirect("console:two_factor")
    form = CodeForm(request.POST)
    error = totp.disable(request.user, code=form.data.get("code"), request=request)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "已停用两步验证。")
    return redirect("console:two_factor")
