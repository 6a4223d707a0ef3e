"""Issue 5's browser test: a 规范性文件 goes through review with its interpretation plan and the policy
department's opinion; its interpretation follows within the deadline; the two public pages link each other."""

import os

import pytest
from django.db import connection

from gongkai.catalogue.constants import InterpretationScope
from gongkai.interpretation import rules
from gongkai.publishing.models import InformationItem
from tests.browser import launch, needs_chromium
from tests.console.test_publishing_in_browser import _approve_from_inbox, _log_in
from tests.factories import CatalogueEntryFactory, make_staff

pytestmark = needs_chromium

TITLE = "晋中市A级旅游景区管理办法"


@pytest.fixture
def staff(transactional_db, settings):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    staff = make_staff()
    staff.normative = CatalogueEntryFactory(
        organization=staff.org, name="行政规范性文件", interpretation=InterpretationScope.NORMATIVE
    )
    staff.column = CatalogueEntryFactory(
        organization=staff.org, name="政策解读", interpretation=InterpretationScope.COLUMN
    )
    return staff


def _publish(browser, base, staff, item):
    context, page = _log_in(browser, base, staff.editor)
    page.goto(f"{base}/console/items/{item.pk}/")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_load_state()
    context.close()


def test_a_normative_document_and_its_interpretation(staff, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    with sync_playwright() as p:
        browser = launch(p)
        # The drafter writes the document; its column proposes interpretation.
        context, page = _log_in(browser, base, staff.drafter)
        page.goto(base + "/console/items/new/")
        page.get_by_label("标题").fill(TITLE)
        page.get_by_label("文号").fill("晋市文旅规〔2026〕1号")
        page.get_by_label("牵头(制作)科室").select_option(label=staff.dept.name)
        page.get_by_label("成文日期").fill("2026-11-20")
        page.get_by_label("所属主题").select_option(label=staff.topic.name)
        page.get_by_label("目录分类").select_option(label="行政规范性文件")
        page.get_by_label("内容概述").fill("A级旅游景区的评定、复核和管理。")
        page.get_by_label("正文", exact=True).fill("<p>第一条 为规范A级旅游景区管理,制定本办法。</p>")
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_url("**/console/items/*/")
        document = InformationItem.objects.get(revisions__title=TITLE)

        # Submitting without a plan is refused; with the plan it goes.
        page.get_by_role("button", name="提交审核").click()
        page.wait_for_load_state()
        assert page.get_by_text("请先填写解读方案").count() >= 1
        page.get_by_label("解读工作的组织").fill("艺术科牵头,科长为第一责任人")
        page.get_by_label("解读提纲").fill("一、出台背景;二、主要内容;三、新旧对比")
        page.get_by_label("文字解读").check()
        page.get_by_label("图解").check()
        page.get_by_label("计划发布时间").fill("2026-11-30")
        page.get_by_label("发布渠道").fill("门户网站政策解读栏目")
        page.get_by_role("button", name="保存解读方案").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="提交审核").click()
        page.wait_for_load_state()
        context.close()

        for person in (staff.head, staff.secrecy, staff.editor2):
            _approve_from_inbox(browser, base, person, document, "同意")
        # The policy department gives its opinion on the document's page, then the leader signs.
        context, page = _log_in(browser, base, staff.policy_reviewer)
        page.goto(f"{base}/console/items/{document.pk}/")
        page.get_by_label("意见").fill("解读材料准确、通俗,同意。")
        page.get_by_role("button", name="出具意见").click()
        page.wait_for_load_state()
        context.close()
        _approve_from_inbox(browser, base, staff.leader, document, "同意发布")
        _publish(browser, base, staff, document)
        document.refresh_from_db()
        assert document.status == "published" and document.interpretation_due_on is not None

        # The interpretation, started from the document's page with the template, goes the same way.
        context, page = _log_in(browser, base, staff.drafter)
        page.goto(f"{base}/console/items/{document.pk}/")
        page.get_by_role("link", name="新建解读材料").click()
        page.wait_for_load_state()
        assert page.get_by_label("标题").input_value() == f"《{TITLE}》政策解读"
        page.get_by_label("成文日期").fill("2026-11-21")
        page.get_by_label("内容概述").fill("图文解读A级旅游景区管理办法。")
        page.get_by_role("button", name="保存草稿").click()
        page.wait_for_url("**/console/items/*/")
        child = InformationItem.objects.get(revisions__title=f"《{TITLE}》政策解读")
        page.get_by_role("button", name="提交审核").click()
        page.wait_for_load_state()
        context.close()
        for person in (staff.head, staff.secrecy, staff.editor2, staff.leader):
            _approve_from_inbox(browser, base, person, child, "同意")
        _publish(browser, base, staff, child)
        child.refresh_from_db()
        assert child.status == "published"

        # A citizen goes from the document to its interpretation and back.
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(f"{base}/xxgk/items/{document.index_number}/")
        page.get_by_role("link", name=f"《{TITLE}》政策解读").click()
        page.wait_for_url(f"**/xxgk/items/{child.index_number}/")
        page.get_by_role("link", name=TITLE).click()
        page.wait_for_url(f"**/xxgk/items/{document.index_number}/")
        page.screenshot(path=str(tmp_path / "document.png"), full_page=True)
        context.close()
        browser.close()
        connection.close()
    assert rules.timeliness([InformationItem.objects.get(pk=document.pk)])[0].state == "on_time"
