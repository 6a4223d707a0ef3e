from django.utils.translation import gettext_lazy as _

from .registry import registry

registry.register("audit.verified", _("审计日志完整性校验"))
