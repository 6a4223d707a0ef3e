"""政策解读 in the console: the plan form and the policy department's opinion on a document's page, the
interpretations of a document, the new-interpretation form with the I6 template, and the timeliness
report (按时 / 逾期 / 未解读) with its Excel export."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongkai.catalogue.constants import InterpretationScope
from gongkai.catalogue.models import CatalogueEntry
from gongkai.core.excel import write_sheet
from gongkai.interpretation import rules
from gongkai.interpretation import services as interpretation
from gongkai.interpretation.models import InterpretationPlan
from gongkai.orgs.constants import Role
from gongkai.publishing import permissions
from gongkai.publishing.constants import InterpretationForm
from gongkai.publishing.exceptions import WorkflowError, require
from gongkai.publishing.models import InformationItem

from .access import ConsoleForbidden, console_view, get_item
from .replies import error_messages

DOCUMENT_TEMPLATE = (
    "<h2>一、出台背景和依据</h2><p></p><h2>二、主要内容</h2><p></p><h2>三、目标任务</h2><p></p>"
    "<h2>四、推进措施</h2><p></p><h2>五、新旧政策差异</h2><p></p><h2>六、名词解释</h2><p></p>"
)
MEETING_TEMPLATE = (
    "<h2>一、会议背景</h2><p></p><h2>二、会议目的</h2><p></p><h2>三、主要内容</h2><p></p>"
    "<h2>四、议定事项</h2><p></p><h2>五、下一步工作措施</h2><p></p>"
)


def interpretation_column(organization) -> CatalogueEntry | None:
    return CatalogueEntry.objects.filter(
        organization=organization, interpretation=InterpretationScope.COLUMN
    ).first()


def interpretation_initial(user, organization, document_pk: str | None, meeting: str | None) -> dict:
    """The new-item form prefilled for an interpretation of a document (or a meeting), with the template;
    only a document the person may see (`visible_items`) is filled in."""
    column = interpretation_column(organization)
    document_pk = str(document_pk or "")
    if document_pk.isascii() and document_pk.isdigit() and len(document_pk) < 18:
        document = (
            permissions.visible_items(user, InformationItem.objects.filter(organization=organization))
            .filter(pk=int(document_pk))
            .select_related("latest_revision", "live_revision")
            .first()
        )
        if document is not None and document.latest_revision_id:
            return {
                "interprets": document.pk,
                "interpretation_form": InterpretationForm.TEXT,
                "title": f"《{document.latest_revision.title}》政策解读",
                "body": DOCUMENT_TEMPLATE,
                "catalogue_entry": column.pk if column else None,
                "topic": document.latest_revision.topic_id,
            }
    if meeting:
        return {
            "meeting_name": meeting[:200],
            "interpretation_form": InterpretationForm.TEXT,
            "title": f"{meeting[:200]}会议精神解读",
            "body": MEETING_TEMPLATE,
            "catalogue_entry": column.pk if column else None,
        }
    return {}


def interpretation_context(user, item, revision, actions) -> dict:
    plan = InterpretationPlan.objects.filter(revision=revision).first()
    requires = rules.requires(revision)
    return {
        "interp_requires": requires,
        "interp_proposed": rules.proposed(revision),
        "interp_normative": rules.is_normative(revision),
        "interp_is_interpretation": rules.is_interpretation(revision),
        "interp_plan": plan,
        "interp_materials": list(plan.materials.all()) if plan else [],
        "interp_attachments": list(revision.attachments.all()) if revision.pk else [],
        "interp_can_edit_plan": requires and actions.get("edit", False),
        "interp_forms": InterpretationForm.choices,
        "interp_opinions": list(revision.policy_opinions.select_related("given_by")) if revision.pk else [],
        "interp_can_opine": requires and interpretation.policy_opinion_failures(user, item) == [],
        # The interpretations the person may see, each as they see it (its live revision where the
        # working one is hidden from them).
        "interp_children": list(
            permissions.visible_items(user)
            .filter(
                Q(drafts_visible=True, latest_revision__interprets=item)
                | Q(drafts_visible=False, live_revision__interprets=item)
            )
            .select_related("latest_revision", "live_revision")
            .order_by("pk")
        ),
        "interp_timeliness": rules.timeliness([item])[0] if item.interpretation_due_on else None,
        "interp_document": (
            permissions.visible_items(user)
            .select_related("latest_revision", "live_revision")
            .filter(pk=revision.interprets_id)
            .first()
            if revision.interprets_id
            else None
        ),
    }


def _plan_data(request) -> dict:
    def text(name: str) -> str:
        return request.POST.get(name, "")

    return {
        "organizer": text("organizer")[:2000],
        "outline": text("outline")[:20000],
        "forms": request.POST.getlist("forms")[:20],
        "planned_on": text("planned_on")[:10],
        "channels": text("channels")[:300],
        "materials": [
            int(v)
            for v in request.POST.getlist("materials")[:50]
            if v.isascii() and v.isdigit() and len(v) < 18
        ],
    }


@console_view
@require_POST
def plan_save(request, pk):
    item = get_item(request, pk)
    try:
        require(
            permissions.hidden_revision_failures(
                item, lambda seen: permissions.edit_failures(request.user, seen)
            )
        )
        interpretation.save_plan(user=request.user, item=item, data=_plan_data(request))
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(request, "解读方案已保存,将随文件一并送审。")
    return redirect(reverse("console:item", args=[item.pk]) + "#interpretation")


@console_view
@require_POST
def policy_opinion(request, pk):
    item = get_item(request, pk)
    try:
        require(
            permissions.hidden_revision_failures(
                item, lambda seen: interpretation.policy_opinion_failures(request.user, seen)
            )
        )
        interpretation.give_policy_opinion(
            user=request.user, item=item, opinion=request.POST.get("opinion", "")[:5000]
        )
    except WorkflowError as exc:
        error_messages(request, exc.reasons)
    else:
        messages.success(request, "已记录政策法规科意见。")
    return redirect(reverse("console:item", args=[item.pk]) + "#interpretation")


def _period(request) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("from", "")[:10])
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = datetime.date.fromisoformat(request.GET.get("to", "")[:10])
    except ValueError:
        end = today
    return (start, end) if start <= end else (end, start)


def timeliness_rows(organization, start: datetime.date, end: datetime.date):
    """Per department: on time, late, missing, pending — documents first published in the period."""
    items = (
        InformationItem.objects.filter(
            organization=organization,
            interpretation_due_on__isnull=False,
            first_published_at__date__gte=start,
            first_published_at__date__lte=end,
        )
        .select_related("live_revision__lead_department")
        .order_by("first_published_at")
    )
    states = rules.timeliness(list(items))
    departments: dict[str, dict] = {}
    for state in states:
        name = state.item.live_revision.lead_department.name
        row = departments.setdefault(
            name, {"department": name, "on_time": 0, "late": 0, "missing": 0, "pending": 0, "documents": []}
        )
        row[state.state] += 1
        row["documents"].append(state)
    return list(departments.values()), states


@console_view
def report(request):
    membership = request.membership
    if not (
        membership.has_role(Role.OFFICE_EDITOR)
        or membership.has_role(Role.DEPARTMENT_HEAD)
        or membership.has_role(Role.POLICY_REVIEWER)
    ):
        raise ConsoleForbidden(["只有办公室、政策法规科和科室负责人可以查看政策解读及时性统计。"])
    start, end = _period(request)
    rows, states = timeliness_rows(request.organization, start, end)
    if request.GET.get("format") == "xlsx":
        data = write_sheet(
            "政策解读及时性",
            ["科室", "文件", "索引号", "发布日期", "解读期限", "首个解读发布日期", "状态"],
            [
                [
                    s.item.live_revision.lead_department.name,
                    s.item.live_revision.title,
                    s.item.index_number or "",
                    timezone.localdate(s.item.first_published_at).isoformat(),
                    s.due_on.isoformat(),
                    s.first_interpretation_on.isoformat() if s.first_interpretation_on else "",
                    s.label,
                ]
                for s in states
            ],
            [16, 48, 24, 12, 12, 16, 14],
        )
        response = HttpResponse(
            data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="interpretation-{start}-{end}.xlsx"'
        return response
    return render(
        request,
        "console/interpretation_report.html",
        {"rows": rows, "start": start, "end": end, "states": states},
    )
