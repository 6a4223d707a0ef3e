"""The console pages of the annual report: who may see and do what, the form with its Chinese messages
(nothing typed is lost), the counted preview, the Word download and 生成发布稿."""

import datetime
import io

import pytest
import time_machine
from docx import Document

from gongkai.catalogue.constants import InterpretationScope
from gongkai.catalogue.models import DocumentKind
from gongkai.publishing.models import InformationItem
from gongkai.reports import annual
from gongkai.reports.models import AnnualReport
from tests.factories import CatalogueEntryFactory, make_published, make_staff
from tests.reports.conftest import login
from tests.reports.test_annual_figures import balanced

pytestmark = pytest.mark.django_db

LIST = "/console/reports/annual/"
YEAR = "/console/reports/annual/2025/"
TEXTS = {"overview": "(一)主动公开\n正文。", "problems": "问题。", "other_matters": "其他。"}


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture(autouse=True)
def january():
    with time_machine.travel(datetime.datetime(2026, 1, 12, 2, tzinfo=datetime.UTC)):
        yield


@pytest.mark.parametrize("who", ["drafter", "head", "secrecy", "policy_reviewer", "system_admin"])
def test_others_are_refused_in_chinese(client, staff, who):
    login(client, getattr(staff, who))
    for url in (LIST, YEAR, YEAR + "docx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "政府信息公开工作年度报告由办公室编辑编制、分管领导查看" in response.content.decode()
    response = client.post(YEAR, {**balanced(), **TEXTS})
    assert response.status_code == 403
    assert client.post(YEAR + "publish").status_code == 403
    assert not AnnualReport.objects.exists()


def test_anonymous_goes_to_login(client):
    response = client.get(YEAR)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_leader_reads_but_cannot_save(client, staff):
    annual.save_report(user=staff.editor, organization=staff.org, year=2025, values={**balanced(), **TEXTS})
    login(client, staff.leader)
    page = client.get(YEAR).content.decode()
    assert "行政事业性收费" in page and "12.5" in page
    assert 'name="fees"' not in page and "保存</button>" not in page and "生成发布稿</button>" not in page
    assert "readonly" in page
    assert client.get(LIST).status_code == 200
    response = client.post(YEAR, {**balanced(), **TEXTS, "problems": "领导改的"})
    assert response.status_code == 403
    assert "只有办公室编辑可以填报" in response.content.decode()
    assert AnnualReport.objects.get().problems == "问题。"
    assert client.get(YEAR + "docx").status_code == 200


def test_null_characters_are_replaced_not_a_500(client, staff):
    """PostgreSQL refuses NUL in text (found by tests/security): it becomes U+FFFD."""
    login(client, staff.editor)
    response = client.post(YEAR, {**balanced(), **TEXTS, "problems": "问\x00题。"})
    assert response.status_code == 302
    assert AnnualReport.objects.get().problems == "问\ufffd题。"


def test_list_shows_years_status_and_deadline(client, staff):
    annual.save_report(user=staff.editor, organization=staff.org, year=2025, values={**balanced(), **TEXTS})
    login(client, staff.editor)
    page = client.get(LIST).content.decode()
    assert "2026年" in page and "2025年" in page
    assert "2026年1月31日" in page and "待公布" in page
    assert "草稿" in page and "尚未填报" in page


def test_editor_page_prefills_and_previews_the_counted_table(client, staff):
    entry = CatalogueEntryFactory(
        organization=staff.org,
        code="0202",
        name="行政规范性文件",
        interpretation=InterpretationScope.NORMATIVE,
    )
    with time_machine.travel(datetime.datetime(2025, 5, 1, 2, tzinfo=datetime.UTC)):
        make_published(
            staff,
            catalogue_entry=entry,
            formed_on=datetime.date(2025, 4, 1),
            needs_interpretation=False,
            interpretation_override_reason="测试。",
        )
    login(client, staff.editor)
    page = client.get(YEAR).content.decode()
    assert "尚未填报" in page
    assert "2025年,本机关通过政府信息公开平台主动公开政府信息1条" in page  # part 一 prefilled
    assert '<td class="annual-number annual-computed">1</td>' in page  # 行政规范性文件 made, counted
    assert 'name="decision-licensing"' in page and 'name="app-new-natural"' in page
    assert 'name="app-results_total-natural"' not in page  # totals are never typed


def test_save_then_bad_input_keeps_everything_typed(client, staff):
    login(client, staff.editor)
    response = client.post(YEAR, {**balanced(), **TEXTS, "lock_version": "0"})
    assert response.status_code == 302 and response["Location"] == YEAR
    report = AnnualReport.objects.get()
    assert report.figures["decisions"]["licensing"] == 120

    bad = {
        **balanced(),
        **TEXTS,
        "problems": "我新写的一大段问题分析。",
        annual.application_field("new", "natural"): "-3",
        annual.FEES_FIELD: "1.234567",
        "lock_version": str(report.lock_version),
    }
    response = client.post(YEAR, bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "有2处填写有误" in page
    assert "须填写不小于0的整数" in page and "最多保留4位小数" in page
    assert 'value="-3"' in page and 'value="1.234567"' in page and "我新写的一大段问题分析。" in page
    assert 'aria-invalid="true"' in page
    report.refresh_from_db()
    assert report.problems == "问题。" and report.lock_version == 0


def test_stale_form_is_refused_and_kept(client, staff):
    report = annual.save_report(user=staff.editor, organization=staff.org, year=2025, values=balanced())
    annual.save_report(
        user=staff.editor2, organization=staff.org, year=2025, values=balanced(), lock_version=0
    )
    login(client, staff.editor)
    response = client.post(
        YEAR, {**balanced(), **TEXTS, "problems": "我的修改", "lock_version": str(report.lock_version)}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "已被他人修改" in page and "我的修改" in page


@pytest.mark.parametrize(
    "url", ["/console/reports/annual/2007/", "/console/reports/annual/2027/", "/console/reports/annual/99/"]
)
def test_years_out_of_range_are_404(client, staff, url):
    login(client, staff.editor)
    assert client.get(url).status_code == 404


def test_word_download(client, staff):
    annual.save_report(user=staff.editor, organization=staff.org, year=2025, values={**balanced(), **TEXTS})
    login(client, staff.editor)
    response = client.get(YEAR + "docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    assert document.tables[0].cell(6, 1).text == "120"


def test_generate_publication_from_the_page(client, staff):
    login(client, staff.editor)
    response = client.post(YEAR + "publish", follow=True)
    assert "请先保存年度报告的填报内容" in response.content.decode()
    annual.save_report(user=staff.editor, organization=staff.org, year=2025, values={**balanced(), **TEXTS})
    response = client.post(YEAR + "publish", {"topic": str(staff.topic.pk)}, follow=True)
    assert "没有“政府信息公开年报”栏目" in response.content.decode()
    assert not InformationItem.objects.exists()
    response = client.post(YEAR + "publish", {"topic": "abc"}, follow=True)
    assert "所选主题分类不存在或不属于本机构" in response.content.decode()
    # "²".isdigit() is true but int() refuses it: a Chinese message, not a 500 (tests/security).
    response = client.post(YEAR + "publish", {"topic": "²"}, follow=True)
    assert "所选主题分类不存在或不属于本机构" in response.content.decode()

    CatalogueEntryFactory(
        organization=staff.org, code="nb", name="年报", document_kind=DocumentKind.ANNUAL_REPORT
    )
    response = client.post(YEAR + "publish", {"topic": str(staff.topic.pk)})
    item = InformationItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/items/{item.pk}/"
    assert AnnualReport.objects.get().item == item
    page = client.get(YEAR).content.decode()
    assert "更新发布稿" in page and f"/console/items/{item.pk}/" in page
