"""API tokens for staff integrations (an office automation system pushing documents in).

A token is shown once when issued; only its SHA-256 hash is stored, with the first characters kept
for display and for naming it when revoking. A token is never deleted: revoking it records when and why
(by hand, or because its owner's sessions were ended: ``gongkai.orgs.sessions.end_sessions``). A token
issued before its owner's latest password is refused even where nothing revoked it (``ApiToken.refusal``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongkai.orgs.constants import CredentialChange

KEY_PREFIX_LENGTH = 8


class RevocationReason(models.TextChoices):
    """By hand (the admin, ``gongkai token --revoke``), or every reason a person's sessions end."""

    MANUAL = "manual", _("手动吊销")
    PASSWORD_CHANGED = CredentialChange.PASSWORD_CHANGED.value, CredentialChange.PASSWORD_CHANGED.label
    PASSWORD_SET = CredentialChange.PASSWORD_SET.value, CredentialChange.PASSWORD_SET.label
    TOTP_RESET = CredentialChange.TOTP_RESET.value, CredentialChange.TOTP_RESET.label
    TOTP_DISABLED = CredentialChange.TOTP_DISABLED.value, CredentialChange.TOTP_DISABLED.label
    DEACTIVATED = CredentialChange.DEACTIVATED.value, CredentialChange.DEACTIVATED.label


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=80, blank=True)
    key_prefix = models.CharField(_("令牌前缀"), max_length=KEY_PREFIX_LENGTH, db_index=True, editable=False)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("吊销原因"), max_length=40, choices=RevocationReason.choices, blank=True, editable=False
    )
    # The owner's ``password_changed_at`` when the token was issued: the token is good only while it is
    # still the owner's (``refusal``). Compared for equality, so no clock is involved.
    password_stamp = models.DateTimeField(_("签发时的密码修改时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        label = f"{self.key_prefix}…"
        return f"{self.name} ({label})" if self.name else label

    def refusal(self, now=None) -> str | None:
        """Why this token may not be used now (Chinese), or None."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            if self.revoked_reason and self.revoked_reason != RevocationReason.MANUAL:
                return f"API 令牌已被吊销({self.get_revoked_reason_display()}),如仍需使用请重新签发。"
            return "API 令牌已被吊销。"
        if self.expires_at is not None and self.expires_at <= now:
            return "API 令牌已过期。"
        if not self.user.is_active:
            return "该 API 令牌所属的用户已停用。"
        # A token is good only under the password it was issued with. The services revoke tokens when
        # they set a password (``end_sessions``); this also covers a password set anywhere else
        # (``manage.py changepassword``, a shell). A hash upgrade at login is not a change: Django saves
        # only the hash then, and ``password_changed_at`` is kept (``User.set_password``).
        if self.user.password_changed_at != self.password_stamp:
            return "签发该 API 令牌后账户密码已被修改,令牌已失效,如仍需使用请重新签发。"
        return None
