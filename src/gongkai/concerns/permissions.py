"""Who may do what with 政务舆情. Each predicate returns the Chinese reasons for refusing ([] = allowed).

- The office (办公室编辑), the dedicated monitors (舆情监测员) and the leaders see and handle every case.
- 谁主管谁负责: the head of the responsible department handles that department's cases; its other people
  see them and may record what they did (responses, reports), but severity, department and closing
  stay with the office, the monitors and the leaders.
- Sources, monitoring rules, settings and robots are kept by the office and the monitors.
"""

from __future__ import annotations

from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import membership_for

COORDINATORS = (Role.OFFICE_EDITOR, Role.CONCERN_MONITOR, Role.LEADER)
KEEPERS = (Role.OFFICE_EDITOR, Role.CONCERN_MONITOR)


def _membership(user, organization_id):
    if user is None or not getattr(user, "is_active", False):
        return None
    return membership_for(user, organization_id)


def _has_any(m, roles) -> bool:
    return m is not None and any(m.has_role(r) for r in roles)


def is_coordinator(user, organization_id) -> bool:
    return _has_any(_membership(user, organization_id), COORDINATORS)


def view_all_failures(user, organization_id) -> list[str]:
    """Seeing every case, mention and the dashboard."""
    if is_coordinator(user, organization_id):
        return []
    return ["只有办公室、舆情监测员和局领导可以查看全部舆情。"]


def view_case_failures(user, case) -> list[str]:
    m = _membership(user, case.organization_id)
    if m is None:
        return ["您不是本机构的工作人员。"]
    if _has_any(m, COORDINATORS):
        return []
    if case.department_id and m.department_id == case.department_id:
        return []
    return ["只有办公室、舆情监测员、局领导和责任科室可以查看该舆情事件。"]


def handle_case_failures(user, case) -> list[str]:
    """Moving the case on, writing the assessment (研判)."""
    m = _membership(user, case.organization_id)
    if _has_any(m, COORDINATORS):
        return []
    if (
        m is not None
        and case.department_id
        and m.department_id == case.department_id
        and m.has_role(Role.DEPARTMENT_HEAD)
    ):
        return []
    return ["只有办公室、舆情监测员、局领导和责任科室负责人可以处置该舆情事件。"]


def record_failures(user, case) -> list[str]:
    """Recording responses, reports and referrals: also the responsible department's people."""
    return view_case_failures(user, case)


def coordinate_failures(user, case) -> list[str]:
    """Severity, responsible department, closing, merging: the office, the monitors and the leaders."""
    if is_coordinator(user, case.organization_id):
        return []
    return ["只有办公室、舆情监测员和局领导可以调整级别、责任科室或办结事件。"]


def keep_sources_failures(user, organization_id) -> list[str]:
    if _has_any(_membership(user, organization_id), KEEPERS):
        return []
    return ["只有办公室编辑和舆情监测员可以管理舆情来源、监测规则和设置。"]


def enter_mention_failures(user, organization_id) -> list[str]:
    m = _membership(user, organization_id)
    if m is None:
        return ["您不是本机构的工作人员。"]
    if _has_any(m, COORDINATORS) or m.has_role(Role.DEPARTMENT_HEAD):
        return []
    return ["只有办公室、舆情监测员、局领导和科室负责人可以录入舆情信息。"]
