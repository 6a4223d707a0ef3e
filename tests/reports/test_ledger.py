"""台账 (DOMAIN P5): every approval form of the organisation, filterable, exportable to Excel."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongkai.audit.models import AuditEvent
from gongkai.console.access import SESSION_KEY
from gongkai.publishing import services
from gongkai.publishing.models import ApprovalForm
from tests.factories import make_draft, make_published, make_staff
from tests.orgs.factories import MembershipFactory, UserFactory

from .conftest import login, publish_in_other_department, publish_with_opinions

pytestmark = pytest.mark.django_db

LEDGER = "/console/reports/ledger/"
XLSX = "/console/reports/ledger.xlsx"


def test_urls():
    assert reverse("reports:ledger") == LEDGER
    assert reverse("reports:ledger_xlsx") == XLSX


def shown(response) -> set[str]:
    return {row.title for row in response.context["rows"]}


@pytest.fixture
def two_departments(staff):
    art = publish_with_opinions(staff, title="关于举办非遗展演活动的通知")
    industry = publish_in_other_department(staff, title="关于旅游产业发展专项资金的公示")
    return art, industry


def test_ledger_lists_the_organisations_forms_newest_first(client, staff, two_departments):
    make_published(make_staff())  # another organisation's form is never listed
    response = login(client, staff.drafter).get(LEDGER)
    assert response.status_code == 200
    titles = [row.title for row in response.context["rows"]]
    assert titles == ["关于旅游产业发展专项资金的公示", "关于举办非遗展演活动的通知"]
    html = response.content.decode()
    for form in ApprovalForm.objects.filter(organization=staff.org):
        assert form.archive_number in html
        assert reverse("reports:form", args=[form.revision_id]) in html


def test_ledger_filters_by_lead_department(client, staff, two_departments):
    login(client, staff.drafter)
    assert shown(client.get(LEDGER, {"department": staff.other_dept.pk})) == {
        "关于旅游产业发展专项资金的公示"
    }
    assert shown(client.get(LEDGER, {"department": staff.dept.pk})) == {"关于举办非遗展演活动的通知"}


def test_ledger_filters_by_keyword_in_title_index_or_archive_number(client, staff, two_departments):
    art, industry = two_departments
    login(client, staff.drafter)
    assert shown(client.get(LEDGER, {"q": "非遗"})) == {"关于举办非遗展演活动的通知"}
    assert shown(client.get(LEDGER, {"q": industry.index_number})) == {"关于旅游产业发展专项资金的公示"}
    archive = ApprovalForm.objects.get(revision=art.live_revision).archive_number
    assert shown(client.get(LEDGER, {"q": archive})) == {"关于举办非遗展演活动的通知"}
    assert shown(client.get(LEDGER, {"q": "不存在的标题"})) == set()


def test_ledger_filters_by_year_and_published_date_range(client, staff, two_departments):
    login(client, staff.drafter)
    form = ApprovalForm.objects.filter(organization=staff.org).first()
    today = timezone.localdate(form.revision.published_at)
    assert len(shown(client.get(LEDGER, {"year": today.year}))) == 2
    assert len(shown(client.get(LEDGER, {"published_from": today, "published_to": today}))) == 2
    tomorrow = today.fromordinal(today.toordinal() + 1)
    assert shown(client.get(LEDGER, {"published_from": tomorrow})) == set()


def test_ledger_filters_fast_tracked_only(client, staff, two_departments):
    services.fast_track_publish(
        user=staff.editor, item=make_draft(staff, title="紧急闭园通知"), reason="暴雨预警"
    )
    login(client, staff.drafter)
    assert shown(client.get(LEDGER, {"fast_track": "on"})) == {"紧急闭园通知"}
    assert len(shown(client.get(LEDGER))) == 3


def test_bad_filters_get_a_chinese_message_and_no_500(client, staff, two_departments):
    login(client, staff.drafter)
    response = client.get(
        LEDGER, {"department": "abc", "published_from": "2026-13-45", "year": "1899", "page": "x"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "所选科室不存在或不属于本机构。" in html
    assert "请输入有效的日期" in html
    assert "所选年度没有审批表。" in html
    response = client.get(LEDGER, {"published_from": "2026-12-31", "published_to": "2026-01-01"})
    assert "截止日期不能早于起始日期。" in response.content.decode()


def test_another_organisations_department_is_not_a_valid_filter(client, staff, two_departments):
    foreign = make_staff().dept
    response = login(client, staff.drafter).get(LEDGER, {"department": foreign.pk})
    assert response.status_code == 400
    assert "所选科室不存在或不属于本机构。" in response.content.decode()


def test_ledger_uses_the_organisation_chosen_in_the_console(client, staff, two_departments):
    elsewhere = make_staff()
    make_published(elsewhere, title="另一机构的通知")
    MembershipFactory(user=staff.drafter, organization=elsewhere.org, department=elsewhere.dept, roles=[])
    login(client, staff.drafter)
    assert len(shown(client.get(LEDGER))) == 2  # first membership
    session = client.session
    session[SESSION_KEY] = elsewhere.org.pk
    session.save()
    assert shown(client.get(LEDGER)) == {"另一机构的通知"}
    session[SESSION_KEY] = make_staff().org.pk  # not a member there: back to the first membership
    session.save()
    assert len(shown(client.get(LEDGER))) == 2


def test_the_ledger_follows_the_console_organisation_switcher(client, staff, two_departments):
    elsewhere = make_staff()
    make_published(elsewhere, title="另一机构的通知")
    MembershipFactory(user=staff.drafter, organization=elsewhere.org, department=elsewhere.dept, roles=[])
    login(client, staff.drafter)
    response = client.post(reverse("console:switch_organization"), {"organization": elsewhere.org.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == elsewhere.org.pk
    assert shown(client.get(LEDGER)) == {"另一机构的通知"}
    assert "gongkai_org_id" not in client.session  # one session key, the console's


def test_ledger_is_paginated_by_50(client, staff, published):
    form = ApprovalForm.objects.get(revision=published.live_revision)
    # Copies of the archived record are enough to exercise the pages.
    for n in range(55):
        ApprovalForm.objects.create(
            organization=staff.org,
            revision=make_draft(staff).latest_revision,
            archive_number=f"{form.archive_number}-{n}",
            data=form.data,
        )
    login(client, staff.drafter)
    assert len(client.get(LEDGER).context["rows"]) == 50
    assert len(client.get(LEDGER, {"page": 2}).context["rows"]) == 6


def test_anonymous_is_redirected_to_login(client):
    for url in (LEDGER, XLSX):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("console:login"))


def test_person_without_organisation_is_refused(client, db):
    login(client, UserFactory())
    for url in (LEDGER, XLSX):
        response = client.get(url)
        assert response.status_code == 403
        assert "您尚未加入任何机构" in response.content.decode()


def test_xlsx_opens_with_a_header_row_and_one_row_per_form(client, staff, two_departments):
    services.fast_track_publish(
        user=staff.editor, item=make_draft(staff, title="紧急闭园通知"), reason="暴雨预警"
    )
    response = login(client, staff.drafter).get(XLSX)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in response["Content-Disposition"]

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "档案编号", "索引号", "标题", "文号", "牵头科室", "公开属性", "拟稿人",
        "各环节审核人及日期", "发布人", "发布时间", "紧急发布",
    )  # fmt: skip
    forms = ApprovalForm.objects.filter(organization=staff.org)
    assert len(rows) == 1 + forms.count() == 4
    assert {r[0] for r in rows[1:]} == set(forms.values_list("archive_number", flat=True))
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["K"].width

    by_title = {r[2]: r for r in rows[1:]}
    art = by_title["关于举办非遗展演活动的通知"]
    assert art[4] == "艺术科"
    assert staff.head.display_name in art[7] and staff.leader.display_name in art[7]
    assert art[8] == staff.editor.display_name
    assert art[9] is not None and art[10] == "否"
    assert by_title["紧急闭园通知"][10] == "是"
    assert by_title["紧急闭园通知"][7] == "未经事前审核(紧急发布);事后审核:待审核"


def test_xlsx_applies_the_same_filters(client, staff, two_departments):
    response = login(client, staff.drafter).get(XLSX, {"department": staff.other_dept.pk})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["关于旅游产业发展专项资金的公示"]


def test_xlsx_cells_are_text_never_formulas(client, staff):
    publish_with_opinions(staff, title='=HYPERLINK("http://evil.example","点击")')
    response = login(client, staff.drafter).get(XLSX)
    cell = load_workbook(io.BytesIO(response.content)).active["C2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")


def test_export_records_the_audit_event(client, staff, two_departments):
    login(client, staff.drafter).get(XLSX, {"q": "非遗"})
    event = AuditEvent.objects.get(action="reports.ledger.exported")
    assert event.actor == staff.drafter
    assert event.organization_id == staff.org.pk
    assert event.data["rows"] == 1
    assert event.data["filters"]["keyword"] == "非遗"


def test_export_with_bad_filters_exports_nothing(client, staff, two_departments):
    response = login(client, staff.drafter).get(XLSX, {"published_from": "not-a-date"})
    assert response.status_code == 400
    assert "请输入有效的日期" in response.content.decode()
    assert not AuditEvent.objects.filter(action="reports.ledger.exported").exists()
