"""Second factor: time-based one-time passwords (RFC 6238 over RFC 4226), as common authenticator apps
read them: HMAC-SHA1, 6 digits, 30-second steps. A code is accepted for the current step and one step
either side (clock drift), and never twice: the last step used is stored and a code of that step or an
earlier one is refused (a code seen over someone's shoulder cannot be replayed).

Optional for everyone, required for holders of an administrator role (system, security, audit
administrator) and for superusers (``required_for``). The secret is generated here, shown once during
enrolment (as text and as an ``otpauth://`` URI) and kept in ``User.totp_secret`` after the person has
confirmed it with a code, encrypted (``gongkai.orgs.field_keys``): the column holds a Fernet token, and
``secret_of`` decrypts it when a code is checked. A token no key authenticates (changed in the database,
or its key removed too early) refuses every code with ``SecretUnreadable`` (a Chinese message, audited):
the login fails closed and the security administrator resets the factor.

The security administrator resets a lost second factor from the admin; that, and the person turning
their own factor off, ends every other session of the account and revokes its API tokens
(``gongkai.orgs.sessions``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import struct
import time
import unicodedata
from urllib.parse import quote, urlencode

from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit

from . import field_keys
from .backends import holds_admin_role
from .constants import CredentialChange
from .models import User
from .sessions import end_sessions

logger = logging.getLogger(__name__)

DIGITS = 6
PERIOD = 30  # seconds
WINDOW = 1  # steps accepted either side of the current one
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends for HMAC-SHA1

ADMIN_REQUIRED = "管理员账号必须启用两步验证。"
UNREADABLE = (
    "无法读取本账号的两步验证密钥(数据可能被改动,或服务器的加密密钥配置有误),动态验证码无法核对。"
    "请联系本机构安全管理员重置两步验证。"
)


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted: no code is accepted. ``str()`` is the Chinese message."""

    def __init__(self, message: str = UNREADABLE):
        super().__init__(message)


# --- the algorithm ------------------------------------------------------------------------------------


def generate_secret() -> str:
    """A new random secret in base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = "".join(secret.split()).upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def step_at(moment: float | None = None) -> int:
    return int((time.time() if moment is None else moment) // PERIOD)


def hotp(key: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226: dynamic truncation of HMAC-SHA1(key, counter)."""
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def code_at(secret: str, step: int) -> str:
    return hotp(_key(secret), step)


def normalise_code(code) -> str | None:
    """The six digits typed, full-width digits and spaces allowed; None if it is not six digits."""
    text = "".join(unicodedata.normalize("NFKC", str(code or "")).split()).replace("-", "")
    if len(text) != DIGITS or not text.isascii() or not text.isdigit():
        return None
    return text


def match_step(
    secret: str, code, *, after_step: int | None = None, moment: float | None = None
) -> int | None:
    """The step whose code ``code`` is (within the window), if it is later than ``after_step``."""
    typed = normalise_code(code)
    if typed is None or not secret:
        return None
    key = _key(secret)
    now = step_at(moment)
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(hotp(key, step), typed):
            found = step
    if found is None or (after_step is not None and found <= after_step):
        return None
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (from a QR code or pasted)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    params = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def grouped(secret: str) -> str:
    """The secret in groups of four characters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- accounts -------------------------------------------------------------------------------------------


def secret_context(user_pk) -> str:
    """What a stored secret is bound to: this column of this account (migration orgs/0007 uses it too)."""
    return f"orgs.user.totp_secret:{user_pk}"


def secret_of(user) -> str:
    """The clear secret of an account ("" if none); ``SecretUnreadable`` if it cannot be decrypted."""
    try:
        return field_keys.decrypt(user.totp_secret, context=secret_context(user.pk))
    except field_keys.Unreadable as exc:
        raise SecretUnreadable from exc


def is_enrolled(user) -> bool:
    return bool(user.totp_secret) and user.totp_confirmed_at is not None


def required_for(user) -> bool:
    """Superusers and the holders of an administrator role must use a second factor."""
    return bool(user.is_superuser or holds_admin_role(user))


def _organization(user):
    from .accounts import organization_id_of

    return organization_id_of(user)


def enrol(user, *, secret: str, code, request=None) -> bool:
    """Bind ``secret`` to the account if ``code`` is its current code. False if the code is wrong."""
    step = match_step(secret, code)
    if step is None:
        return False
    now = timezone.now()
    stored = field_keys.encrypt(secret, context=secret_context(user.pk))
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(totp_secret=stored, totp_confirmed_at=now, totp_last_step=step)
        audit.record(
            action="orgs.account.totp_enrolled",
            actor=user,
            target=user,
            organization=_organization(user),
            data={"required": required_for(user)},
            request=request,
        )
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = stored, now, step
    return True


def verify(user, code) -> bool:
    """Check a login code and consume its step (the same code, or an older one, is refused after).

    ``SecretUnreadable`` if the stored secret cannot be decrypted (recorded in the audit log)."""
    with transaction.atomic():
        row = (
            User.objects.select_for_update()
            .filter(pk=user.pk)
            .values("totp_secret", "totp_confirmed_at", "totp_last_step")
            .first()
        )
        if row is None or not row["totp_secret"] or row["totp_confirmed_at"] is None:
            return False
        try:
            secret = field_keys.decrypt(row["totp_secret"], context=secret_context(user.pk))
        except field_keys.Unreadable:
            secret = None
        if secret is not None:
            step = match_step(secret, code, after_step=row["totp_last_step"])
            if step is None:
                return False
            User.objects.filter(pk=user.pk).update(totp_last_step=step)
    if secret is None:
        _unreadable(user)
        raise SecretUnreadable
    user.totp_last_step = step
    return True


def _unreadable(user) -> None:
    logger.error("TOTP secret of user %s cannot be decrypted (changed, or its key is gone)", user.pk)
    audit.record(
        action="orgs.account.totp_unreadable",
        target=user,
        organization=_organization(user),
        data={"field_keys": len(field_keys.configured_keys())},
    )


def _clear(user) -> None:
    User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=None)
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = "", None, None


def disable(user, *, code, request=None) -> str | None:
    """The person turns their own optional second factor off with a current code; the Chinese reason
    if refused."""
    if required_for(user):
        return ADMIN_REQUIRED + "如更换了手机,请联系安全管理员重置。"
    if not is_enrolled(user):
        return "您尚未启用两步验证。"
    try:
        if not verify(user, code):
            return "动态验证码不正确或已使用过,请输入验证器中显示的最新 6 位数字。"
    except SecretUnreadable as exc:
        return str(exc)
    with transaction.atomic():
        _clear(user)
        # This session stays logged in, the others end; the API tokens are revoked.
        end_sessions(user, reason=CredentialChange.TOTP_DISABLED, actor=user, request=request)
        audit.record(
            action="orgs.account.totp_disabled",
            actor=user,
            target=user,
            organization=_organization(user),
            data={"sessions_ended": True},
            request=request,
        )
    return None


def reset(user, *, actor, request=None) -> bool:
    """An administrator removes somebody's second factor (lost phone, or a secret that can no longer be
    decrypted); every session of the account ends, its API tokens are revoked, and they enrol again at
    the next login (administrators must). False if there was nothing to reset."""
    if not user.totp_secret and user.totp_confirmed_at is None:
        return False
    with transaction.atomic():
        _clear(user)
        end_sessions(user, reason=CredentialChange.TOTP_RESET, actor=actor, request=request)
        audit.record(
            action="orgs.account.totp_reset",
            actor=actor,
            target=user,
            organization=_organization(user),
            data={"required": required_for(user), "sessions_ended": True},
            request=request,
        )
    return True
