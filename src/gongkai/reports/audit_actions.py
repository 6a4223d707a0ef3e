"""Named audit actions of the reports app (registered from ReportsConfig.ready).

Reading or printing an approval form changes nothing and is not recorded; exporting the ledger
hands a copy of the register out of the system, so it is.
"""

from django.utils.translation import gettext_lazy as _

from gongkai.audit.registry import registry

ACTIONS = {
    "reports.ledger.exported": _("导出审批表台账"),
}

for _action, _label in ACTIONS.items():
    registry.register(_action, _label)
