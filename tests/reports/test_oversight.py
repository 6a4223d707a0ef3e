"""统计监督: every figure against a generated year of activity (tests/reports/oversight_year.py), one query
per figure, per department and across period boundaries in Asia/Shanghai dates; the drill-down lists
exactly the counted records; the figures agree with the apps' own readings where those exist; the Excel
export; the pages and who may see them."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.db import transaction
from openpyxl import load_workbook

from gongkai.catalogue import health
from gongkai.concerns import selectors as concern_selectors
from gongkai.console import deadlines
from gongkai.console.views_interpretation import timeliness_rows
from gongkai.feedback import selectors as feedback_selectors
from gongkai.feedback.models import ErrorReport
from gongkai.orgs.constants import Role
from gongkai.participation import messages as message_rules
from gongkai.participation.models import Message
from gongkai.publishing.models import InformationItem
from gongkai.reports import oversight
from tests.factories import make_staff
from tests.orgs.factories import MembershipFactory, UserFactory
from tests.reports.conftest import login
from tests.reports.oversight_year import NOW, PERIODS, Q2, TODAY, WIDE, YEAR, build, local

D = datetime.date
DASHBOARD = "/console/reports/oversight/"
EXPORT = "/console/reports/oversight.xlsx"
PERIOD_FIGURES = [k for k, f in oversight.FIGURES.items() if f.in_period]
STATE_FIGURES = [k for k, f in oversight.FIGURES.items() if not f.in_period]


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    """The year is built once for the module, in a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def y(year, db):
    return year


def _nonzero(found: dict) -> dict:
    return {dept: {b: n for b, n in row.items() if n} for dept, row in found.items() if any(row.values())}


# --- the figures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", sorted(PERIODS))
@pytest.mark.parametrize("key", PERIOD_FIGURES)
def test_each_figure_is_one_query_and_counts_the_plan(y, key, period, django_assert_num_queries):
    start, end = PERIODS[period]
    with django_assert_num_queries(1):
        found = oversight.counts(key, y.staff.org, start, end, now=NOW)
    assert _nonzero(found) == y.expected(key, start, end)
    assert found, "the generated year must give every figure something to count"


@pytest.mark.parametrize("key", STATE_FIGURES)
def test_state_figures_are_one_query_and_ignore_the_period(y, key, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = oversight.counts(key, y.staff.org, *Q2, now=NOW)
    assert _nonzero(found) == y.expected(key)
    assert oversight.counts(key, y.staff.org, *YEAR, now=NOW) == found


def test_the_plan_covers_every_bucket_of_every_figure(y):
    """A figure whose bucket never occurs in the year would be tested for nothing."""
    for key, figure in oversight.FIGURES.items():
        seen = {p.bucket for p in y.plans[key]}
        assert seen == set(figure.bucket_keys), key


@pytest.mark.parametrize("key", PERIOD_FIGURES + STATE_FIGURES)
def test_one_department(y, key, django_assert_num_queries):
    for dept in (y.staff.dept, y.staff.other_dept, y.staff.office):
        with django_assert_num_queries(1):
            found = oversight.counts(key, y.staff.org, *WIDE, now=NOW, department=dept.pk)
        if oversight.FIGURES[key].in_period:
            expected = y.expected(key, *WIDE, department=dept.pk)
        else:
            expected = y.expected(key, department=dept.pk)
        assert _nonzero(found) == expected, dept.name


def test_the_named_functions_are_the_figures(y):
    org, start, end = y.staff.org, *YEAR
    today = TODAY
    assert oversight.publication_timeliness(org, start, end, today=today) == oversight.counts(
        "publications", org, start, end, today=today
    )
    assert _nonzero(oversight.interpretation_timeliness(org, start, end, today=today)) == y.expected(
        "interpretations", start, end
    )
    assert _nonzero(oversight.concern_clock_compliance(org, start, end, now=NOW)) == y.expected(
        "concern_clocks", start, end
    )
    assert _nonzero(oversight.consultation_feedback_timeliness(org, start, end, today=today)) == y.expected(
        "consultation_feedback", start, end
    )
    assert _nonzero(oversight.message_timeliness(org, start, end, today=today)) == y.expected(
        "messages", start, end
    )
    assert _nonzero(oversight.error_report_timeliness(org, start, end, today=today)) == y.expected(
        "error_reports", start, end
    )
    assert _nonzero(oversight.catalogue_health(org, today=today)) == y.expected("catalogue")
    assert _nonzero(oversight.open_findings(org)) == y.expected("findings")


def test_local_midnight_and_the_quarter_edges(y):
    """The hand-placed boundary records, by name, so a failure says which edge broke."""
    org, s = y.staff.org, y.staff
    rows = {r.cells[0]: r for r in oversight.drill_down("publications", org, *Q2, today=TODAY)}
    dues = {r.cells[3] for r in rows.values()}
    assert {"2025-04-01", "2025-06-30"} <= dues
    assert not {"2025-03-31", "2025-07-01"} & dues
    on_time, late = rows["期限当日23:30发布"], rows["期限次日00:30发布"]
    assert (on_time.bucket.key, on_time.cells[3], on_time.cells[4]) == (
        "on_time",
        "2025-05-20",
        "2025-05-20 23:30",
    )
    assert (late.bucket.key, late.cells[3], late.cells[4]) == ("late", "2025-05-20", "2025-05-21 00:30")
    assert on_time.department == late.department == s.other_dept.name
    # documents first published at 07:00 on 1 April (23:00 UTC on 31 March) belong to the second quarter
    firsts = {r.cells[3] for r in oversight.drill_down("interpretations", org, *Q2, today=TODAY)}
    assert "2025-04-01" in firsts and "2025-06-30" in firsts
    assert "2025-03-31" not in firsts and "2025-07-01" not in firsts


def test_the_period_is_inclusive_and_empty_outside_activity(y):
    org = y.staff.org
    for key in PERIOD_FIGURES:
        assert oversight.counts(key, org, D(2024, 1, 1), D(2024, 6, 30), now=NOW) == {}, key
    day = D(2025, 5, 20)
    found = _nonzero(oversight.counts("publications", org, day, day, now=NOW))
    assert found == y.expected("publications", day, day)
    assert found[y.staff.other_dept.pk]["on_time"] >= 1 and found[y.staff.other_dept.pk]["late"] >= 1


def test_another_organisation_is_never_counted(y):
    other = y.other.org
    for key in oversight.FIGURES:
        found = _nonzero(oversight.counts(key, other, *WIDE, now=NOW))
        assert y.staff.dept.pk not in found and y.staff.other_dept.pk not in found
    assert _nonzero(oversight.counts("messages", other, *WIDE, now=NOW)) == {
        y.other.office.pk: {"over_limit": 1}
    }


def test_the_figures_move_with_time(y):
    """The same records a month later: what was pending has become overdue, nothing else changed."""
    later = local(D(2026, 2, 20), 9)
    before = oversight.counts("publications", y.staff.org, *WIDE, now=NOW)
    after = oversight.counts("publications", y.staff.org, *WIDE, now=later)
    for dept, row in before.items():
        assert after[dept]["on_time"] == row["on_time"] and after[dept]["late"] == row["late"]
        assert after[dept]["overdue"] == row["overdue"] + row["pending"]
        assert after[dept]["pending"] == 0


# --- the figures agree with the apps' own readings ---------------------------------------------------


def test_interpretations_agree_with_the_interpretation_report(y):
    with time_machine.travel(NOW):
        rows, _states = timeliness_rows(y.staff.org, *YEAR)
    names = {d.pk: d.name for d in oversight.departments_of(y.staff.org)}
    mine = oversight.counts("interpretations", y.staff.org, *YEAR, now=NOW)
    assert {names[dept]: row for dept, row in mine.items()} == {
        row["department"]: {k: row[k] for k in ("on_time", "late", "missing", "pending")} for row in rows
    }


def test_clocks_agree_with_the_concerns_dashboard(y):
    for start, end in PERIODS.values():
        theirs = concern_selectors.clock_compliance(y.staff.org, start, end, now=NOW)
        mine = oversight.counts("concern_clocks", y.staff.org, start, end, now=NOW)
        for bucket in ("on_time", "late", "breached", "running"):
            assert sum(r[bucket] for r in theirs) == sum(r[bucket] for r in mine.values()), bucket


def test_catalogue_agrees_with_the_health_check(y):
    office = y.staff.office.pk
    report = health.check(y.staff.org, TODAY)
    theirs: dict[int, dict[str, int]] = {}
    for column in report.columns:
        dept = column.entry.responsible_department_id or office
        row = theirs.setdefault(dept, {"empty": 0, "overdue": 0, "ok": 0})
        row[column.state] += 1
    assert oversight.counts("catalogue", y.staff.org, TODAY, TODAY, today=TODAY) == theirs


def test_overdue_agrees_with_the_inbox_deadlines(y):
    """An unpublished item, an open error report, an open message is overdue in the figures exactly when
    the console's own deadline reading says so."""
    org = y.staff.org
    states = {
        i.pk: i.bucket for i in oversight.records("publications", org, D(2000, 1, 1), D(2100, 1, 1), now=NOW)
    }
    checked = 0
    for item in InformationItem.objects.filter(pk__in=states).select_related("latest_revision"):
        info = deadlines.deadline_info(item, today=TODAY)
        if info is not None:
            checked += 1
            assert (info.level == deadlines.OVERDUE) == (states[item.pk] == "overdue"), item.pk
    assert checked > 10
    reports = {
        r.pk: r.bucket for r in oversight.records("error_reports", org, D(2000, 1, 1), D(2100, 1, 1), now=NOW)
    }
    for report in ErrorReport.objects.filter(pk__in=reports):
        info = feedback_selectors.deadline_info(report, today=TODAY)
        assert (info is not None and info.level == deadlines.OVERDUE) == (reports[report.pk] == "overdue")
    messages = {
        m.pk: m.bucket for m in oversight.records("messages", org, D(2000, 1, 1), D(2100, 1, 1), now=NOW)
    }
    for message in Message.objects.filter(pk__in=messages):
        state = message_rules.deadline_state(message, today=TODAY)
        if state is None:
            assert messages[message.pk] in ("on_time", "late")
        elif message.due_on < TODAY:
            assert messages[message.pk] in ("overdue", "over_limit")
        else:
            assert messages[message.pk] == "pending"


# --- the drill-down ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", PERIOD_FIGURES + STATE_FIGURES)
def test_the_drill_down_lists_exactly_the_counted_records(y, key):
    start, end = WIDE if oversight.FIGURES[key].in_period else (TODAY, TODAY)
    found = oversight.counts(key, y.staff.org, start, end, now=NOW)
    checked = 0
    for dept, row in found.items():
        for bucket, n in row.items():
            rows = oversight.drill_down(key, y.staff.org, start, end, department=dept, bucket=bucket, now=NOW)
            assert len(rows) == n
            assert {r.pk for r in rows} == y.expected_pks(key, start, end, dept, bucket)
            assert all(r.bucket.key == bucket for r in rows)
            assert all(len(r.cells) == len(oversight.FIGURES[key].headers) for r in rows)
            checked += n
    everything = oversight.drill_down(key, y.staff.org, start, end, now=NOW)
    assert len(everything) == checked == sum(sum(r.values()) for r in found.values())


# --- the dashboard and the export --------------------------------------------------------------------


def test_dashboard_totals_and_rates(y, django_assert_max_num_queries):
    with django_assert_max_num_queries(len(oversight.FIGURES) + 1):
        tables = oversight.dashboard(y.staff.org, *YEAR, now=NOW)
    assert [t.figure.key for t in tables] == list(oversight.FIGURES)
    publications = tables[0]
    expected = y.expected("publications", *YEAR)
    total = {b: sum(row.get(b, 0) for row in expected.values()) for b in ("on_time", "late", "overdue")}
    assert publications.total.values["on_time"] == total["on_time"]
    assert publications.total.rate == round(total["on_time"] * 100 / sum(total.values()), 1)
    assert [line.name for line in publications.lines] == ["艺术科", "产业发展科", "办公室"]
    findings = next(t for t in tables if t.figure.key == "findings")
    assert findings.total.rate is None and findings.total.total == len(y.plans["findings"])


def test_rate_is_none_when_nothing_is_decided():
    figure = oversight.FIGURES["messages"]
    assert figure.rate({"pending": 3}) is None
    assert figure.rate({"on_time": 1, "late": 1, "overdue": 1, "over_limit": 1}) == 25.0


def _sheet(content: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    return list(workbook.active.iter_rows(values_only=True))


def test_export_matches_the_dashboard(client, y):
    login(client, y.staff.editor)
    with time_machine.travel(NOW, tick=False):
        response = client.get(EXPORT, {"start": "2025-01-01", "end": "2025-12-31"})
        tables = oversight.dashboard(y.staff.org, *YEAR, now=NOW)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response.content)
    assert rows[0] == oversight.SUMMARY_HEADERS
    got = {(r[0], r[2], r[3]): r[4] for r in rows[1:]}
    for t in tables:
        for line in [*t.lines, t.total]:
            for bucket, n in line.cells:
                assert got[(t.figure.title, line.name, bucket.label)] == n
            assert got[(t.figure.title, line.name, "合计")] == line.total
    assert got[("主动公开信息按期发布", "合计", "按时率(%)")] == tables[0].total.rate


def test_drill_down_export_lists_the_rows(client, y):
    login(client, y.staff.editor)
    dept = y.staff.other_dept.pk
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            EXPORT,
            {
                "figure": "messages",
                "start": "2025-01-01",
                "end": "2026-01-31",
                "department": dept,
                "bucket": "late",
            },
        )
    rows = _sheet(response.content)
    assert rows[0] == oversight.FIGURES["messages"].headers
    titles = {r[0] for r in rows[1:]}
    expected = {p.title for p in y.plans["messages"] if p.dept == dept and p.bucket == "late"}
    assert titles == expected and expected
    assert "张三" not in str(rows)  # the writer's name never leaves in the export


# --- the pages and who may see them ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "leader"])
def test_office_and_leaders_see_the_whole_organisation(client, y, who):
    login(client, getattr(y.staff, who))
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD, {"start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code == 200
    page = response.content.decode()
    for figure in oversight.FIGURES.values():
        assert f'id="figure-{figure.key}"' in page
    assert "艺术科" in page and "产业发展科" in page
    assert 'id="oversight-data"' in page and "<script>" not in page


def test_head_sees_own_department_only(client, y):
    s = y.staff
    login(client, s.head)
    with time_machine.travel(NOW, tick=False):
        response = client.get(DASHBOARD, {"start": "2025-01-01", "end": "2025-12-31"})
        page = response.content.decode()
        assert response.status_code == 200
        assert "艺术科" in page and "产业发展科" not in page
        for url in (DASHBOARD, DASHBOARD + "messages/", EXPORT):
            refused = client.get(url, {"department": s.other_dept.pk})
            assert refused.status_code == 403, url
            assert "科室负责人只能查看本科室的统计" in refused.content.decode()
        drill = client.get(
            DASHBOARD + "messages/", {"start": "2025-01-01", "end": "2026-01-31"}
        ).content.decode()
        export = _sheet(
            client.get(EXPORT, {"figure": "messages", "start": "2025-01-01", "end": "2026-01-31"}).content
        )
    mine = {p.title for p in y.plans["messages"] if p.dept == s.dept.pk}
    others = {p.title for p in y.plans["messages"] if p.dept != s.dept.pk}
    assert all(t in drill for t in mine)
    assert not any(t in drill for t in others)
    assert {r[0] for r in export[1:]} == mine


@pytest.mark.parametrize("who", ["drafter", "secrecy", "policy_reviewer", "system_admin", "audit_admin"])
def test_others_are_refused_in_chinese(client, y, who):
    login(client, getattr(y.staff, who))
    for url in (DASHBOARD, DASHBOARD + "publications/", EXPORT):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "只有办公室编辑、分管领导和科室负责人可以查看统计监督" in response.content.decode()


def test_head_without_department_is_told_why(client, db):
    staff = make_staff()
    user = UserFactory()
    MembershipFactory(user=user, organization=staff.org, department=None, roles=[Role.DEPARTMENT_HEAD])
    login(client, user)
    response = client.get(DASHBOARD)
    assert response.status_code == 403
    assert "尚未分配科室" in response.content.decode()


def test_anonymous_goes_to_login(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_drill_down_page_lists_the_counted_rows(client, y):
    login(client, y.staff.editor)
    dept = y.staff.dept.pk
    with time_machine.travel(NOW, tick=False):
        response = client.get(
            DASHBOARD + "publications/",
            {"start": "2025-01-01", "end": "2025-12-31", "department": dept, "bucket": "overdue"},
        )
    assert response.status_code == 200
    page = response.content.decode()
    for plan in y.plans["publications"]:
        in_year = YEAR[0] <= plan.anchor <= YEAR[1]
        wanted = in_year and plan.dept == dept and plan.bucket == "overdue"
        assert (f'data-pk="{plan.pk}"' in page) == wanted, plan


def test_dashboard_links_each_number_to_its_records(client, y):
    login(client, y.staff.editor)
    with time_machine.travel(NOW, tick=False):
        page = client.get(DASHBOARD, {"start": "2025-04-01", "end": "2025-06-30"}).content.decode()
    dept = y.staff.other_dept.pk
    assert (
        f"/console/reports/oversight/publications/?start=2025-04-01&amp;end=2025-06-30&amp;department={dept}"
        "&amp;bucket=late" in page
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2025-13-01"}, "开始日期格式不正确"),
        ({"end": "昨天"}, "结束日期格式不正确"),
        ({"start": "2025-06-01", "end": "2025-01-01"}, "开始日期不能晚于结束日期"),
        ({"start": "2010-01-01", "end": "2025-01-01"}, "统计期间不能超过"),
        ({"department": "999999"}, "所选科室不存在或不属于本机构"),
        ({"department": "abc"}, "所选科室不存在或不属于本机构"),
    ],
)
def test_bad_input_is_a_chinese_400(client, y, params, message):
    login(client, y.staff.editor)
    for url in (DASHBOARD, DASHBOARD + "messages/", EXPORT):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert message in response.content.decode()


def test_unknown_figure_and_bucket(client, y):
    login(client, y.staff.editor)
    assert client.get(DASHBOARD + "nothing/").status_code == 404
    assert client.get(EXPORT, {"figure": "nothing"}).status_code == 404
    response = client.get(DASHBOARD + "messages/", {"bucket": "weird"})
    assert response.status_code == 400
    assert "没有这个分类" in response.content.decode()


def test_other_departments_of_another_organisation_are_refused(client, y):
    login(client, y.staff.editor)
    response = client.get(DASHBOARD, {"department": y.other.dept.pk})
    assert response.status_code == 400
    assert "所选科室不存在或不属于本机构" in response.content.decode()


def test_digits_that_int_refuses_are_ignored_not_a_500(client, y):
    """ "²".isdigit() is true but int() refuses it (found by tests/security): a 400 or the page."""
    for who in ("editor", "head"):  # the whole organisation, and a department head's own department
        login(client, getattr(y.staff, who))
        for query in ({"department": "²"}, {"department": "²", "start": "bad"}):
            assert client.get(DASHBOARD, query).status_code in (200, 400), (who, query)
            assert client.get(EXPORT, query).status_code in (200, 400), (who, query)


def test_header_links_to_the_dashboard(client, y):
    for who, shown in (("editor", True), ("leader", True), ("head", True), ("drafter", False)):
        login(client, getattr(y.staff, who))
        page = client.get("/console/").content.decode()
        assert ('href="/console/reports/oversight/"' in page) == shown, who


@pytest.mark.django_db
def test_every_export_is_audited(client):
    from gongkai.audit.models import AuditEvent
    from tests.factories import make_staff

    staff = make_staff()
    client.force_login(staff.editor, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/console/reports/oversight.xlsx")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="reports.oversight.exported")
    assert event.actor_id == staff.editor.pk and event.data["figure"] == ""
