from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

registry.register("workdays.override.set", _("设置工作日调整"))
registry.register("workdays.override.deleted", _("删除工作日调整"))
registry.register("workdays.year.published", _("标记放假安排已发布"))
registry.register("workdays.year.unpublished", _("取消放假安排已发布标记"))
