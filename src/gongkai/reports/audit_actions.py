"""Named audit actions of the reports app (registered from ReportsConfig.ready).

Reading or printing an approval form changes nothing and is not recorded; exporting the ledger
hands a copy of the register out of the system, so it is. The annual report's entered figures and
texts are recorded at each save, and so is the making of its publication draft.
"""

from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

ACTIONS = {
    "reports.ledger.exported": _("导出审批表台账"),
    "reports.annual.saved": _("保存政府信息公开工作年度报告"),
    "reports.annual.publication_drafted": _("生成政府信息公开工作年度报告发布稿"),
    "reports.oversight.exported": _("导出统计监督数据"),
    "reports.annual.reminded": _("年度报告发布提醒"),
}

for _action, _label in ACTIONS.items():
    registry.register(_action, _label)
