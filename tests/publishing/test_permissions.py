"""Who may act on an item: a role × action matrix over every transition of the publishing workflow.

Each case calls the real service as one person and checks WorkflowError (refused) or success, and that
a refused call changes nothing. The expected table below is the spec, written out by hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from gongkai.orgs.constants import Role
from gongkai.orgs.models import User
from gongkai.publishing import permissions, services
from gongkai.publishing.constants import DisclosureAttribute, ItemStatus, RevisionStatus, TaskStatus
from gongkai.publishing.models import InformationItem, ReviewTask, Revision
from gongkai.publishing.services import WorkflowError
from tests.factories import ALL_BOTTOM_LINES, item_data, make_approved, make_draft, make_published, make_staff
from tests.orgs.factories import MembershipFactory, UserFactory

from .helpers import (
    CHAIN_PEOPLE,
    advance_to_step,
    chinese,
    fresh,
    outsider,
    person,
    snapshot,
    submitted,
    world_snapshot,
)

PEOPLE = [
    "drafter",
    "head",
    "other_head",
    "other_drafter",
    "secrecy",
    "editor",
    "editor2",
    "leader",
    "policy_reviewer",
    "system_admin",
    "security_admin",
    "audit_admin",
    "outsider",  # holds every workflow role, but in another organisation
]

# The spec: exactly these people may perform each action on an item of 艺术科 (staff.dept) drafted and
# submitted by staff.drafter. Everybody else is refused; the three administrators appear nowhere.
ALLOWED = {
    "create": {"drafter", "editor", "editor2"},  # 谁制作: other_drafter cannot draft for 艺术科
    "edit": {"drafter", "editor", "editor2"},
    "submit": {"drafter", "editor", "editor2"},
    "approve step 1 科室审核": {"head"},  # 谁制作谁审查: only the lead department's head
    "reject step 1 科室审核": {"head"},
    "approve step 2 保密审查": {"secrecy"},
    "reject step 2 保密审查": {"secrecy"},
    "approve step 3 办公室审核": {"editor", "editor2"},
    "reject step 3 办公室审核": {"editor", "editor2"},
    "approve step 4 分管领导签发": {"leader"},
    "reject step 4 分管领导签发": {"leader"},
    "publish": {"editor", "editor2"},
    "fast_track": {"editor"},  # editor2 has no fast-track right
    "post_review": {"editor2", "leader"},  # never the fast-tracker (editor) nor the drafter
    "revise": {"drafter", "editor", "editor2"},
    "withdraw": {"editor", "editor2"},
    "abolish": {"head", "editor", "editor2"},  # the lead department's head or the office
}


@dataclass
class Scenario:
    setup: Callable  # staff -> item (or None for create)
    act: Callable  # (staff, user, item) -> None; raises WorkflowError when refused
    failures: Callable  # (staff, user, item) -> list of reasons from gongkai.publishing.permissions
    done: Callable  # (staff, user, item) -> bool: the effect of an allowed action is there


def _step_scenario(position: int, decision: str) -> Scenario:
    def setup(staff):
        return advance_to_step(staff, submitted(staff), position)

    def act(staff, user, item):
        if decision == "approve":
            services.approve_step(user=user, item=item, opinion="同意发布", bottom_lines=ALL_BOTTOM_LINES)
        else:
            services.reject_step(user=user, item=item, opinion="请补充活动经费来源")

    def failures(staff, user, item):
        return permissions.FAILURES["decide"](user, services.current_task(item))

    def done(staff, user, item):
        task = ReviewTask.objects.get(revision=fresh(item).latest_revision, round=1, position=position)
        expected = TaskStatus.APPROVED if decision == "approve" else TaskStatus.REJECTED
        return task.status == expected and task.decided_by_id == user.pk

    return Scenario(setup, act, failures, done)


def _fast_tracked(staff):
    item = make_draft(staff)
    return services.fast_track_publish(user=staff.editor, item=item, reason="防汛应急,须立即发布")


SCENARIOS: dict[str, Scenario] = {
    "create": Scenario(
        setup=lambda staff: None,
        act=lambda staff, user, item: services.create_draft(
            user=user, organization=staff.org, data=item_data(staff)
        ),
        failures=lambda staff, user, item: permissions.create_failures(user, staff.org, staff.dept),
        done=lambda staff, user, item: InformationItem.objects.filter(created_by=user).exists(),
    ),
    "edit": Scenario(
        setup=make_draft,
        act=lambda staff, user, item: services.update_draft(
            user=user, item=item, data={"summary": "修改后的内容概述。"}, lock_version=item.lock_version
        ),
        failures=lambda staff, user, item: permissions.FAILURES["edit"](user, item),
        done=lambda staff, user, item: fresh(item).latest_revision.summary == "修改后的内容概述。",
    ),
    "submit": Scenario(
        setup=make_draft,
        act=lambda staff, user, item: services.submit_for_review(user=user, item=item),
        failures=lambda staff, user, item: permissions.FAILURES["submit"](user, item),
        done=lambda staff, user, item: fresh(item).status == ItemStatus.IN_REVIEW,
    ),
    **{
        f"{decision} step {position} {name}": _step_scenario(position, decision)
        for position, name in ((1, "科室审核"), (2, "保密审查"), (3, "办公室审核"), (4, "分管领导签发"))
        for decision in ("approve", "reject")
    },
    "publish": Scenario(
        setup=make_approved,
        act=lambda staff, user, item: services.publish(user=user, item=item),
        failures=lambda staff, user, item: permissions.FAILURES["publish"](user, item),
        done=lambda staff, user, item: fresh(item).is_public,
    ),
    "fast_track": Scenario(
        setup=make_draft,
        act=lambda staff, user, item: services.fast_track_publish(
            user=user, item=item, reason="防汛应急,须立即发布"
        ),
        failures=lambda staff, user, item: permissions.FAILURES["fast_track"](user, item),
        done=lambda staff, user, item: fresh(item).is_public and fresh(item).fast_tracked_by_id == user.pk,
    ),
    "post_review": Scenario(
        setup=_fast_tracked,
        act=lambda staff, user, item: services.confirm_post_review(user=user, item=item, opinion="内容无误"),
        failures=lambda staff, user, item: permissions.FAILURES["post_review"](user, item),
        done=lambda staff, user, item: fresh(item).post_reviewed_by_id == user.pk,
    ),
    "revise": Scenario(
        setup=make_published,
        act=lambda staff, user, item: services.start_revision(user=user, item=item),
        failures=lambda staff, user, item: permissions.FAILURES["revise"](user, item),
        done=lambda staff, user, item: fresh(item).latest_revision.created_by_id == user.pk,
    ),
    "withdraw": Scenario(
        setup=make_published,
        act=lambda staff, user, item: services.withdraw(user=user, item=item, reason="内容有误,撤回更正"),
        failures=lambda staff, user, item: permissions.FAILURES["withdraw"](user, item),
        done=lambda staff, user, item: fresh(item).status == ItemStatus.WITHDRAWN,
    ),
    "abolish": Scenario(
        setup=make_published,
        act=lambda staff, user, item: services.abolish(
            user=user, item=item, abolished_on=datetime.date(2026, 12, 31), note="已被新文件替代"
        ),
        failures=lambda staff, user, item: permissions.FAILURES["abolish"](user, item),
        done=lambda staff, user, item: fresh(item).abolished_on == datetime.date(2026, 12, 31),
    ),
}

assert set(SCENARIOS) == set(ALLOWED)
assert all(who in PEOPLE for allowed in ALLOWED.values() for who in allowed)

CASES = [
    pytest.param(
        action,
        who,
        who in ALLOWED[action],
        id=f"{action}-{who}-{'allowed' if who in ALLOWED[action] else 'refused'}",
    )
    for action in ALLOWED
    for who in PEOPLE
]


def _user(staff, who: str) -> User:
    return outsider() if who == "outsider" else getattr(staff, who)


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "who", "allowed"), CASES)
def test_role_action_matrix(action, who, allowed, django_capture_on_commit_callbacks):
    staff = make_staff()
    scenario = SCENARIOS[action]
    item = scenario.setup(staff)
    user = _user(staff, who)
    item = fresh(item) if item is not None else None

    reasons = scenario.failures(staff, user, item)
    assert (not reasons) == allowed, f"permissions say {reasons!r}"

    before = snapshot(item) if item is not None else world_snapshot()
    if allowed:
        with django_capture_on_commit_callbacks(execute=True):
            scenario.act(staff, user, item)
        assert scenario.done(staff, user, item)
        after = snapshot(item) if item is not None else world_snapshot()
        assert after["audit_events"] > before["audit_events"], "every transition writes an audit event"
    else:
        with pytest.raises(WorkflowError) as refused, django_capture_on_commit_callbacks(execute=True):
            scenario.act(staff, user, item)
        assert chinese(refused.value.reasons), refused.value.reasons
        after = snapshot(item) if item is not None else world_snapshot()
        assert after == before, "a refused call changes nothing"


# --- the submitter never approves their own item ----------------------------------------------------


@pytest.mark.django_db
def test_department_head_who_drafts_in_own_department_cannot_approve_step_1_of_own_item():
    staff = make_staff()
    drafting_head = person(staff, staff.dept, [Role.DRAFTER, Role.DEPARTMENT_HEAD])
    item = make_draft(staff, by=drafting_head)
    services.submit_for_review(user=drafting_head, item=item)
    before = snapshot(item)

    assert permissions.FAILURES["decide"](drafting_head, services.current_task(fresh(item)))
    with pytest.raises(WorkflowError, match="不能审核自己的信息"):
        services.approve_step(user=drafting_head, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    with pytest.raises(WorkflowError, match="不能审核自己的信息"):
        services.reject_step(user=drafting_head, item=item, opinion="退回")
    assert snapshot(item) == before

    services.approve_step(
        user=staff.head, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES
    )  # another head of 艺术科 may
    assert ReviewTask.objects.get(revision=fresh(item).latest_revision, position=1).decided_by == staff.head


@pytest.mark.django_db
@pytest.mark.parametrize("position", [1, 2, 3, 4])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_submitter_holding_every_role_never_decides_a_step_of_own_item(position, decision):
    staff = make_staff()
    everything = person(
        staff,
        staff.dept,
        [Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.CONFIDENTIALITY_REVIEWER, Role.OFFICE_EDITOR, Role.LEADER],
        fast_track=True,
    )
    item = make_draft(staff, by=everything)
    services.submit_for_review(user=everything, item=item)
    item = advance_to_step(staff, item, position)
    before = snapshot(item)

    with pytest.raises(WorkflowError, match="不能审核自己的信息"):
        if decision == "approve":
            services.approve_step(user=everything, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
        else:
            services.reject_step(user=everything, item=item, opinion="退回")
    assert snapshot(item) == before


@pytest.mark.django_db
def test_submitter_holding_every_role_cannot_publish_own_item():
    staff = make_staff()
    everything = person(staff, staff.dept, [Role.DRAFTER, Role.DEPARTMENT_HEAD, Role.OFFICE_EDITOR])
    item = make_draft(staff, by=everything)
    services.submit_for_review(user=everything, item=item)
    item = advance_to_step(staff, item, 5)
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="不能发布自己的信息"):
        services.publish(user=everything, item=item)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_an_editor_who_submits_someone_elses_draft_cannot_approve_the_office_step_or_publish_it():
    staff = make_staff()
    item = submitted(staff, by=staff.editor2)
    item = advance_to_step(staff, item, 3)
    before = snapshot(item)

    with pytest.raises(WorkflowError, match="不能审核自己的信息"):
        services.approve_step(user=staff.editor2, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    assert snapshot(item) == before

    services.approve_step(user=staff.editor, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    services.approve_step(user=staff.leader, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="不能发布自己的信息"):
        services.publish(user=staff.editor2, item=item)
    assert snapshot(item) == before
    services.publish(user=staff.editor, item=item)
    assert fresh(item).is_public


@pytest.mark.django_db
def test_editor_who_drafts_cannot_approve_the_office_step_of_own_item():
    staff = make_staff()
    item = make_draft(staff, by=staff.editor)
    services.submit_for_review(user=staff.editor, item=item)
    item = advance_to_step(staff, item, 3)
    with pytest.raises(WorkflowError, match="不能审核自己的信息"):
        services.approve_step(user=staff.editor, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    services.approve_step(user=staff.editor2, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)


@pytest.mark.django_db
def test_head_of_a_co_department_cannot_do_the_department_review():
    """谁制作谁审查: the lead (producing) department reviews, not a department that only co-signed."""
    staff = make_staff()
    item = submitted(staff, co_departments=[staff.other_dept])
    assert list(fresh(item).latest_revision.co_departments.all()) == [staff.other_dept]
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="牵头"):
        services.approve_step(user=staff.other_head, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    assert snapshot(item) == before


@pytest.mark.django_db
def test_a_step_cannot_be_decided_twice_nor_out_of_order():
    staff = make_staff()
    item = submitted(staff)
    with pytest.raises(WorkflowError):  # step 2 is still waiting for step 1
        services.approve_step(user=staff.secrecy, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    services.approve_step(user=staff.head, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    before = snapshot(item)
    with pytest.raises(WorkflowError):  # step 1 is done; the head holds no role for step 2
        services.approve_step(user=staff.head, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    assert snapshot(item) == before


# --- only 主动公开 items are submitted or published -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("attribute", [DisclosureAttribute.ON_REQUEST, DisclosureAttribute.NOT_DISCLOSED])
def test_only_proactive_items_can_be_submitted(attribute):
    staff = make_staff()
    item = make_draft(staff, disclosure_attribute=attribute, non_disclosure_reason="涉及第三方商业秘密")
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="主动公开"):
        services.submit_for_review(user=staff.drafter, item=item)
    assert snapshot(item) == before


@pytest.mark.django_db
@pytest.mark.parametrize("attribute", [DisclosureAttribute.ON_REQUEST, DisclosureAttribute.NOT_DISCLOSED])
def test_only_proactive_items_can_be_published_even_when_approved(attribute):
    staff = make_staff()
    item = make_approved(staff)
    # The attribute can only change in a draft; simulate a revision that reached approval with another one.
    Revision.objects.filter(pk=item.latest_revision_id).update(
        disclosure_attribute=attribute, non_disclosure_reason="涉及个人隐私"
    )
    before = snapshot(item)
    assert permissions.FAILURES["publish"](staff.editor, fresh(item))
    with pytest.raises(WorkflowError, match="主动公开"):
        services.publish(user=staff.editor, item=fresh(item))
    assert snapshot(item) == before


@pytest.mark.django_db
def test_only_proactive_items_can_be_fast_tracked():
    staff = make_staff()
    item = make_draft(
        staff, disclosure_attribute=DisclosureAttribute.ON_REQUEST, non_disclosure_reason="依申请"
    )
    before = snapshot(item)
    with pytest.raises(WorkflowError, match="主动公开"):
        services.fast_track_publish(user=staff.editor, item=item, reason="紧急")
    assert snapshot(item) == before


# --- administrators and superusers ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_superuser_without_membership_is_refused_by_every_service():
    staff = make_staff()
    root = UserFactory(is_superuser=True, is_staff=True)
    draft, approved, published = make_draft(staff), make_approved(staff), make_published(staff)
    calls = [
        lambda: services.create_draft(user=root, organization=staff.org, data=item_data(staff)),
        lambda: services.update_draft(user=root, item=draft, data={"summary": "x"}),
        lambda: services.submit_for_review(user=root, item=draft),
        lambda: services.publish(user=root, item=approved),
        lambda: services.fast_track_publish(user=root, item=draft, reason="紧急"),
        lambda: services.start_revision(user=root, item=published),
        lambda: services.withdraw(user=root, item=published, reason="撤回"),
        lambda: services.abolish(user=root, item=published, abolished_on=datetime.date(2026, 12, 31)),
    ]
    before = [snapshot(i) for i in (draft, approved, published)]
    for call in calls:
        with pytest.raises(WorkflowError, match="不是该机构的工作人员"):
            call()
    assert [snapshot(i) for i in (draft, approved, published)] == before


@pytest.mark.django_db
def test_an_administrator_who_also_holds_no_workflow_role_cannot_approve_any_step():
    staff = make_staff()
    admin = UserFactory(is_superuser=True, is_staff=True)
    MembershipFactory(user=admin, organization=staff.org, department=staff.dept, roles=[Role.SYSTEM_ADMIN])
    item = submitted(staff)
    for position in (1, 2, 3, 4):
        with pytest.raises(WorkflowError):
            services.approve_step(user=admin, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
        services.approve_step(
            user=getattr(staff, CHAIN_PEOPLE[position]),
            item=item,
            opinion="同意",
            bottom_lines=ALL_BOTTOM_LINES,
        )
    assert fresh(item).latest_revision.status == RevisionStatus.APPROVED
