"""Who may do what to an item: each rule is an ordinary predicate, tested as a role × action matrix.

Each `*_failures` function returns the reasons (Chinese, for the user) why the action is refused;
an empty list means allowed. `can_*` wrappers give booleans for templates and `rules`.
"""

from __future__ import annotations

import functools
import operator

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.query import ModelIterable

from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import membership_for, organizations_of

from .constants import (
    DEFAULT_REVIEW_CHAIN,
    REVIEW_ROLES,
    DisclosureAttribute,
    ItemStatus,
    RevisionStatus,
    StepScope,
    TaskStatus,
)
from .models import InformationItem, ReviewStep, ReviewTask, Revision

NOT_MEMBER = "您不是该机构的工作人员。"
NOT_FOUND = "没有找到该信息。"
NO_PENDING_STEP = "该信息当前没有待审核的环节。"
CANNOT_ACT = "您不能对该信息执行此操作。"


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


def view_failures(user, item: InformationItem) -> list[str]:
    """May this person open the item in the console and the staff API (`visible_items`)?"""
    if membership_for(user, item.organization_id) is None:
        return [NOT_MEMBER]
    return [] if visible_items(user).filter(pk=item.pk).exists() else [NOT_FOUND]


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


# --- who sees an item (issue 9: no access beyond role or department) ------------------------------------
#
# Every member of an organisation sees its published items (as published). A draft — an item never
# published, or the unpublished revision of a published one, with its attachments, findings, opinions and
# history — is seen only by
#   (a) the members of the department that owns it (the lead department of its working or live revision)
#       and the person who wrote or submitted the working revision;
#   (b) the people whose role has a step in its review chain: the organisation's `ReviewStep` rows (or the
#       default chain `services.ensure_default_chain` will create), each step with its scope (lead
#       department, a fixed department, any department), plus the steps of its own review rounds
#       (`ReviewTask`), and the policy department's opinion on a 行政规范性文件 (interpretation I4, required
#       before the last step: `interpretation.rules.approval_failures`);
#   (c) the roles that oversee the whole organisation: office editors (they edit, publish, withdraw and
#       fast-track any item) and leaders (post-review of any item; `reports.oversight.sees_organization`).
# The three administrators get nothing from their administrator roles here (三员分立: they administer
# accounts, settings and the audit log, not content); as members of a department they see its drafts.
# Everybody else gets a 404. `visible_items` is the one place this is decided: console views, selectors
# and the staff API read items through it.

# Revisions every member may read: the live one and the ones it replaced.
PUBLIC_REVISION_STATUSES = (RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED)
ORGANISATION_WIDE_ROLES = (Role.OFFICE_EDITOR, Role.LEADER)


def review_chains(organization_ids) -> dict[int, list[tuple[str, str, int | None]]]:
    """(role, scope, department id) of every step each organisation's items go through."""
    chains: dict[int, list] = {org_id: [] for org_id in organization_ids}
    for step in ReviewStep.objects.filter(organization_id__in=chains).order_by("position"):
        chains[step.organization_id].append((step.role, step.scope, step.department_id))
    for chain in chains.values():
        if not chain:  # the default chain is created at the first submission
            chain.extend((role, scope, None) for _name, role, scope in DEFAULT_REVIEW_CHAIN)
    return chains


def _normative_entry_ids(organization_id: int) -> list[int]:
    """The catalogue entries whose documents are 行政规范性文件 (`interpretation.rules.scope_of`)."""
    from gongkai.catalogue.constants import InterpretationScope
    from gongkai.catalogue.models import CatalogueEntry
    from gongkai.interpretation.rules import scope_of

    entries = {
        e.pk: e
        for e in CatalogueEntry.objects.filter(organization_id=organization_id).only(
            "pk", "parent_id", "interpretation"
        )
    }
    for entry in entries.values():  # the tree in memory, so scope_of reads no more rows
        if entry.parent_id in entries:
            entry.parent = entries[entry.parent_id]
    return [pk for pk, entry in entries.items() if scope_of(entry) == InterpretationScope.NORMATIVE]


def _policy_opinion_items(organization_id: int) -> Q:
    """Items whose working revision needs the policy department's opinion (I4), or that have one."""
    from gongkai.interpretation.models import PolicyOpinion

    needs = Q(latest_revision__needs_interpretation=True) | Q(
        latest_revision__needs_interpretation__isnull=True
    )
    return Q(
        needs,
        latest_revision__catalogue_entry_id__in=_normative_entry_ids(organization_id),
        latest_revision__interpretation_form="",
    ) | Exists(PolicyOpinion.objects.filter(revision__item=OuterRef("pk")))


def _draft_readers(user, m, chain) -> Q:
    """The items of m's organisation whose drafts this member may read (organisation filter added by the
    caller); an empty Q means all of them."""
    if any(m.has_role(role) for role in ORGANISATION_WIDE_ROLES):
        return Q()
    dept = m.department_id
    for role, scope, step_dept in chain:
        if m.has_role(role) and (
            scope == StepScope.ANY_DEPARTMENT
            or (scope == StepScope.FIXED_DEPARTMENT and dept is not None and step_dept == dept)
        ):
            return Q()  # a step every item of the organisation reaches, and this person may take it
    q = Q(latest_revision__created_by=user) | Q(latest_revision__submitted_by=user)
    if dept is not None:
        # The lead-department steps (科室审核) are the department's own: (a) already covers them.
        q |= Q(latest_revision__lead_department_id=dept) | Q(live_revision__lead_department_id=dept)
    roles = [role for role in m.roles if role in REVIEW_ROLES]
    if roles:
        scope = Q(scope=StepScope.ANY_DEPARTMENT)
        if dept is not None:
            scope |= Q(scope=StepScope.FIXED_DEPARTMENT, department_id=dept) | Q(
                scope=StepScope.LEAD_DEPARTMENT, revision__lead_department_id=dept
            )
        tasks = ReviewTask.objects.filter(scope, revision__item=OuterRef("pk"), role__in=roles)
        q |= Exists(tasks)
    if m.has_role(Role.POLICY_REVIEWER):
        q |= _policy_opinion_items(m.organization_id)
    return q


def draft_readers(user) -> Q | None:
    """The items whose drafts this person may read, as a condition on InformationItem (None: no member)."""
    members = [membership_for(user, org) for org in organizations_of(user)]
    members = [m for m in members if m is not None]
    if not members:
        return None
    chains = review_chains({m.organization_id for m in members})
    return functools.reduce(
        operator.or_,
        (
            Q(organization_id=m.organization_id) & _draft_readers(user, m, chains[m.organization_id])
            for m in members
        ),
    )


class SeenItems(ModelIterable):
    """Items as the person may see them (`visible_items`): see `hide_unpublished`."""

    def __iter__(self):
        for item in super().__iter__():
            yield hide_unpublished(item)


def hide_unpublished(item: InformationItem) -> InformationItem:
    """For someone who may not read the item's drafts, the item looks as if it had no unpublished
    revision: `latest_revision` is the live one; `hidden_revision_id` keeps the real one (such an item is
    never saved). Needs the `drafts_visible` annotation of `visible_items`."""
    item.hidden_revision_id = None
    if not item.drafts_visible and item.latest_revision_id != item.live_revision_id:
        item.hidden_revision_id = item.latest_revision_id
        item.latest_revision = item.live_revision
    return item


def visible_items(user, queryset: QuerySet | None = None) -> QuerySet:
    """The items this person may see: the published ones of their organisations and the drafts of
    `draft_readers`; each comes annotated with `drafts_visible` and, where that is false, with its
    unpublished revision hidden (`hide_unpublished`)."""
    qs = InformationItem.objects.all() if queryset is None else queryset
    drafts = draft_readers(user)
    if drafts is None:
        return qs.none()
    organizations = [org.pk for org in organizations_of(user)]
    qs = qs.filter(Q(organization_id__in=organizations, live_revision__isnull=False) | drafts)
    if "drafts_visible" not in qs.query.annotations:
        qs = qs.annotate(drafts_visible=ExpressionWrapper(drafts, output_field=BooleanField()))
    qs._iterable_class = SeenItems
    return qs


def visible_revisions(item: InformationItem) -> QuerySet:
    """The revisions of an item read through `visible_items`: all of them for those who may read its
    drafts, else those that were public."""
    revisions = Revision.objects.filter(item_id=item.pk)
    if not item.drafts_visible:
        revisions = revisions.filter(status__in=PUBLIC_REVISION_STATUSES)
    return revisions


def hidden_revision_failures(item: InformationItem, failures) -> list[str]:
    """An action on the working revision by someone from whom it is hidden (`hide_unpublished`) is refused
    before the service reads the real item, with ``failures(item)``: the reasons the item as they see it
    gives, so the refusal is the one a published item without a revision gets (never a hint that an
    unpublished revision exists). Empty when nothing is hidden."""
    if not getattr(item, "hidden_revision_id", None):
        return []
    return failures(item) or [CANNOT_ACT]
