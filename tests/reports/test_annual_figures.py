"""The entered figures of the annual report: validation (Chinese, every bad cell named), totals
computed (never typed), the 勾稽关系 of part 三, the stored JSON and the audited save."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongkai.audit.models import AuditEvent
from gongkai.publishing.exceptions import WorkflowError
from gongkai.reports import annual
from gongkai.reports.models import AnnualReport
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

APP = annual.application_field


@pytest.fixture
def staff(db):
    return make_staff()


def balanced() -> dict[str, str]:
    """A consistent part 三: 12 + 3 received = 13 handled + 2 carried forward (per column and in total)."""
    return {
        APP("new", "natural"): "10",
        APP("new", "business"): "2",
        APP("carried_over", "natural"): "3",
        APP("granted", "natural"): "6",
        APP("partly", "natural"): "2",
        APP("refused_secret", "natural"): "1",
        APP("unable_not_held", "natural"): "2",
        APP("ignored_repeat", "business"): "1",
        APP("other_other", "business"): "1",
        APP("carried_forward", "natural"): "2",
        annual.decision_field("licensing"): "120",
        annual.decision_field("penalty"): "35",
        annual.decision_field("enforcement"): "4",
        annual.FEES_FIELD: "12.5",
        annual.review_field("reconsideration", "maintained"): "2",
        annual.review_field("reconsideration", "pending"): "1",
        annual.review_field("litigation_after", "corrected"): "1",
    }


def test_blank_cells_are_zero_and_the_schema_has_every_cell():
    entered = annual.clean_entered({})
    assert entered.decisions == {"licensing": 0, "penalty": 0, "enforcement": 0}
    assert entered.fees == 0
    assert set(entered.applications) == set(annual.ENTERED_ROWS)
    assert len(annual.ENTERED_ROWS) == 24  # 2 received + 21 results (2 + 8 + 3 + 5 + 3) + 1 carried forward
    assert all(set(cells) == {c for c, _ in annual.APPLICANTS} for cells in entered.applications.values())
    assert annual.RESULTS_TOTAL not in entered.applications
    assert set(entered.reviews) == {"reconsideration", "litigation_direct", "litigation_after"}
    # 8 不予公开, 3 无法提供, 5 不予处理, 3 其他处理 reasons, as in the 2021 format.
    groups = [labels[1] for _key, labels in annual.APPLICATION_ROWS if len(labels) == 3]
    assert [
        groups.count(g) for g in (annual.REFUSED, annual.UNABLE, annual.NOT_PROCESSED, annual.OTHER_HANDLING)
    ] == [
        8,
        3,
        5,
        3,
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "须填写不小于0的整数"),
        ("1.5", "须填写不小于0的整数"),
        ("十", "须填写不小于0的整数"),
        ("1e3", "须填写不小于0的整数"),
        ("1000000000", "不能超过999999999"),
        (True, "须填写不小于0的整数"),
    ],
)
def test_bad_counts_are_refused_naming_the_cell(value, message):
    with pytest.raises(ValidationError) as caught:
        annual.clean_entered({APP("refused_secret", "business"): value, APP("new", "natural"): "3"})
    errors = caught.value.message_dict
    assert list(errors) == [APP("refused_secret", "business")]
    assert message in errors[APP("refused_secret", "business")][0]
    assert (
        "申请情况“(三)不予公开1.属于国家秘密”(法人或其他组织-商业企业)"
        in errors[APP("refused_secret", "business")][0]
    )


def test_full_width_digits_and_separators_are_read():
    entered = annual.clean_entered({APP("new", "natural"): "1,234", annual.decision_field("penalty"): " 7 "})
    assert entered.applications["new"]["natural"] == 1234
    assert entered.decisions["penalty"] == 7


@pytest.mark.parametrize(
    ("value", "ok", "message"),
    [
        ("12.5", Decimal("12.5"), None),
        ("0.0001", Decimal("0.0001"), None),
        ("", Decimal(0), None),
        ("0.00001", None, "最多保留4位小数"),
        ("-3", None, "不能为负数"),
        ("abc", None, "须填写金额"),
        ("NaN", None, "须填写金额"),
        ("Infinity", None, "须填写金额"),
        ("1000000000", None, "不能超过"),
    ],
)
def test_fees_are_an_amount_in_ten_thousand_yuan(value, ok, message):
    if ok is not None:
        assert annual.clean_entered({annual.FEES_FIELD: value}).fees == ok
        return
    with pytest.raises(ValidationError) as caught:
        annual.clean_entered({annual.FEES_FIELD: value})
    assert message in caught.value.message_dict[annual.FEES_FIELD][0]
    assert "行政事业性收费" in caught.value.message_dict[annual.FEES_FIELD][0]


def test_every_bad_cell_is_reported_at_once():
    values = {APP(row, "natural"): "x" for row in annual.ENTERED_ROWS}
    values[annual.FEES_FIELD] = "-1"
    with pytest.raises(ValidationError) as caught:
        annual.clean_entered(values)
    assert len(caught.value.message_dict) == len(annual.ENTERED_ROWS) + 1


def test_totals_are_computed_and_the_table_balances():
    entered = annual.clean_entered(balanced())
    totals = annual.totals_of(entered)
    rows = totals.application_rows
    assert rows["new"]["total"] == 12
    assert rows["new"]["business"] == 2
    assert rows[annual.RESULTS_TOTAL] == {
        "natural": 11,
        "business": 2,
        "research": 0,
        "public_interest": 0,
        "legal_service": 0,
        "other_org": 0,
        "total": 13,
    }
    assert rows["carried_forward"]["total"] == 2
    assert totals.problems == []
    assert totals.reviews["reconsideration"]["total"] == 3
    assert totals.reviews["litigation_after"]["total"] == 1
    assert totals.reviews["litigation_direct"]["total"] == 0


def test_unbalanced_columns_are_named():
    values = balanced()
    values[APP("granted", "business")] = "4"  # business: 2 received, 6 handled
    problems = annual.totals_of(annual.clean_entered(values)).problems
    assert len(problems) == 2  # the business column and the 总计 column
    assert "“法人或其他组织-商业企业”列" in problems[0] and "为2" in problems[0] and "为6" in problems[0]
    assert "“总计”列" in problems[1]


def test_json_round_trip_stores_no_totals_and_reads_junk_as_zero():
    entered = annual.clean_entered(balanced())
    stored = entered.to_json()
    assert set(stored) == {"decisions", "fees", "applications", "reviews"}
    assert annual.RESULTS_TOTAL not in stored["applications"]
    assert all("total" not in cells for cells in stored["applications"].values())
    assert stored["fees"] == "12.5"
    assert annual.entered_from_json(stored) == entered
    assert annual.entered_from_json(
        {"applications": {"new": {"natural": -4}}, "fees": [1]}
    ) == annual.clean_entered({})
    assert annual.entered_from_json(None) == annual.clean_entered({})


def test_save_report_is_audited_and_typed_totals_are_ignored(staff):
    values = {
        **balanced(),
        APP(annual.RESULTS_TOTAL, "natural"): "999",
        "overview": "(一)主动公开\n本年主动公开信息。",
        "problems": "栏目更新不够及时。",
        "other_matters": "本年未收取信息处理费。",
    }
    report = annual.save_report(user=staff.editor, organization=staff.org, year=2025, values=values)
    report.refresh_from_db()
    assert report.figures == annual.clean_entered(balanced()).to_json()
    assert report.overview.startswith("(一)主动公开")
    assert report.created_by == staff.editor and report.updated_by == staff.editor
    event = AuditEvent.objects.filter(action="reports.annual.saved").get()
    assert event.actor == staff.editor and event.data["created"] is True
    assert APP("new", "natural") in event.data["changed"] and "overview" in event.data["changed"]

    values[APP("new", "natural")] = "11"
    report = annual.save_report(
        user=staff.editor2, organization=staff.org, year=2025, values=values, lock_version=report.lock_version
    )
    last = AuditEvent.objects.filter(action="reports.annual.saved").order_by("-pk").first()
    assert last.data["changed"] == [APP("new", "natural")]
    assert report.lock_version == 1 and report.updated_by == staff.editor2


def test_names_left_out_keep_their_saved_values(staff):
    annual.save_report(
        user=staff.editor, organization=staff.org, year=2025, values={**balanced(), "problems": "问题。"}
    )
    report = annual.save_report(
        user=staff.editor, organization=staff.org, year=2025, values={annual.decision_field("penalty"): "36"}
    )
    expected = annual.clean_entered({**balanced(), annual.decision_field("penalty"): "36"})
    assert report.figures == expected.to_json()
    assert report.problems == "问题。"
    report = annual.save_report(
        user=staff.editor, organization=staff.org, year=2025, values={annual.FEES_FIELD: "", "problems": ""}
    )
    assert report.figures["fees"] == "0" and report.problems == ""


def test_bad_input_writes_nothing(staff):
    values = {**balanced(), APP("new", "natural"): "-2", "overview": "x" * (annual.MAX_TEXT + 1)}
    with pytest.raises(ValidationError) as caught:
        annual.save_report(user=staff.editor, organization=staff.org, year=2025, values=values)
    assert set(caught.value.message_dict) == {APP("new", "natural"), "overview"}
    assert "不能超过30000字" in caught.value.message_dict["overview"][0]
    assert not AnnualReport.objects.exists()
    assert not AuditEvent.objects.filter(action="reports.annual.saved").exists()


def test_stale_edit_is_refused(staff):
    report = annual.save_report(user=staff.editor, organization=staff.org, year=2025, values=balanced())
    annual.save_report(
        user=staff.editor2, organization=staff.org, year=2025, values=balanced(), lock_version=0
    )
    with pytest.raises(WorkflowError, match="已被他人修改"):
        annual.save_report(
            user=staff.editor, organization=staff.org, year=2025, values={}, lock_version=report.lock_version
        )
    assert AnnualReport.objects.get().figures == annual.clean_entered(balanced()).to_json()


@pytest.mark.parametrize("who", ["drafter", "head", "leader", "secrecy", "system_admin"])
def test_only_office_editors_save(staff, who):
    with pytest.raises(WorkflowError, match="只有办公室编辑"):
        annual.save_report(user=getattr(staff, who), organization=staff.org, year=2025, values=balanced())
    outsider = make_staff()
    with pytest.raises(WorkflowError, match="不是该机构的工作人员"):
        annual.save_report(user=outsider.editor, organization=staff.org, year=2025, values=balanced())
    assert not AnnualReport.objects.exists()


def test_year_must_be_in_range(staff):
    with pytest.raises(WorkflowError, match="年度须在2008年至"):
        annual.save_report(user=staff.editor, organization=staff.org, year=2007, values={})
    assert annual.year_failures(2008) == []
