"""Who may do what to an item: each rule is an ordinary predicate, tested as a role × action matrix.

Each `*_failures` function returns the reasons (Chinese, for the user) why the action is refused;
an empty list means allowed. `can_*` wrappers give booleans for templates and `rules`.
"""

from __future__ import annotations

import functools

from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import membership_for

from .constants import DisclosureAttribute, ItemStatus, RevisionStatus, StepScope, TaskStatus
from .models import InformationItem, ReviewTask

NOT_MEMBER = "您不是该机构的工作人员。"


def _organization_id(obj) -> int:
    if isinstance(obj, InformationItem):
        return obj.organization_id
    if isinstance(obj, ReviewTask):
        return obj.revision.item.organization_id
    return getattr(obj, "pk", obj)  # an Organization or its id


def for_members(rule):
    """Refuse people outside the object's organisation; otherwise call `rule(membership, user, obj, ...)`."""

    @functools.wraps(rule)
    def check(user, obj, *args, **kwargs) -> list[str]:
        membership = membership_for(user, _organization_id(obj))
        if membership is None:
            return [NOT_MEMBER]
        return rule(membership, user, obj, *args, **kwargs)

    return check


@for_members
def create_failures(m, user, organization, lead_department=None) -> list[str]:
    if not (m.has_role(Role.DRAFTER) or m.has_role(Role.OFFICE_EDITOR)):
        return ["只有起草人或办公室编辑可以新建政府信息。"]
    if (
        lead_department is not None
        and not m.has_role(Role.OFFICE_EDITOR)
        and lead_department.pk != m.department_id
    ):
        return ["起草人只能以本科室为牵头科室起草信息(谁制作、谁负责)。"]
    return []


@for_members
def edit_failures(m, user, item: InformationItem) -> list[str]:
    revision = item.latest_revision
    if revision is None or revision.status not in (RevisionStatus.DRAFT, RevisionStatus.REJECTED):
        return ["只有草稿或被退回的信息可以修改。"]
    if revision.created_by_id == user.pk:
        return []
    if m.has_role(Role.OFFICE_EDITOR):
        return []
    if m.has_role(Role.DRAFTER) and m.department_id == revision.lead_department_id:
        return []
    return ["只有起草人、牵头科室的起草人或办公室编辑可以修改该信息。"]


def submit_failures(user, item: InformationItem) -> list[str]:
    return edit_failures(user, item)


@for_members
def decide_failures(m, user, task: ReviewTask) -> list[str]:
    """May this person approve or reject this review step?"""
    revision = task.revision
    reasons = []
    if task.status != TaskStatus.PENDING:
        reasons.append("该审核环节当前不在待审核状态。")
    if not m.has_role(task.role):
        reasons.append(f"“{task.name}”需要{Role(task.role).label}角色。")
    if task.scope == StepScope.LEAD_DEPARTMENT and m.department_id != revision.lead_department_id:
        reasons.append("该环节由牵头(制作)科室审核(谁制作、谁审查)。")
    if task.scope == StepScope.FIXED_DEPARTMENT and m.department_id != task.department_id:
        reasons.append("该环节须由指定科室审核。")
    if user.pk in (revision.submitted_by_id, revision.created_by_id):
        reasons.append("提交人或起草人不能审核自己的信息。")
    return reasons


@for_members
def publish_failures(m, user, item: InformationItem) -> list[str]:
    reasons = []
    revision = item.latest_revision
    if not m.has_role(Role.OFFICE_EDITOR):
        reasons.append("只有办公室编辑可以发布信息。")
    if revision is None or revision.status != RevisionStatus.APPROVED:
        reasons.append("信息尚未完成全部审核环节(先审查、后发布)。")
    elif revision.disclosure_attribute != DisclosureAttribute.PROACTIVE:
        reasons.append("只有公开属性为“主动公开”的信息可以发布。")
    if revision is not None and user.pk in (revision.submitted_by_id, revision.created_by_id):
        reasons.append("提交人不能发布自己的信息。")
    return reasons


@for_members
def fast_track_failures(m, user, item: InformationItem) -> list[str]:
    reasons = []
    if not (m.has_role(Role.OFFICE_EDITOR) and m.can_fast_track):
        reasons.append("您没有紧急发布权限。")
    revision = item.latest_revision
    if revision is None or revision.status in (
        RevisionStatus.PUBLISHED,
        RevisionStatus.SUPERSEDED,
    ):
        reasons.append("没有可发布的新版本。")
    elif revision.status == RevisionStatus.REJECTED:
        reasons.append("该信息已被审核退回,须修改后重新提交,不能以紧急发布绕过退回意见。")
    elif revision.disclosure_attribute != DisclosureAttribute.PROACTIVE:
        reasons.append("只有公开属性为“主动公开”的信息可以发布。")
    return reasons


@for_members
def post_review_failures(m, user, item: InformationItem) -> list[str]:
    reasons = []
    if not item.fast_tracked or item.post_reviewed_at is not None:
        reasons.append("该信息不需要事后审核。")
    if not (m.has_role(Role.OFFICE_EDITOR) or m.has_role(Role.LEADER)):
        reasons.append("事后审核须由办公室编辑或分管领导进行。")
    if user.pk == item.fast_tracked_by_id or (
        item.live_revision is not None and user.pk == item.live_revision.created_by_id
    ):
        reasons.append("紧急发布人或起草人不能对自己的信息进行事后审核。")
    return reasons


@for_members
def revise_failures(m, user, item: InformationItem) -> list[str]:
    reasons = []
    if item.status != ItemStatus.PUBLISHED:
        reasons.append("只有已发布的信息可以修订。")
    if item.latest_revision_id != item.live_revision_id:
        reasons.append("该信息已有一个正在处理的修订版本。")
    lead = item.live_revision.lead_department_id if item.live_revision else None
    if not (m.has_role(Role.OFFICE_EDITOR) or (m.has_role(Role.DRAFTER) and m.department_id == lead)):
        reasons.append("只有牵头科室的起草人或办公室编辑可以修订该信息。")
    return reasons


@for_members
def withdraw_failures(m, user, item: InformationItem) -> list[str]:
    reasons = []
    if not m.has_role(Role.OFFICE_EDITOR):
        reasons.append("只有办公室编辑可以撤回信息。")
    if item.status != ItemStatus.PUBLISHED:
        reasons.append("只有已发布的信息可以撤回。")
    return reasons


@for_members
def abolish_failures(m, user, item: InformationItem) -> list[str]:
    reasons = []
    lead = item.live_revision.lead_department_id if item.live_revision else None
    if not (m.has_role(Role.OFFICE_EDITOR) or (m.has_role(Role.DEPARTMENT_HEAD) and m.department_id == lead)):
        reasons.append("只有办公室编辑或牵头科室负责人可以标注废止。")
    if item.status != ItemStatus.PUBLISHED:
        reasons.append("只有已发布的信息可以标注废止。")
    return reasons


@for_members
def view_failures(m, user, item: InformationItem) -> list[str]:
    """Staff of the organisation see its items in the console; nobody else does."""
    return []


def can(action: str, user, obj, **kwargs) -> bool:
    return not FAILURES[action](user, obj, **kwargs)


FAILURES = {
    "view": view_failures,
    "edit": edit_failures,
    "submit": submit_failures,
    "decide": decide_failures,
    "publish": publish_failures,
    "fast_track": fast_track_failures,
    "post_review": post_review_failures,
    "revise": revise_failures,
    "withdraw": withdraw_failures,
    "abolish": abolish_failures,
}
