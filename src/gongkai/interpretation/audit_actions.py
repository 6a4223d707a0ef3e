from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

registry.register("interpretation.plan.saved", _("保存解读方案"))
registry.register("interpretation.policy_opinion.given", _("政策法规科出具解读意见"))
registry.register("interpretation.deadline.escalated", _("政策解读期限预警"))
