"""Writes of policy interpretation: the plan (I3) and the policy department's opinion (I4)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit
from gongkai.orgs.constants import Role
from gongkai.orgs.selectors import membership_for
from gongkai.publishing.constants import InterpretationForm, RevisionStatus
from gongkai.publishing.exceptions import WorkflowError, require

from . import rules
from .models import InterpretationPlan, PolicyOpinion


def clean_plan(data: dict[str, Any], revision) -> dict[str, Any]:
    organizer = str(data.get("organizer") or "").strip()
    outline = str(data.get("outline") or "").strip()
    channels = str(data.get("channels") or "").strip()
    forms = [f for f in (data.get("forms") or []) if f in InterpretationForm.values]
    planned_on = data.get("planned_on")
    if isinstance(planned_on, str):
        try:
            planned_on = datetime.date.fromisoformat(planned_on.strip())
        except ValueError:
            planned_on = None
    problems = []
    if not organizer:
        problems.append("请填写解读工作的组织(牵头科室、第一责任人等)。")
    if not outline:
        problems.append("请填写解读提纲。")
    if not forms:
        problems.append("请至少选择一种解读形式。")
    if planned_on is None:
        problems.append("请填写计划发布时间(YYYY-MM-DD)。")
    if not channels:
        problems.append("请填写发布渠道。")
    if len(organizer) > 2000 or len(outline) > 20000 or len(channels) > 300:
        problems.append("内容过长。")
    materials = list(data.get("materials") or [])
    if any(not revision.attachments.filter(pk=getattr(a, "pk", a)).exists() for a in materials):
        problems.append("解读材料须是本信息的附件。")
    if problems:
        raise WorkflowError(problems)
    return {
        "organizer": organizer,
        "outline": outline,
        "forms": forms,
        "planned_on": planned_on,
        "channels": channels,
        "materials": materials,
    }


@transaction.atomic
def save_plan(*, user, item, data: dict[str, Any]) -> InterpretationPlan:
    """Write or change the plan of the working revision (while it can be edited, like the document)."""
    from gongkai.publishing import permissions
    from gongkai.publishing.services import _locked

    item = _locked(item)
    require(permissions.edit_failures(user, item))
    revision = item.latest_revision
    if rules.is_interpretation(revision):
        raise WorkflowError("解读材料本身不需要解读方案。")
    values = clean_plan(data, revision)
    materials = values.pop("materials")
    plan, _created = InterpretationPlan.objects.update_or_create(
        revision=revision, defaults={**values, "updated_by": user, "updated_at": timezone.now()}
    )
    plan.materials.set(materials)
    item.lock_version += 1
    item.save(update_fields=["lock_version"])
    audit.record(
        action="interpretation.plan.saved",
        actor=user,
        target=item,
        organization=item.organization_id,
        data={
            "revision": revision.number,
            "forms": values["forms"],
            "planned_on": values["planned_on"].isoformat(),
        },
    )
    return plan


def policy_opinion_failures(user, item) -> list[str]:
    membership = membership_for(user, item.organization_id)
    if membership is None:
        return ["您不是该机构的工作人员。"]
    if not membership.has_role(Role.POLICY_REVIEWER):
        return ["只有政策法规科审核人员可以出具解读意见。"]
    revision = item.latest_revision
    if revision is None or revision.status != RevisionStatus.IN_REVIEW:
        return ["只有审核中的文件可以出具解读意见。"]
    if not (rules.requires(revision) and rules.is_normative(revision)):
        return ["只有需要解读的行政规范性文件须征求政策法规科意见。"]
    return []


@transaction.atomic
def give_policy_opinion(*, user, item, opinion: str) -> PolicyOpinion:
    from gongkai.publishing.services import _locked

    opinion = (opinion or "").strip()
    if not opinion:
        raise WorkflowError("请填写政策法规科意见。")
    item = _locked(item)
    require(policy_opinion_failures(user, item))
    record = PolicyOpinion.objects.create(
        revision=item.latest_revision, opinion=opinion[:5000], given_by=user
    )
    audit.record(
        action="interpretation.policy_opinion.given",
        actor=user,
        target=item,
        organization=item.organization_id,
        data={"revision": item.latest_revision.number, "opinion": opinion[:5000]},
    )
    return record


def copy_plan(source_revision, target_revision) -> None:
    """A new revision of a published document starts with the live revision's plan (called in its
    transaction by publishing.services.start_revision)."""
    plan = getattr(source_revision, "interpretation_plan", None)
    if plan is None:
        return
    materials = list(plan.materials.all())
    plan.pk = None
    plan.id = None
    plan.revision = target_revision
    plan.save()
    plan.materials.set(materials)
