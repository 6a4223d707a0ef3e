"""Issuing, revoking and checking API tokens. Tokens are never stored in clear: only a SHA-256 hash."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.orgs.models import User
from gongkai.orgs.selectors import primary_membership

from .models import KEY_PREFIX_LENGTH, ApiToken, RevocationReason

TOKEN_PREFIX = "gk_"  # noqa: S105  (a marker, not a secret)
MAX_TOKEN_LENGTH = 200
MAX_EXPIRES_DAYS = 3650
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    """A token that may not be used, with a Chinese message for the caller."""


def generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _organization_of(user: User):
    membership = primary_membership(user)
    return membership.organization if membership else None


@transaction.atomic
def issue(
    *, user: User, name: str = "", expires_days: int | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it and the clear token, which is never shown again."""
    name = (name or "").strip()
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValueError("令牌名称不能超过80个字符。")
    if expires_days is not None and not (1 <= expires_days <= MAX_EXPIRES_DAYS):
        raise ValueError(f"有效天数须在 1 到 {MAX_EXPIRES_DAYS} 之间。")
    raw = generate()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        # The password as stored now (not as this in-memory user may remember it).
        password_stamp=User.objects.filter(pk=user.pk).values_list("password_changed_at", flat=True).get(),
        name=name,
        key_prefix=raw[:KEY_PREFIX_LENGTH],
        key_hash=hash_token(raw),
        created_at=now,
        expires_at=now + datetime.timedelta(days=expires_days) if expires_days else None,
    )
    audit.record(
        action="auth.token_issued",
        actor=actor,
        target=token,
        organization=_organization_of(user),
        data={
            "user": user.get_username(),
            "name": token.name,
            "prefix": token.key_prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, raw


@transaction.atomic
def revoke(*, user: User, prefix: str, actor: User | None = None) -> ApiToken:
    """Revoke the user's active token named by its prefix (or by the whole token)."""
    prefix = (prefix or "").strip()
    active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    if len(prefix) > KEY_PREFIX_LENGTH:
        matches = list(active.filter(key_hash=hash_token(prefix)))
    elif len(prefix) == KEY_PREFIX_LENGTH:
        matches = list(active.filter(key_prefix=prefix))
    else:
        raise ValueError(f"请提供令牌的前 {KEY_PREFIX_LENGTH} 个字符。")
    if not matches:
        raise ValueError(f"用户“{user.get_username()}”没有前缀为“{prefix[:KEY_PREFIX_LENGTH]}”的有效令牌。")
    if len(matches) > 1:
        raise ValueError("有多个有效令牌使用该前缀,请提供完整令牌。")
    token = matches[0]
    token.revoked_at = timezone.now()
    token.revoked_reason = RevocationReason.MANUAL
    token.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(
        action="auth.token_revoked",
        actor=actor,
        target=token,
        organization=_organization_of(user),
        data={"user": user.get_username(), "name": token.name, "prefix": token.key_prefix},
    )
    return token


@transaction.atomic
def revoke_all(*, user: User, reason: str, actor: User | None = None, request=None) -> int:
    """Revoke every token of ``user`` not yet revoked (expired ones too: an administrator could extend
    them), keeping the rows, and record one ``auth.tokens_revoked`` event naming how many (none if there
    were none). Called by ``gongkai.orgs.sessions.end_sessions``, inside the transaction of the change
    that ends the person's sessions; returns the number revoked."""
    reason = RevocationReason(reason)
    pending = list(
        ApiToken.objects.select_for_update()
        .filter(user_id=user.pk, revoked_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "key_prefix")
    )
    if not pending:
        return 0
    ApiToken.objects.filter(pk__in=[pk for pk, _ in pending]).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    audit.record(
        action="auth.tokens_revoked",
        actor=actor,
        target=user,
        organization=_organization_of(user),
        data={
            "user": user.get_username(),
            "count": len(pending),
            "reason": reason.value,
            "prefixes": [prefix for _, prefix in pending],
        },
        request=request,
    )
    return len(pending)


def authenticate(raw: str) -> ApiToken:
    """The usable token for a clear token, or TokenRefused with the reason."""
    raw = (raw or "").strip()
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.isascii():
        raise TokenRefused("API 令牌无效。")
    digest = hash_token(raw)
    # The lookup is by hash: an attacker controls the token, not its hash, so timing reveals nothing
    # about stored tokens; the final comparison is constant-time as well.
    token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        raise TokenRefused("API 令牌无效。")
    now = timezone.now()
    reason = token.refusal(now)
    if reason:
        raise TokenRefused(reason)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
