"""Password rules (等保 2.0 三级: 身份鉴别信息具有复杂度要求并定期更换).

Validators (listed in ``settings.AUTH_PASSWORD_VALIDATORS``, so every form that sets a password uses
them: the console's change page, the admin's set-password and add-user forms, ``createsuperuser``):

- ``ComplexityValidator``: at least 10 characters and at least three of the four classes (upper-case
  letters, lower-case letters, digits, symbols);
- ``UsernameValidator``: the password does not contain the user name (in any case);
- ``HistoryValidator``: none of the last 5 passwords again. It also records each new password's hash
  (``password_changed`` runs after ``user.save()`` whenever ``set_password`` was called).

Django's ``CommonPasswordValidator`` (and the similarity and all-digits validators) stay in the list.

Expiry: a password is valid for ``GONGKAI_PASSWORD_MAX_AGE_DAYS`` days (90) from ``password_changed_at``
(for accounts whose password was set before it was tracked: from ``date_joined``). A password set by an
administrator for somebody else must be changed by its owner at the next login
(``User.password_must_change``). The login flow checks both and confines the session to the
change-password page (``gongkai.orgs.accounts``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit

from .constants import CredentialChange
from .models import PasswordHistory, User
from .sessions import end_sessions

DEFAULT_MAX_AGE_DAYS = 90

CLASS_LABELS = {"upper": "大写字母", "lower": "小写字母", "digit": "数字", "symbol": "符号"}


def character_classes(password: str) -> set[str]:
    """Which of the four classes the password uses (letters outside ASCII count as neither case)."""
    found = set()
    for char in password:
        if char.isdigit():
            found.add("digit")
        elif char.isalpha() and char.isupper():
            found.add("upper")
        elif char.isalpha() and char.islower():
            found.add("lower")
        elif not char.isalpha() and not char.isspace():
            found.add("symbol")
    return found


class ComplexityValidator:
    def __init__(self, min_length: int = 10, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    f"密码太短:至少需要 {self.min_length} 个字符,当前只有 {len(password)} 个。",
                    code="password_too_short",
                )
            )
        used = character_classes(password)
        if len(used) < self.min_classes:
            have = "、".join(label for key, label in CLASS_LABELS.items() if key in used) or "无"
            errors.append(
                ValidationError(
                    f"密码须包含大写字母、小写字母、数字、符号四类中的至少 {self.min_classes} 类"
                    f"(当前只有:{have})。",
                    code="password_too_simple",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 个字符,包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"


class UsernameValidator:
    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").strip()
        if username and username.casefold() in password.casefold():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名。"


def _recent_hashes(user, count: int) -> list[str]:
    hashes = []
    if user.password:
        hashes.append(user.password)
    if user.pk is not None:
        for encoded in PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
            :count
        ]:
            if encoded not in hashes:
                hashes.append(encoded)
    return hashes[:count]


class HistoryValidator:
    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password: str, user=None) -> None:
        if user is None or not isinstance(user, User):
            return
        for encoded in _recent_hashes(user, self.count):
            if check_password(password, encoded):
                raise ValidationError(
                    f"新密码不能与最近 {self.count} 次使用过的密码相同。", code="password_reused"
                )

    def password_changed(self, password: str, user=None) -> None:
        if user is None or user.pk is None or not isinstance(user, User) or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[: self.count]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()

    def get_help_text(self) -> str:
        return f"不能与最近 {self.count} 次使用过的密码相同。"


# --- expiry -------------------------------------------------------------------------------------------


def max_age() -> datetime.timedelta:
    days = int(getattr(settings, "GONGKAI_PASSWORD_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS))
    return datetime.timedelta(days=days)


def expires_at(user) -> datetime.datetime | None:
    """When the password stops being accepted without a change (None: no expiry configured)."""
    if max_age() <= datetime.timedelta(0):
        return None
    start = user.password_changed_at or user.date_joined
    return start + max_age()


def is_expired(user, now: datetime.datetime | None = None) -> bool:
    due = expires_at(user)
    return due is not None and (now or timezone.now()) >= due


def change_reason(user, now: datetime.datetime | None = None) -> str | None:
    """Why the person must change their password before doing anything else (None if they need not)."""
    if not user.has_usable_password():
        return None
    if user.password_must_change:
        return "您的密码由管理员设置或重置,请先修改为只有您本人知道的新密码,然后才能继续使用。"
    if is_expired(user, now):
        return f"您的密码已使用超过 {max_age().days} 天,按安全要求须修改后才能继续使用。"
    return None


def mark_set_by_administrator(user, *, actor) -> None:
    """A password an administrator set for somebody else must be changed by its owner at the next login."""
    if actor is not None and actor.pk == user.pk:
        return
    User.objects.filter(pk=user.pk).update(password_must_change=True)
    user.password_must_change = True


def change_password(request, user, *, new_password: str) -> None:
    """The person's own change (the form has checked the old password and the rules). Keeps the session
    logged in under a new session key, ends the others, revokes the person's API tokens and records the
    event."""
    password_validation.validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "password_changed_at", "password_must_change"])
        # This session stays logged in (new session key), the others end, the API tokens are revoked.
        end_sessions(user, reason=CredentialChange.PASSWORD_CHANGED, actor=user, request=request)
        from .accounts import organization_id_of

        audit.record(
            action="orgs.account.password_changed",
            actor=user,
            target=user,
            organization=organization_id_of(user),
            data={"fields": ["password"]},
            request=request,
        )
