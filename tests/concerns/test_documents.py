"""Reports to superiors as Word files (issue 6 item 6, R4): read back with python-docx."""

from __future__ import annotations

import datetime
import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from gongkai.concerns import documents
from gongkai.concerns.constants import CaseStatus, ReportKind, RiskLevel, Severity
from gongkai.concerns.models import Case, Report
from tests.factories import make_staff
from tests.orgs.factories import OrganizationFactory

UTC = datetime.UTC


def at(hour: int, minute: int = 0, day: int = 1) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def texts(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def in_order(haystack: list[str], needles: list[str]) -> bool:
    """Every needle is a paragraph of haystack, in this order."""
    position = 0
    for needle in needles:
        try:
            position = haystack.index(needle, position) + 1
        except ValueError:
            return False
    return True


@pytest.fixture
def staff(db):
    return make_staff(OrganizationFactory(name="市文化和旅游局"))


@pytest.fixture
def case(staff):
    case = Case.objects.create(
        organization=staff.org,
        title="某景区国庆排队踩踏传言",
        summary="网民称景区发生踩踏。\n经核实系谣言。",
        severity=Severity.MAJOR,
        status=CaseStatus.ASSESSING,
        department=staff.dept,
        detected_at=at(6, 5),  # 14:05 in Beijing
        background="国庆假期客流高峰。",
        trend="可能继续发酵\n引发对安全管理的质疑",
        risk_level=RiskLevel.HIGH,
        emergency_plan="5 小时内发布权威信息。",
    )
    # written out of order on purpose: the documents follow the sending time
    Report.objects.create(
        case=case,
        kind=ReportKind.FOLLOW_UP,
        sent_at=at(10),
        recipients="市委网信办",
        content="续报一内容:已发布辟谣。",
        author=staff.editor,
    )
    Report.objects.create(
        case=case,
        kind=ReportKind.INITIAL,
        sent_at=at(7),
        recipients="市委网信办、市政府办公室",
        content="首报第一段\n首报第二段",
        author=staff.head,
    )
    Report.objects.create(
        case=case,
        kind=ReportKind.FOLLOW_UP,
        sent_at=at(0, 30, day=2),
        recipients="市政府办公室",
        content="续报二内容:舆情平息。",
        author=staff.editor,
    )
    return case


def test_case_document_has_facts_assessment_and_every_report_in_order(case, staff):
    paragraphs = texts(documents.case_reports_docx(case))
    assert paragraphs[:2] == ["政务舆情报告", "某景区国庆排队踩踏传言"]
    assert in_order(
        paragraphs,
        [
            "一、基本情况",
            "事件名称:某景区国庆排队踩踏传言",
            "机构:市文化和旅游局",
            "级别:重大",
            "状态:研判",
            "责任科室:艺术科",
            "发现时间:2026年12月1日 14:05",
            "基本情况:",
            "网民称景区发生踩踏。",
            "经核实系谣言。",
            "二、舆情研判",
            "事件背景:",
            "国庆假期客流高峰。",
            "传播趋势及可能后果:",
            "可能继续发酵",
            "引发对安全管理的质疑",
            "风险等级:高",
            "应急处置方案:",
            "5 小时内发布权威信息。",
            "三、报告记录",
            "(首报)",
            "报送时间:2026年12月1日 15:00",
            "报送对象:市委网信办、市政府办公室",
            f"报送人:{staff.head.display_name}",
            "首报内容:",
            "首报第一段",
            "首报第二段",
            "(续报1)",
            "报送时间:2026年12月1日 18:00",
            "续报1内容:",
            "续报一内容:已发布辟谣。",
            "(续报2)",
            "报送时间:2026年12月2日 08:30",
            "报送对象:市政府办公室",
            "续报二内容:舆情平息。",
        ],
    )
    # unfilled 研判 fields are left out
    assert not any(p.startswith(("境内外舆情态势", "主要观点")) for p in paragraphs)


def test_a_case_without_assessment_or_reports_says_so(staff):
    case = Case.objects.create(organization=staff.org, title="小事", detected_at=at(1))
    paragraphs = texts(documents.case_reports_docx(case))
    assert in_order(paragraphs, ["一、基本情况", "级别:一般", "状态:新发现", "责任科室:未指定"])
    assert in_order(paragraphs, ["二、报告记录", "尚未向上级报告。"])
    assert "二、舆情研判" not in paragraphs


def test_single_report_document_is_numbered_and_holds_only_that_report(case):
    second = case.reports.get(content__startswith="续报二")
    paragraphs = texts(documents.report_docx(second))
    assert paragraphs[:2] == ["政务舆情报告", "某景区国庆排队踩踏传言(续报2)"]
    assert in_order(
        paragraphs,
        [
            "事件名称:某景区国庆排队踩踏传言",
            "发现时间:2026年12月1日 14:05",
            "报送时间:2026年12月2日 08:30",
            "报送对象:市政府办公室",
            "续报2内容:",
            "续报二内容:舆情平息。",
        ],
    )
    joined = "\n".join(paragraphs)
    assert "首报第一段" not in joined and "续报一内容" not in joined

    initial = case.reports.get(kind=ReportKind.INITIAL)
    assert texts(documents.report_docx(initial))[1] == "某景区国庆排队踩踏传言(首报)"
    assert [documents.report_label(r) for r in case.reports.all()] == ["首报", "续报1", "续报2"]


def test_chinese_text_uses_songti_as_east_asian_font(case):
    document = Document(io.BytesIO(documents.case_reports_docx(case)))
    normal_fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal_fonts.get(qn("w:eastAsia")) == "宋体"
    body_run = next(p for p in document.paragraphs if p.text == "首报第一段").runs[0]
    assert body_run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"


def test_control_characters_in_the_content_do_not_break_the_file(case, staff):
    report = Report.objects.create(
        case=case,
        kind=ReportKind.FOLLOW_UP,
        sent_at=at(3, day=3),
        recipients="市委\x0b网信办",
        content="带控制符\x07的内容\r\n第二行",
        author=staff.head,
    )
    paragraphs = texts(documents.report_docx(report))
    assert in_order(paragraphs, ["报送对象:市委网信办", "带控制符的内容", "第二行"])
    assert "带控制符的内容" in texts(documents.case_reports_docx(case))


def test_time_is_written_in_beijing_time():
    assert documents.format_time(datetime.datetime(2026, 12, 31, 16, 5, tzinfo=UTC)) == "2027年1月1日 00:05"
    assert documents.format_time(None) == ""


def test_file_names_carry_the_case_and_report(case):
    assert documents.docx_filename(case) == "政务舆情报告-某景区国庆排队踩踏传言.docx"
    case.title = "a/b:c*?"
    follow_up = case.reports.filter(kind=ReportKind.FOLLOW_UP).first()
    assert documents.docx_filename(case, follow_up) == "政务舆情报告-a_b_c-续报1.docx"
