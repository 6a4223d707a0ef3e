"""The annual report as a Word file (python-docx reads it back) and `gongkai annual_report YEAR`."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from docx import Document
from docx.oxml.ns import qn

from gongkai.catalogue.constants import InterpretationScope
from gongkai.publishing import services
from gongkai.reports import annual
from gongkai.reports.models import AnnualReport
from tests.factories import CatalogueEntryFactory, make_published, make_staff
from tests.reports.test_annual_figures import balanced

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def report(staff):
    """Three 行政规范性文件 (two made in 2025, one of them abolished in 2025) and a saved report."""
    entry = CatalogueEntryFactory(
        organization=staff.org,
        code="0202",
        name="行政规范性文件",
        interpretation=InterpretationScope.NORMATIVE,
    )
    normative = {
        "catalogue_entry": entry,
        "needs_interpretation": False,
        "interpretation_override_reason": "测试。",
    }
    with time_machine.travel(datetime.datetime(2025, 8, 1, 2, tzinfo=datetime.UTC)):
        make_published(staff, formed_on=datetime.date(2024, 6, 1), **normative)
        make_published(staff, formed_on=datetime.date(2025, 3, 1), **normative)
        gone = make_published(staff, formed_on=datetime.date(2025, 4, 1), **normative)
        services.abolish(user=staff.editor, item=gone, abolished_on=datetime.date(2025, 7, 1))
    values = {
        **balanced(),
        "overview": "(一)主动公开\n本年度主动公开政府信息若干条。\n\n(二)依申请公开\n依法办理申请。",
        "problems": "部分栏目更新不够及时,已建立月度检查制度。",
        "other_matters": "本年度未收取信息处理费。办理人大代表建议5件、政协提案3件。",
    }
    return annual.save_report(user=staff.editor, organization=staff.org, year=2025, values=values)


def _open(content: bytes):
    return Document(io.BytesIO(content))


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def test_docx_has_the_six_parts_in_order_and_the_texts(report, staff):
    document = _open(annual.annual_report_docx(annual.report_data(report)))
    texts = _texts(document)
    assert texts[0] == f"{staff.org.name}2025年政府信息公开工作年度报告"
    assert "国办公开办函〔2021〕30号" in texts[1] and "自2025年1月1日起至2025年12月31日止" in texts[1]
    positions = [texts.index(heading) for heading in annual.PART_HEADINGS]
    assert positions == sorted(positions)
    assert texts[positions[0] + 1 : positions[0] + 5] == [
        "(一)主动公开",
        "本年度主动公开政府信息若干条。",
        "(二)依申请公开",
        "依法办理申请。",
    ]
    assert texts[positions[4] + 1] == "部分栏目更新不够及时,已建立月度检查制度。"
    assert texts[positions[5] + 1] == "本年度未收取信息处理费。办理人大代表建议5件、政协提案3件。"
    assert document.core_properties.title == texts[0]
    body = document.paragraphs[1].runs[0]._element
    assert body.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"


def test_docx_tables_carry_the_counted_and_entered_figures(report):
    two, three, four = _open(annual.annual_report_docx(annual.report_data(report))).tables
    # Part 二: counted 行政规范性文件 (made 2, abolished 1, in force 2), 规章 all zero; entered figures.
    assert [c.text for c in two.rows[1].cells] == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    assert [c.text for c in two.rows[2].cells] == ["规章", "0", "0", "0"]
    assert [c.text for c in two.rows[3].cells] == ["行政规范性文件", "2", "1", "2"]
    assert two.cell(0, 0).text == two.cell(0, 3).text == "第二十条第(一)项"  # merged across
    values = {row.cells[0].text: row.cells[1].text for row in two.rows}
    assert values["行政许可"] == "120"
    assert values["行政处罚"] == "35"
    assert values["行政强制"] == "4"
    assert values["行政事业性收费"] == "12.5"
    assert two.cell(13, 3).text == "12.5"  # the amount spans the row

    # Part 三: 3 header rows + 25 rows, 3 label columns + 6 applicant columns + 总计.
    assert (len(three.rows), len(three.columns)) == (28, 10)
    assert three.cell(0, 0).text == annual.CONSISTENCY_NOTE
    assert [three.cell(2, c).text for c in range(3, 10)] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]

    def row(label: str) -> list[str]:
        for r in three.rows:
            if r.cells[2].text == label:
                return [c.text for c in r.cells[3:]]
        raise AssertionError(label)

    assert row("一、本年新收政府信息公开申请数量") == ["10", "2", "0", "0", "0", "0", "12"]
    assert row("(一)予以公开") == ["6", "0", "0", "0", "0", "0", "6"]
    assert row("1.属于国家秘密") == ["1", "0", "0", "0", "0", "0", "1"]
    assert row("(七)总计") == ["11", "2", "0", "0", "0", "0", "13"]
    assert row("四、结转下年度继续办理") == ["2", "0", "0", "0", "0", "0", "2"]
    # The labels are merged as the national form merges them.
    assert three.cell(5, 0).text == three.cell(26, 0).text == "三、本年度办理结果"
    assert three.cell(7, 1).text == three.cell(14, 1).text == "(三)不予公开"
    assert three.cell(5, 1).text == three.cell(5, 2).text == "(一)予以公开"

    # Part 四: 行政复议 and the two kinds of 行政诉讼, each with its total.
    assert (len(four.rows), len(four.columns)) == (4, 15)
    assert four.cell(0, 0).text == "行政复议" and four.cell(0, 5).text == "行政诉讼"
    assert four.cell(1, 5).text == "未经复议直接起诉" and four.cell(1, 10).text == "复议后起诉"
    assert [c.text for c in four.rows[3].cells] == [
        "2", "0", "0", "1", "3", "0", "0", "0", "0", "0", "0", "1", "0", "0", "1",
    ]  # fmt: skip


def test_body_html_has_the_parts_and_tables(report):
    html = annual.body_html(annual.report_data(report))
    for heading in annual.PART_HEADINGS:
        assert f"<h3>{heading}</h3>" in html
    assert html.count("<table>") == 3
    assert 'colspan="3" rowspan="3">' + annual.CONSISTENCY_NOTE in html
    assert "<p>部分栏目更新不够及时,已建立月度检查制度。</p>" in html


def test_command_writes_the_docx(report, staff, tmp_path):
    out = io.StringIO()
    target = tmp_path / "nb.docx"
    call_command("annual_report", "2025", "--org", staff.org.code, "--output", str(target), stdout=out)
    assert "行政规范性文件:本年制发2件,本年废止1件,现行有效2件" in out.getvalue()
    assert str(target) in out.getvalue()
    document = _open(target.read_bytes())
    assert _texts(document)[0] == f"{staff.org.name}2025年政府信息公开工作年度报告"
    assert document.tables[1].cell(3, 3).text == "10"
    assert AnnualReport.objects.count() == 1  # writes nothing to the database


def test_command_without_a_saved_report_uses_the_prefill(staff, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    call_command("annual_report", "2024", stdout=out, stderr=err)  # a single organisation: no --org needed
    path = tmp_path / f"annual-report-{staff.org.code}-2024.docx"
    texts = _texts(_open(path.read_bytes()))
    assert "(一)主动公开" in texts
    assert "尚未填报" in out.getvalue()
    assert not AnnualReport.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["20x5"], "请填写四位数字的年份"),
        (["2007"], "年度须在2008年至"),
        (["2025", "--org", "nowhere"], "机构“nowhere”不存在"),
        (["2025", "--output", "nb.pdf"], "须以 .docx 结尾"),
    ],
)
def test_command_refuses_bad_arguments_in_chinese(staff, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("annual_report", *args)


def test_command_needs_org_when_there_are_several(staff):
    make_staff()
    with pytest.raises(CommandError, match="有多个机构,请用 --org 指定机构代码"):
        call_command("annual_report", "2025")
