"""Organisations (发布机构), their departments (科室) and the people who work in them."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .constants import DepartmentKind, Role

DEFAULT_INDEX_PATTERN = "{org_code}/{year}-{serial:05d}"


def validate_index_pattern(pattern: str) -> None:
    """An index pattern names the organisation and the serial; with {year} the serial restarts yearly.

    The organisation code keeps numbers of different organisations apart (索引号 are unique across a
    deployment); the seed's own numbers (jz-lfw-0001-00012) have no year, so the year is optional."""
    from django.core.exceptions import ValidationError

    if "{org_code" not in pattern or "{serial" not in pattern:
        raise ValidationError(_("索引号格式必须包含 {org_code} 和 {serial}。"))
    try:
        pattern.format(org_code="x", year=2026, serial=1)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        raise ValidationError(_("索引号格式无效:只能使用 {org_code}、{year}、{serial} 占位符。")) from exc


class Organization(models.Model):
    """A government body that discloses information. One deployment serves many (集约化)."""

    code = models.CharField(
        _("机构代码"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9_.-]+$", _("机构代码只能包含字母、数字、点、下划线和连字符。"))
        ],
        help_text=_("用于索引号前缀,例如 jz-lfw 或统一社会信用代码。"),
    )
    name = models.CharField(_("机构名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    site_domain = models.CharField(_("网站域名"), max_length=120, blank=True)
    site_id_code = models.CharField(_("网站标识码"), max_length=40, blank=True)
    index_pattern = models.CharField(
        _("索引号格式"),
        max_length=80,
        default=DEFAULT_INDEX_PATTERN,
        validators=[validate_index_pattern],
        help_text=_(
            "可用占位符:{org_code}(必填)、{year}(流水号每年重新编号)、{serial}(必填,如 {serial:05d} 表示五位流水号)。"
        ),
    )
    urgent_review_hours = models.PositiveIntegerField(_("紧急发布事后审核时限(小时)"), default=24)
    interpretation_workdays = models.PositiveSmallIntegerField(
        _("政策解读时限(工作日)"),
        default=10,
        help_text=_("解读材料与文件同步发布,最迟不超过文件发布后的工作日数(默认10,不少地方为3)。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="departments", verbose_name=_("机构")
    )
    code = models.CharField(_("科室代码"), max_length=40)
    name = models.CharField(_("科室名称"), max_length=80)
    kind = models.CharField(
        _("类型"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.BUSINESS
    )
    ordering = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("科室")
        verbose_name_plural = _("科室")
        ordering = ["organization", "ordering", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="uniq_department_code"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    # Account security (等保 2.0; gongkai.orgs.passwords and gongkai.orgs.totp).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True, editable=False)
    password_must_change = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        editable=False,
        help_text=_("密码由管理员设置或重置后,本人下次登录须先修改密码。"),
    )
    # The TOTP secret, encrypted (gongkai.orgs.field_keys: "fernet:" + token; the key is not in the
    # database). Read it with gongkai.orgs.totp.secret_of; it is never shown again after enrolment.
    totp_secret = models.CharField(_("两步验证密钥(密文)"), max_length=255, blank=True, editable=False)
    totp_confirmed_at = models.DateTimeField(_("两步验证启用时间"), null=True, blank=True, editable=False)
    totp_last_step = models.BigIntegerField(
        _("最近使用的验证码时间步"), null=True, blank=True, editable=False
    )
    # Mixed into the session HMAC: a new value ends every session of the account (gongkai.orgs.sessions).
    session_stamp = models.CharField(_("会话标记"), max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django's HMAC of the password hash (what ends sessions at a password change), with the session
        # stamp when there is one (what ends them when the second factor is reset). Accounts without a
        # stamp keep Django's value, so this code ended no session when it was deployed.
        if not self.session_stamp:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "gongkai.orgs.models.User.session_auth_hash",
            f"{self.password}\x00{self.session_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def set_password(self, raw_password):
        super().set_password(raw_password)
        # Whoever sets it next decides whether it must change (the admin marks passwords it sets).
        self.password_changed_at = timezone.now()
        self.password_must_change = False


class PasswordHistory(models.Model):
    """Hashes of a person's recent passwords (the current one included), so none is reused too soon."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("用户")
    )
    password = models.CharField(_("密码哈希"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="orgs_pwhist_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class Membership(models.Model):
    """A person's place in one organisation: a department and the roles they hold there."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("机构")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
        verbose_name=_("科室"),
    )
    roles = models.JSONField(_("角色"), default=list)
    can_fast_track = models.BooleanField(
        _("紧急发布权限"), default=False, help_text=_("可先发布、后审核时效性要求高的信息(须说明理由)。")
    )

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.roles if r in Role.values]
