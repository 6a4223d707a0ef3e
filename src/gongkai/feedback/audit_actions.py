from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

registry.register("feedback.received", _("收到网民纠错"))
registry.register("feedback.answered", _("答复网民纠错"))
registry.register("feedback.rejected", _("网民纠错认定为无效"))
registry.register("feedback.escalated", _("网民纠错到期提醒"))
