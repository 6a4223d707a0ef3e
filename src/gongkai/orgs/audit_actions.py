from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

registry.register("orgs.user.password_changed", _("后台修改用户密码"))
registry.register("orgs.user.staff_synced", _("随管理员角色调整后台登录权限"))
registry.register("orgs.account.password_changed", _("本人修改密码"))
registry.register("orgs.account.totp_enrolled", _("启用两步验证"))
registry.register("orgs.account.totp_disabled", _("停用两步验证"))
registry.register("orgs.account.totp_reset", _("重置他人两步验证"))
registry.register("orgs.account.totp_unreadable", _("两步验证密钥无法解密(拒绝验证码)"))
registry.register("orgs.field_keys.rotated", _("字段加密密钥轮换(重新加密)"))
