"""The annual report published through the normal workflow into the 政府信息公开年报 column and shown on
/xxgk/; regenerating the draft; and the column rule (行政执法统计年报 is not this column)."""

import datetime
import io

import pytest
import time_machine
from docx import Document

from gongkai.audit.models import AuditEvent
from gongkai.catalogue import services as catalogue_services
from gongkai.catalogue.models import CatalogueEntry, DocumentKind
from gongkai.orgs.constants import Role
from gongkai.portal import selectors as portal_selectors
from gongkai.portal.links import item_url
from gongkai.publishing import services
from gongkai.publishing.constants import RevisionStatus
from gongkai.publishing.exceptions import WorkflowError
from gongkai.publishing.models import InformationItem
from gongkai.reports import annual
from gongkai.reports.models import AnnualReportStatus
from tests.factories import ALL_BOTTOM_LINES, CatalogueEntryFactory, _person, make_published, make_staff
from tests.reports.test_annual_figures import balanced

pytestmark = pytest.mark.django_db

JANUARY = datetime.datetime(2026, 1, 12, 2, tzinfo=datetime.UTC)  # 10:00 in Shanghai
TEXTS = {
    "overview": "(一)主动公开\n本年度主动公开政府信息。",
    "problems": "栏目更新不够及时。",
    "other_matters": "本年度未收取信息处理费。",
}


@pytest.fixture
def staff(db):
    staff = make_staff()
    staff.office_head = _person(staff.org, staff.office, [Role.DEPARTMENT_HEAD])
    return staff


@pytest.fixture
def january():
    with time_machine.travel(JANUARY):
        yield


def _save(staff, **overrides):
    return annual.save_report(
        user=staff.editor, organization=staff.org, year=2025, values={**balanced(), **TEXTS, **overrides}
    )


def _review_and_publish(staff, item):
    services.submit_for_review(user=staff.editor, item=item)
    for person in (staff.office_head, staff.secrecy, staff.editor2, staff.leader):
        services.approve_step(user=person, item=item, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    return services.publish(user=staff.editor2, item=InformationItem.objects.get(pk=item.pk))


def test_published_through_the_workflow_into_the_annual_report_column_of_xxgk(client, staff, january):
    catalogue_services.load_default_catalogue(staff.org)
    column = CatalogueEntry.objects.get(organization=staff.org, code="2101")
    enforcement = CatalogueEntry.objects.get(organization=staff.org, code="0604")  # 行政执法统计年报
    other = make_published(staff, title="2025年行政执法统计年报", catalogue_entry=enforcement)
    report = _save(staff)
    assert report.status == AnnualReportStatus.DRAFT

    item = annual.generate_publication(user=staff.editor, report=report, topic=staff.topic)
    report.refresh_from_db()
    assert report.item == item and report.status == AnnualReportStatus.SUBMITTED
    revision = item.latest_revision
    assert revision.title == f"{staff.org.name}2025年政府信息公开工作年度报告"
    assert revision.catalogue_entry == column
    assert revision.lead_department == staff.office and revision.topic == staff.topic
    assert revision.status == RevisionStatus.DRAFT
    for heading in annual.PART_HEADINGS:
        assert f"<h3>{heading}</h3>" in revision.body  # kept by the body sanitiser
    assert 'rowspan="22"' in revision.body
    (attachment,) = revision.attachments.all()
    assert attachment.original_name == f"{revision.title}.docx"
    attached = Document(io.BytesIO(attachment.file.read()))
    assert attached.tables[1].cell(3, 9).text == "12"
    assert "二、主动公开政府信息情况" in attachment.text
    event = AuditEvent.objects.filter(action="reports.annual.publication_drafted").get()
    assert event.data == {"year": 2025, "item": item.pk, "action": "created"}

    # Not public before review and publication.
    assert item_url(other) in client.get("/xxgk/list/").content.decode()
    html = client.get("/xxgk/").content.decode()
    section = html[html.index('id="nb"') : html.index('id="fdzdgknr"')]
    assert "暂无" in section and item_url(other) not in section

    published = _review_and_publish(staff, item)
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.PUBLISHED
    html = client.get("/xxgk/").content.decode()
    section = html[html.index('id="nb"') : html.index('id="fdzdgknr"')]
    assert item_url(published) in section
    assert f"{staff.org.name}2025年政府信息公开工作年度报告" in section
    assert item_url(other) not in section  # the law-enforcement statistics report is another column
    page = client.get(item_url(published)).content.decode()
    assert "三、收到和处理政府信息公开申请情况" in page


def test_regenerating_updates_the_draft_refuses_during_review_and_revises_after_publication(staff, january):
    CatalogueEntryFactory(
        organization=staff.org, code="nb", name="年度报告", document_kind=DocumentKind.ANNUAL_REPORT
    )
    report = _save(staff)
    item = annual.generate_publication(user=staff.editor, report=report, topic=staff.topic)

    report = _save(staff, problems="新的问题描述。")
    again = annual.generate_publication(user=staff.editor, report=report)
    assert again.pk == item.pk and InformationItem.objects.count() == 1
    revision = again.latest_revision
    assert revision.number == 1 and "新的问题描述。" in revision.body
    assert revision.attachments.count() == 1  # the old Word file replaced, not piled up

    services.submit_for_review(user=staff.editor, item=again)
    with pytest.raises(WorkflowError, match="正在审核或待发布"):
        annual.generate_publication(user=staff.editor, report=report)

    for person in (staff.office_head, staff.secrecy, staff.editor2, staff.leader):
        services.approve_step(user=person, item=again, opinion="同意", bottom_lines=ALL_BOTTOM_LINES)
    live = services.publish(user=staff.editor2, item=InformationItem.objects.get(pk=item.pk))
    report = _save(staff, other_matters="更正:本年度收取信息处理费0元。")
    revised = annual.generate_publication(user=staff.editor, report=report)
    assert revised.pk == item.pk
    assert revised.live_revision_id == live.live_revision_id  # the published report stays public
    assert revised.latest_revision.number == 2
    assert "更正:本年度收取信息处理费0元。" in revised.latest_revision.body
    assert revised.latest_revision.change_note.startswith("根据2026年01月12日的填报内容更新")
    assert revised.latest_revision.attachments.count() == 1
    assert "更正" in revised.latest_revision.attachments.get().text
    actions = [
        e.data["action"] for e in AuditEvent.objects.filter(action="reports.annual.publication_drafted")
    ]
    assert actions == ["created", "updated", "revised"]


def test_publication_needs_a_column_a_finished_year_the_texts_and_a_balanced_table(staff):
    with time_machine.travel(JANUARY):
        report = _save(staff, problems="", **{annual.application_field("granted", "research"): "1"})
        reasons = annual.publication_failures(report)
        assert "请填写“五、存在的主要问题及改进情况”。" in reasons
        assert any("“法人或其他组织-科研机构”列" in r for r in reasons)
        with pytest.raises(WorkflowError):
            annual.generate_publication(user=staff.editor, report=report)
        report = _save(staff, **{annual.application_field("granted", "research"): "0"})
        assert annual.publication_failures(report) == []
        with pytest.raises(WorkflowError, match="没有“政府信息公开年报”栏目"):
            annual.generate_publication(user=staff.editor, report=report)
        with pytest.raises(WorkflowError, match="只有办公室编辑"):
            annual.generate_publication(user=staff.leader, report=report)
    with time_machine.travel(datetime.datetime(2025, 12, 30, 2, tzinfo=datetime.UTC)):
        assert "2025年尚未结束,年度报告须在年度结束后生成发布稿。" in annual.publication_failures(report)
    assert not InformationItem.objects.exists()


def test_the_annual_report_column_is_marked_not_guessed_from_any_annual_report(staff):
    heading = CatalogueEntryFactory(organization=staff.org, code="nb", name="年度报告")
    marked_heading = CatalogueEntryFactory(
        organization=staff.org, code="gk", name="公开年度报告", document_kind=DocumentKind.ANNUAL_REPORT
    )
    entries = {
        "marked": CatalogueEntryFactory(
            organization=staff.org,
            code="nb1",
            name="工作报告",
            parent=heading,
            document_kind=DocumentKind.ANNUAL_REPORT,
        ),
        "under_marked": CatalogueEntryFactory(
            organization=staff.org, code="gk1", name="2025年", parent=marked_heading
        ),
        "named": CatalogueEntryFactory(organization=staff.org, code="old", name="政府信息公开工作年度报告"),
        "enforcement": CatalogueEntryFactory(organization=staff.org, code="0604", name="行政执法统计年报"),
        "budget": CatalogueEntryFactory(organization=staff.org, code="0701", name="部门决算年度报告"),
    }
    items = {
        key: make_published(staff, title=f"{key}报告", catalogue_entry=entry)
        for key, entry in entries.items()
    }
    listed = {item.pk for item in portal_selectors.annual_report_items(staff.org)}
    assert listed == {items["marked"].pk, items["under_marked"].pk, items["named"].pk}
    assert annual.annual_report_column(staff.org) == entries["marked"]  # marked leaves first


def test_a_withdrawn_publication_is_published_anew(staff, january):
    CatalogueEntryFactory(
        organization=staff.org, code="nb", name="年度报告", document_kind=DocumentKind.ANNUAL_REPORT
    )
    report = _save(staff)
    first = _review_and_publish(
        staff, annual.generate_publication(user=staff.editor, report=report, topic=staff.topic)
    )
    services.withdraw(user=staff.editor, item=first, reason="数据有误,撤回更正。")
    report.refresh_from_db()
    assert report.status == AnnualReportStatus.WITHDRAWN
    assert report.status_label == "已撤回(须重新生成发布稿)"
    second = annual.generate_publication(user=staff.editor, report=report, topic=staff.topic)
    assert second.pk != first.pk
    report.refresh_from_db()
    assert report.item == second and report.status == AnnualReportStatus.SUBMITTED


def test_the_migration_marks_existing_annual_report_columns_only(staff):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("gongkai.catalogue.migrations.0005_catalogueentry_document_kind")
    ours = CatalogueEntryFactory(organization=staff.org, code="nb", name="政府信息公开工作年度报告")
    short = CatalogueEntryFactory(organization=staff.org, code="nb2", name="政府信息公开年报")
    enforcement = CatalogueEntryFactory(organization=staff.org, code="0604", name="行政执法统计年报")
    migration.mark_annual_report_columns(apps, None)
    kinds = dict(CatalogueEntry.objects.filter(organization=staff.org).values_list("code", "document_kind"))
    assert kinds[ours.code] == kinds[short.code] == DocumentKind.ANNUAL_REPORT
    assert kinds[enforcement.code] == ""
