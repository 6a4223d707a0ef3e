"""The login flow's state in the session, and what a session may do before it is complete.

Login (the console's login page; the admin's login page redirects there):

1. user name and password (django-axes counts failures and locks the account);
2. if the account has a second factor: the session holds only a *pending* state — a signed, short-lived
   token naming the account, bound to its password — not the logged-in user; the code page completes
   the login (a wrong code counts as a failure for axes too);
3. ``complete_login`` logs in (Django gives the session a new key) and notes in the session what the
   person must still do before using the console or the admin:

   - change the password (expired after ``GONGKAI_PASSWORD_MAX_AGE_DAYS`` days, or set by an
     administrator): ``PASSWORD_KEY`` holds the reason;
   - enrol a second factor (required for administrators and superusers): ``MFA_KEY`` is ``"enrol"``.

``gongkai.orgs.middleware.AccountSecurityMiddleware`` keeps such a session on the account pages, ends
idle (``GONGKAI_SESSION_IDLE_MINUTES``) and too old (``GONGKAI_SESSION_MAX_HOURS``) sessions, and sends
the admin's login page to the console's.

Sessions made by ``django.contrib.auth.login`` outside this flow (``Client.force_login`` in tests) carry
none of these notes and are not confined: every interactive login must go through ``complete_login``.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, login
from django.core import signing

from . import field_keys, passwords, totp
from .backends import organization_ids_of

PENDING_KEY = "gongkai_login_pending"
MFA_KEY = "gongkai_mfa"  # "passed" (code given), "none" (no second factor), "enrol" (must enrol first)
PASSWORD_KEY = "gongkai_password_change"  # noqa: S105 — a session key: why the password must change first
STARTED_KEY = "gongkai_login_started"  # epoch seconds of the login
LAST_SEEN_KEY = "gongkai_last_seen"  # epoch seconds of the last console or admin request
ENROL_SECRET_KEY = "gongkai_totp_enrolment"  # noqa: S105 — session key of the secret offered, until confirmed

MFA_PASSED, MFA_NONE, MFA_ENROL = "passed", "none", "enrol"

PENDING_SALT = "gongkai.orgs.accounts.pending-login"
DEFAULT_PENDING_SECONDS = 300


def organization_id_of(user) -> int | None:
    """The one organisation an account belongs to, for audit events (None if several or none)."""
    ids = organization_ids_of(user)
    return next(iter(ids)) if ids and len(ids) == 1 else None


def pending_seconds() -> int:
    return int(getattr(settings, "GONGKAI_LOGIN_CODE_SECONDS", DEFAULT_PENDING_SECONDS))


# --- step 2: the pending login --------------------------------------------------------------------------


def begin_pending(request, user) -> None:
    """The password was right and a code is needed: remember who, not as a logged-in user."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = signing.dumps(
        {"user": user.pk, "backend": user.backend, "auth": user.get_session_auth_hash()},
        salt=PENDING_SALT,
        compress=True,
    )


def pending_user(request):
    """The account waiting for its code, or None (none, expired, tampered with, or changed since)."""
    token = request.session.get(PENDING_KEY)
    if not token:
        return None
    try:
        data = signing.loads(token, salt=PENDING_SALT, max_age=pending_seconds())
    except signing.BadSignature:
        clear_pending(request)
        return None
    user = get_user_model().objects.filter(pk=data.get("user"), is_active=True).first()
    if (
        user is None
        or user.get_session_auth_hash() != data.get("auth")
        or data.get("backend") not in (settings.AUTHENTICATION_BACKENDS)
    ):
        clear_pending(request)
        return None
    user.backend = data["backend"]
    return user


def clear_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


# --- step 3: logged in ----------------------------------------------------------------------------------


def complete_login(request, user, *, mfa: str) -> None:
    """Log the person in (new session key) and note what they must do first."""
    clear_pending(request)
    if mfa != MFA_PASSED:
        mfa = MFA_ENROL if totp.required_for(user) else MFA_NONE
    login(request, user, backend=getattr(user, "backend", None))
    session = request.session
    session[MFA_KEY] = mfa
    reason = passwords.change_reason(user)
    if reason:
        session[PASSWORD_KEY] = reason
    else:
        session.pop(PASSWORD_KEY, None)
    now = time.time()
    session[STARTED_KEY] = now
    session[LAST_SEEN_KEY] = now


def after_password(request, user) -> bool:
    """The password step succeeded: True if a code is needed next (the pending state is set), False if
    the person is now logged in."""
    if totp.is_enrolled(user):
        begin_pending(request, user)
        return True
    complete_login(request, user, mfa=MFA_NONE)
    return False


def enrolled_now(request) -> None:
    """The person confirmed a second factor in this session: it counts as given; new session key."""
    request.session.pop(ENROL_SECRET_KEY, None)
    request.session[MFA_KEY] = MFA_PASSED
    request.session.cycle_key()


def _enrolment_context(session) -> str:
    return f"orgs.enrolment:{session.get(SESSION_KEY, '')}"


def offered_secret_in(session) -> str:
    """The secret ``session`` offers for enrolment ("" if none, or unreadable: offered before the keys
    changed or before secrets were encrypted)."""
    stored = session.get(ENROL_SECRET_KEY)
    try:
        return field_keys.decrypt(stored, context=_enrolment_context(session)) if stored else ""
    except field_keys.Unreadable:
        return ""


def offered_secret(request) -> str:
    """The secret offered for enrolment in this session, made once and kept there until confirmed,
    encrypted like the stored ones (sessions are database rows too)."""
    secret = offered_secret_in(request.session)
    if not secret:
        secret = totp.generate_secret()
        request.session[ENROL_SECRET_KEY] = field_keys.encrypt(
            secret, context=_enrolment_context(request.session)
        )
    return secret


def password_changed_now(request) -> None:
    request.session.pop(PASSWORD_KEY, None)


def is_tracked(request) -> bool:
    """The session was made by ``complete_login`` (not, say, by a test's ``force_login``)."""
    return MFA_KEY in request.session


def pending_duty(request) -> str | None:
    """What the logged-in person must do before anything else: "password", "enrol", "relogin" or None.

    "relogin": the account needs a second factor that this session never proved (it was enrolled in
    another session, or an administrator role was given after this login with a factor already set)."""
    session = request.session
    if not is_tracked(request):
        return None
    if session.get(PASSWORD_KEY):
        return "password"
    state = session.get(MFA_KEY)
    if state == MFA_PASSED:
        return None
    user = request.user
    if state == MFA_NONE and not totp.required_for(user):
        return None
    if totp.is_enrolled(user):
        return "relogin"
    session[MFA_KEY] = MFA_ENROL
    return "enrol"
