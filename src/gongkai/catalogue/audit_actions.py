from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

registry.register("catalogue.default_loaded", _("载入默认基本目录"))
registry.register("catalogue.imported", _("从 Excel 导入基本目录"))
