"""Policy interpretation (issue 5, DOMAIN I1–I8): the proposal and its override, the plan reviewed with
the document, the policy department's opinion for 规范性文件, interpretations as items of their own with
the I6 template, the N-working-day deadline with escalation, and the timeliness report."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from gongkai.catalogue.constants import InterpretationScope
from gongkai.console.models import Notification
from gongkai.interpretation import rules, scheduled
from gongkai.interpretation import services as interpretation
from gongkai.portal.links import item_url
from gongkai.publishing import services
from gongkai.publishing.exceptions import WorkflowError
from gongkai.publishing.models import InformationItem
from gongkai.review.models import Finding
from gongkai.workdays.calendar import add_workdays
from tests.factories import CatalogueEntryFactory, make_draft, make_staff, review_through

PLAN = {
    "organizer": "产业发展科牵头,科长为第一责任人",
    "outline": "一、背景;二、主要内容;三、新旧对比",
    "forms": ["text", "graphic"],
    "planned_on": "2026-11-30",
    "channels": "门户网站政策解读栏目、政务新媒体",
}
FULL_TEXT = "<p>出台背景和依据……主要内容……目标任务……推进措施……新旧政策差异……名词解释……</p>"


@pytest.fixture
def staff(db):
    staff = make_staff()
    staff.normative = CatalogueEntryFactory(
        organization=staff.org, name="行政规范性文件", interpretation=InterpretationScope.NORMATIVE
    )
    staff.column = CatalogueEntryFactory(
        organization=staff.org, name="政策解读", interpretation=InterpretationScope.COLUMN
    )
    return staff


def fresh(item):
    return InformationItem.objects.get(pk=item.pk)


def normative_document(staff, **data):
    return make_draft(staff, catalogue_entry=staff.normative, title="晋中市A级旅游景区管理办法", **data)


def test_a_document_in_a_normative_column_is_proposed_and_an_override_needs_a_reason(staff):
    document = normative_document(staff)
    assert rules.proposed(document.latest_revision) and rules.requires(document.latest_revision)
    ordinary = make_draft(staff)
    assert not rules.requires(ordinary.latest_revision)
    with pytest.raises(ValidationError) as refused:
        services.update_draft(user=staff.drafter, item=document, data={"needs_interpretation": False})
    assert "须说明理由" in str(refused.value)
    services.update_draft(
        user=staff.drafter,
        item=document,
        data={"needs_interpretation": False, "interpretation_override_reason": "仅为修订文字,无新政策内容"},
    )
    assert not rules.requires(fresh(document).latest_revision)


def test_a_document_that_needs_interpretation_cannot_be_submitted_without_a_complete_plan(staff):
    document = normative_document(staff)
    with pytest.raises(WorkflowError) as refused:
        services.submit_for_review(user=staff.drafter, item=document)
    assert "请先填写解读方案" in refused.value.reasons[0]
    with pytest.raises(WorkflowError) as refused:
        interpretation.save_plan(
            user=staff.drafter, item=document, data={**PLAN, "forms": [], "channels": ""}
        )
    assert refused.value.reasons == ["请至少选择一种解读形式。", "请填写发布渠道。"]
    interpretation.save_plan(user=staff.drafter, item=document, data=PLAN)
    services.submit_for_review(user=staff.drafter, item=fresh(document))
    assert fresh(document).latest_revision.status == "in_review"


def test_a_normative_document_needs_the_policy_departments_opinion_before_the_last_step(staff):
    document = normative_document(staff)
    interpretation.save_plan(user=staff.drafter, item=document, data=PLAN)
    services.submit_for_review(user=staff.drafter, item=fresh(document))
    with pytest.raises(WorkflowError) as refused:
        review_through(staff, fresh(document))
    assert "征求政策法规科意见" in refused.value.reasons[0]
    with pytest.raises(WorkflowError):  # not the policy department
        interpretation.give_policy_opinion(user=staff.editor, item=fresh(document), opinion="同意")
    interpretation.give_policy_opinion(
        user=staff.policy_reviewer, item=fresh(document), opinion="解读材料准确,同意"
    )
    services.approve_step(user=staff.leader, item=fresh(document))  # the last step now passes
    assert fresh(document).status == "approved"


def publish_document(staff):
    document = normative_document(staff)
    interpretation.save_plan(user=staff.drafter, item=document, data=PLAN)
    services.submit_for_review(user=staff.drafter, item=fresh(document))
    interpretation.give_policy_opinion(user=staff.policy_reviewer, item=fresh(document), opinion="同意")
    return services.publish(user=staff.editor, item=review_through(staff, fresh(document)))


def interpretation_of(staff, document, **data):
    item = make_draft(
        staff,
        title="《晋中市A级旅游景区管理办法》政策解读",
        catalogue_entry=staff.column,
        interprets=document,
        interpretation_form="text",
        body=FULL_TEXT,
        **data,
    )
    services.submit_for_review(user=staff.drafter, item=item)
    return services.publish(user=staff.editor, item=review_through(staff, fresh(item)))


def test_the_deadline_is_n_working_days_after_publication_and_the_report_says_on_time(staff):
    document = publish_document(staff)
    published_on = document.published_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    assert document.interpretation_due_on == add_workdays(published_on, 10).due
    state = rules.timeliness([document])[0]
    assert state.state == "pending"
    interpretation_of(staff, document)
    assert rules.timeliness([fresh(document)])[0].state == "on_time"


def test_the_deadline_follows_the_organisations_setting(staff):
    staff.org.interpretation_workdays = 3
    staff.org.save()
    document = publish_document(staff)
    published_on = document.published_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date()
    assert document.interpretation_due_on == add_workdays(published_on, 3).due


def test_missing_and_late_interpretations_are_reported_and_escalated_once_per_level(staff):
    document = publish_document(staff)
    due = document.interpretation_due_on
    near = due - datetime.timedelta(days=1)
    assert scheduled.escalate_interpretation_deadlines(near) == 1
    assert scheduled.escalate_interpretation_deadlines(near) == 0
    assert scheduled.escalate_interpretation_deadlines(due + datetime.timedelta(days=1)) == 1
    told = set(
        Notification.objects.filter(kind="interpretation.deadline").values_list("recipient_id", flat=True)
    )
    assert {staff.head.pk, staff.drafter.pk, staff.editor.pk} <= told
    assert rules.timeliness([fresh(document)], due + datetime.timedelta(days=1))[0].state == "missing"
    with time_machine.travel(
        datetime.datetime.combine(due + datetime.timedelta(days=3), datetime.time(10)), tick=False
    ):
        interpretation_of(staff, fresh(document))
    assert rules.timeliness([fresh(document)])[0].state == "late"


def test_an_interpretation_must_name_its_document_or_meeting_and_a_missing_template_section_is_a_warning(
    staff,
):
    with pytest.raises(ValidationError) as refused:
        make_draft(staff, catalogue_entry=staff.column, interpretation_form="text")
    assert "须关联所解读的文件" in str(refused.value)
    meeting = make_draft(
        staff,
        catalogue_entry=staff.column,
        interpretation_form="text",
        meeting_name="全市文化旅游发展大会",
        body="<p>会议背景……会议目的……主要内容……</p>",
    )
    gaps = Finding.objects.filter(revision=meeting.latest_revision, category="structure")
    assert sorted(gaps.values_list("matched", flat=True)) == ["缺少“下一步工作措施”", "缺少“议定事项”"]
    assert set(gaps.values_list("severity", flat=True)) == {"warning"}


def test_the_document_and_its_interpretation_link_each_other_on_the_public_pages(client, staff):
    document = publish_document(staff)
    child = interpretation_of(staff, document)
    document_page = client.get(item_url(document)).content.decode()
    assert item_url(child) in document_page and "政策解读" in document_page
    child_page = client.get(item_url(child)).content.decode()
    assert item_url(document) in child_page and "解读的文件" in child_page


def test_the_timeliness_report_and_its_excel_export(client, staff):
    document = publish_document(staff)
    interpretation_of(staff, document)
    client.force_login(staff.editor, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/console/interpretation/").content.decode()
    assert "艺术科" in html and "晋中市A级旅游景区管理办法" in html and "按时" in html
    export = client.get("/console/interpretation/", {"format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(staff.drafter, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/console/interpretation/").status_code == 403


def test_odd_ids_and_null_characters_are_ignored_not_a_500(client, staff):
    """Found by tests/security: "²".isdigit() is true but int() refuses it (the new-item page ignores it
    as a document to interpret, the plan as a material); PostgreSQL refuses NUL in text (it becomes U+FFFD)."""
    document = normative_document(staff)
    client.force_login(staff.drafter, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/console/items/new/", {"interprets": "²"}).status_code == 200
    data = {**PLAN, "organizer": PLAN["organizer"] + "\x00", "materials": ["²"]}
    response = client.post(f"/console/items/{document.pk}/interpretation/plan/", data)
    assert response.status_code == 302
    plan = fresh(document).latest_revision.interpretation_plan
    assert plan.organizer == PLAN["organizer"] + "\ufffd" and not plan.materials.exists()
