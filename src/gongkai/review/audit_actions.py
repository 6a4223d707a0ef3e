from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

registry.register("review.dictionary.changed", _("修改表述词库"))
registry.register("review.finding.acknowledged", _("确认审核提示"))
registry.register("review.finding.masked", _("一键脱敏"))
registry.register("review.media.confirmed", _("确认已审看音视频"))
registry.register("review.patrol.run", _("巡查已发布信息"))
