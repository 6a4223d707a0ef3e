from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles a person holds in one organisation (a membership may hold several)."""

    DRAFTER = "drafter", _("起草人")
    DEPARTMENT_HEAD = "department_head", _("科室负责人")
    CONFIDENTIALITY_REVIEWER = "confidentiality_reviewer", _("保密审查员")
    OFFICE_EDITOR = "office_editor", _("办公室编辑(发布)")
    CONCERN_MONITOR = "concern_monitor", _("舆情监测员")
    LEADER = "leader", _("分管领导")
    POLICY_REVIEWER = "policy_reviewer", _("政策法规科审核")
    # 三员分立: the three separated administrators.
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("安全审计员")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class DepartmentKind(models.TextChoices):
    BUSINESS = "business", _("业务科室")
    OFFICE = "office", _("办公室")
    POLICY = "policy", _("政策法规科")
    LEADERSHIP = "leadership", _("局领导")


class CredentialChange(models.TextChoices):
    """Why every session of a person ends (``gongkai.orgs.sessions.end_sessions``); their API tokens
    are revoked for the same reason (``gongkai.api.models.ApiToken.revoked_reason``)."""

    PASSWORD_CHANGED = "password_changed", _("本人修改了密码")
    PASSWORD_SET = "password_set", _("管理员重设了密码")
    TOTP_RESET = "totp_reset", _("管理员重置了两步验证")
    TOTP_DISABLED = "totp_disabled", _("本人停用了两步验证")
    DEACTIVATED = "deactivated", _("账号已被停用")
