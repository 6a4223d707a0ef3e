"""政务舆情 console pages: a case handled from new to closed through the pages, each form's bad input
answered in Chinese (never a 500), the .docx downloads, the settings pages and the inbox section."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document

from gongkai.audit.models import AuditEvent
from gongkai.concerns import services
from gongkai.concerns.constants import (
    CaseStatus,
    Category,
    Channel,
    ClockKind,
    ReportKind,
    ResponseChannel,
    Severity,
    SourceKind,
)
from gongkai.concerns.models import (
    Case,
    CategoryRule,
    Mention,
    MonitoringRule,
    Policy,
    Report,
    Source,
    Webhook,
)
from tests.factories import make_published, make_staff

pytestmark = pytest.mark.django_db

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

ASSESSMENT = {
    "assess-background": "游客在景区排队时发生争执,视频在短视频平台传播。",
    "assess-situation": "境内平台转发约 300 次,境外暂无。",
    "assess-viewpoints": "质疑景区限流安排。",
    "assess-trend": "周末客流高峰可能再次引发关注。",
    "assess-risk_level": "medium",
    "assess-emergency_plan": "景区发布限流说明,增派引导人员。",
}


def login(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.fixture
def staff():
    return make_staff()


def open_case(
    staff, *, hours_ago: float = 1, severity=Severity.GENERAL, department="dept", title="景区排队争执"
):
    return services.open_case(
        organization=staff.org,
        title=title,
        detected_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        severity=severity,
        department=getattr(staff, department) if department else None,
        summary="网民反映景区排队秩序混乱。",
    )


def page(response) -> str:
    return response.content.decode()


def errors_of(response) -> str:
    """The text of the error summaries and field errors of a re-rendered form."""
    html = page(response)
    parts = re.findall(r'<div class="error-summary".*?</div>', html, re.S)
    parts += re.findall(r'<ul class="field__errors".*?</ul>', html, re.S)
    parts += re.findall(r'<li class="message message--error">.*?</li>', html, re.S)
    return re.sub(r"<[^>]+>", "", " ".join(parts))


# --- the whole flow -----------------------------------------------------------------------------------


def test_a_case_goes_from_new_to_closed_through_the_console(client, staff):
    case = open_case(staff, hours_ago=2, severity=Severity.MAJOR)
    url = reverse("concerns:case", args=[case.pk])
    login(client, staff.monitor)

    html = page(client.get(url))
    assert "发布权威信息" in html and "举行新闻发布会" in html
    assert 'class="clock clock--' in html and "剩余" in html  # the clocks, in words as well as colour
    assert "转为“会商”" in html and "转为“研判”" in html

    # 研判: every field saved; the case moves to 研判 by itself.
    response = client.post(reverse("concerns:case_assess", args=[case.pk]), ASSESSMENT)
    assert response.status_code == 302 and response.url == url + "#assessment"
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSING
    assert case.risk_level == "medium" and case.background.startswith("游客在景区")

    response = client.post(reverse("concerns:case_move", args=[case.pk]), {"move-to": "responding"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESPONDING

    # 首报 to superiors, then the Word files.
    response = client.post(
        reverse("concerns:case_report", args=[case.pk]),
        {
            "report-kind": ReportKind.INITIAL,
            "report-sent_at": "",
            "report-recipients": "市委宣传部、市政府办公室",
            "report-content": "景区排队争执的基本事实:无人受伤,秩序已恢复。",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get(case=case)
    assert report.kind == ReportKind.INITIAL and report.author == staff.monitor

    one = client.get(reverse("concerns:report_docx", args=[case.pk, report.pk]))
    assert one.status_code == 200 and one["Content-Type"] == DOCX_TYPE
    assert "attachment" in one["Content-Disposition"] and ".docx" in one["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(one.content)).paragraphs)
    assert "无人受伤" in text and "首报" in text
    every = client.get(reverse("concerns:case_reports_docx", args=[case.pk]))
    assert every.status_code == 200 and every["Content-Type"] == DOCX_TYPE
    text = "\n".join(p.text for p in Document(io.BytesIO(every.content)).paragraphs)
    assert "景区排队争执" in text and "市委宣传部" in text and "景区发布限流说明" in text

    # A press conference one hour after detection meets both clocks, on time.
    held = timezone.localtime(case.detected_at + datetime.timedelta(hours=1))
    response = client.post(
        reverse("concerns:case_response", args=[case.pk]),
        {
            "response-channel": ResponseChannel.PRESS_CONFERENCE,
            "response-summary": "召开新闻发布会通报处置情况。",
            "response-url": "https://news.example.cn/fabuhui/1",
            "response-responded_at": held.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    clocks = {c.kind: c for c in case.clocks.all()}
    assert set(clocks) == {ClockKind.AUTHORITATIVE, ClockKind.PRESS_CONFERENCE}
    for clock in clocks.values():
        assert clock.met_at is not None and clock.met_at <= clock.due_at and clock.breached_at is None
    html = page(client.get(url))
    assert html.count("按时完成") == 2 and "clock--done" in html

    response = client.post(reverse("concerns:case_move", args=[case.pk]), {"move-to": "monitoring"})
    assert response.status_code == 302
    response = client.post(
        reverse("concerns:case_close", args=[case.pk]), {"close-note": "处置完毕,舆情平息。"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closing_note == "处置完毕,舆情平息。"
    assert case.watch_until is not None

    html = page(client.get(url))
    timeline = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    for words in (
        "新建事件",
        "研判:更新",
        "研判 → 回应处置",
        "向上级首报",
        "回应(新闻发布会)",
        "持续监测",
        "办结",
    ):
        assert words in timeline, words
    assert 'name="move-to"' not in html  # a closed case has no status buttons
    assert 'action="' + reverse("concerns:case_assess", args=[case.pk]) not in html


def test_the_website_response_is_drafted_and_opens_in_the_item_editor(client, staff):
    case = open_case(staff)
    draft_url = reverse("concerns:case_draft_website", args=[case.pk])
    # The head records responses but does not draft items: no button, and a refusal in Chinese.
    login(client, staff.head)
    assert draft_url not in page(client.get(reverse("concerns:case", args=[case.pk])))
    response = client.post(draft_url, follow=True)
    assert "只有起草人或办公室编辑可以新建政府信息" in page(response) and not case.responses.exists()
    login(client, staff.drafter)
    assert draft_url in page(client.get(reverse("concerns:case", args=[case.pk])))
    response = client.post(reverse("concerns:case_draft_website", args=[case.pk]))
    assert response.status_code == 302
    response_row = case.responses.get()
    assert response_row.channel == ResponseChannel.WEBSITE and response_row.responded_at is None
    assert response.url == reverse("console:item_edit", args=[response_row.item_id])
    html = page(client.get(reverse("concerns:case", args=[case.pk])))
    assert "待发布" in html and reverse("console:item", args=[response_row.item_id]) in html


def test_a_published_item_of_the_organisation_can_be_chosen_as_the_response(client, staff):
    case = open_case(staff, hours_ago=3)
    item = make_published(staff, title="关于景区排队情况的说明")
    login(client, staff.editor)
    response = client.post(
        reverse("concerns:case_response", args=[case.pk]),
        {
            "response-channel": ResponseChannel.WEBSITE,
            "response-summary": "网站发布说明。",
            "response-item": item.pk,
        },
    )
    assert response.status_code == 302
    clock = case.clocks.get()
    assert clock.met_at == item.published_at


def test_a_referral_is_recorded_on_the_timeline(client, staff):
    case = open_case(staff)
    login(client, staff.drafter)  # the responsible department's people record what they did
    response = client.post(
        reverse("concerns:case_referral", args=[case.pk]),
        {
            "referral-authority": "police",
            "referral-content": "造谣帖子链接及截图。",
            "referral-reference": "公网安〔2026〕3号",
        },
    )
    assert response.status_code == 302
    referral = case.referrals.get()
    assert referral.authority == "police" and referral.reference == "公网安〔2026〕3号"
    assert case.events.filter(kind="referral", text__contains="公安机关").exists()


def test_classify_changes_the_clocks(client, staff):
    case = open_case(staff, hours_ago=1)
    login(client, staff.leader)
    response = client.post(
        reverse("concerns:case_classify", args=[case.pk]),
        {
            "classify-severity": Severity.MAJOR,
            "classify-department": staff.other_dept.pk,
            "classify-reason": "涉及安全",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.severity == Severity.MAJOR and case.department == staff.other_dept
    assert set(case.clocks.values_list("kind", flat=True)) == {
        ClockKind.AUTHORITATIVE,
        ClockKind.PRESS_CONFERENCE,
    }


# --- bad input: Chinese messages, status 400, nothing lost -------------------------------------------


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("case_assess", {**ASSESSMENT, "assess-risk_level": "huge"}, "请选择有效的风险等级"),
        ("case_assess", {**ASSESSMENT, "assess-trend": "长" * 20001}, "传播趋势及可能后果不能超过"),
        ("case_move", {"move-to": "responding"}, "事件当前为“新发现”,不能转为“回应处置”"),
        ("case_move", {"move-to": "closed"}, "不能转为“已办结”"),
        ("case_move", {"move-to": "nowhere"}, "请选择有效的目标状态"),
        ("case_close", {"close-note": "   "}, "请填写办结说明"),
        ("case_close", {"close-note": "已处置"}, "只有处于“持续监测”的事件可以办结"),
        ("case_classify", {"classify-severity": "huge"}, "请选择有效的级别"),
        (
            "case_report",
            {"report-kind": "follow_up", "report-recipients": "市委宣传部", "report-content": "续报"},
            "请先报送首报",
        ),
        ("case_report", {"report-kind": "initial", "report-content": "基本事实"}, "请填写报送对象"),
        (
            "case_report",
            {
                "report-kind": "initial",
                "report-recipients": "市委",
                "report-content": "事实",
                "report-sent_at": "明天",
            },
            "报送时间格式不正确",
        ),
        (
            "case_report",
            {
                "report-kind": "initial",
                "report-recipients": "市委",
                "report-content": "事实",
                "report-sent_at": "2099-01-01T08:00",
            },
            "时间不能晚于现在",
        ),
        (
            "case_response",
            {"response-channel": "new_media", "response-summary": "发布通报"},
            "请填写新媒体发布或访谈的链接",
        ),
        (
            "case_response",
            {
                "response-channel": "new_media",
                "response-summary": "通报",
                "response-url": "javascript:alert(1)",
            },
            "链接不是有效的网址",
        ),
        ("case_response", {"response-channel": "website", "response-summary": "通报"}, "网站回应请选择"),
        ("case_response", {"response-channel": "radio", "response-summary": "通报"}, "请选择有效的回应方式"),
        (
            "case_response",
            {"response-channel": "website", "response-summary": "通报", "response-item": "abc"},
            "请选择本机构的信息",
        ),
        ("case_referral", {"referral-authority": "police", "referral-content": ""}, "请填写移交内容"),
        ("case_referral", {"referral-authority": "army", "referral-content": "线索"}, "请选择有效的移交部门"),
    ],
)
def test_bad_case_input_is_answered_in_chinese(client, staff, action, data, message):
    case = open_case(staff)
    login(client, staff.editor)
    before = case.events.count()
    response = client.post(reverse(f"concerns:{action}", args=[case.pk]), data)
    assert response.status_code == 400
    assert message in errors_of(response)
    assert case.events.count() == before
    # What was typed is still there.
    for key, value in data.items():
        if key.endswith(("recipients", "content", "summary")) and value.strip():
            assert value in page(response)


def test_the_case_moves_to_responding_only_after_the_assessment(client, staff):
    case = open_case(staff)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ASSESSING, background="已有背景")
    login(client, staff.head)
    response = client.post(reverse("concerns:case_move", args=[case.pk]), {"move-to": "responding"})
    assert response.status_code == 400
    assert (
        "研判未完成,请先填写:境内外舆情态势、主要观点、传播趋势及可能后果、风险等级、应急处置方案"
        in errors_of(response)
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSESSING


def test_another_organisations_department_or_item_is_refused(client, staff):
    other = make_staff()
    case = open_case(staff)
    login(client, staff.editor)
    response = client.post(
        reverse("concerns:case_classify", args=[case.pk]),
        {"classify-severity": Severity.GENERAL, "classify-department": other.dept.pk},
    )
    assert response.status_code == 400 and "请选择本机构的科室" in errors_of(response)
    item = make_published(other)
    response = client.post(
        reverse("concerns:case_response", args=[case.pk]),
        {"response-channel": "website", "response-summary": "通报", "response-item": item.pk},
    )
    assert response.status_code == 400 and "请选择本机构的信息" in errors_of(response)
    assert not case.responses.exists()


def test_a_closed_case_refuses_a_response(client, staff):
    case = open_case(staff)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    login(client, staff.editor)
    response = client.post(
        reverse("concerns:case_response", args=[case.pk]),
        {
            "response-channel": "interview",
            "response-summary": "访谈",
            "response-url": "https://a.example.cn/1",
        },
    )
    assert response.status_code == 400 and "事件已办结" in errors_of(response)


def test_a_missing_report_or_case_is_a_404(client, staff):
    case = open_case(staff)
    other_case = open_case(staff, title="另一事件")
    login(client, staff.editor)
    client.post(
        reverse("concerns:case_report", args=[other_case.pk]),
        {"report-kind": "initial", "report-recipients": "市委", "report-content": "事实"},
    )
    report = Report.objects.get(case=other_case)
    assert client.get(reverse("concerns:report_docx", args=[case.pk, report.pk])).status_code == 404
    assert client.get(reverse("concerns:case", args=[999999])).status_code == 404


# --- the case list -------------------------------------------------------------------------------------


def test_the_case_list_has_tabs_filters_and_clock_states(client, staff):
    major = open_case(staff, title="重大事件", severity=Severity.MAJOR, hours_ago=6)  # 5 h limit passed
    general = open_case(staff, title="一般事件", department="other_dept")
    closed = open_case(staff, title="已办结事件")
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    login(client, staff.editor)
    html = page(client.get(reverse("concerns:cases")))
    assert "重大事件" in html and "一般事件" in html and "已办结事件" not in html
    assert "已超时" in html and "clock--overdue" in html
    html = page(client.get(reverse("concerns:cases") + "?status=closed"))
    assert "已办结事件" in html and "重大事件" not in html
    html = page(client.get(reverse("concerns:cases") + "?status=all&severity=major"))
    assert "重大事件" in html and "一般事件" not in html
    html = page(client.get(reverse("concerns:cases") + f"?status=open&department={staff.other_dept.pk}"))
    assert "一般事件" in html and "重大事件" not in html
    # Nonsense in the query string is ignored, not a 500.
    response = client.get(reverse("concerns:cases") + "?status=x&severity=y&department=z&page=abc")
    assert response.status_code == 200
    # "²".isdigit() is true but int() refuses it (tests/security found the 500).
    assert client.get(reverse("concerns:cases") + "?department=²").status_code == 200
    assert client.get(reverse("concerns:mentions") + "?source=²").status_code == 200
    assert client.get(reverse("concerns:mentions"), {"q": "排队\x00"}).status_code == 200  # NUL: PostgreSQL
    assert major.pk and general.pk


# --- mentions -----------------------------------------------------------------------------------------


def make_mention(
    staff, *, title="景区排队", case=None, channel=Channel.FEED, source=None, days_ago=0, **extra
):
    return Mention.objects.create(
        organization=staff.org,
        channel=channel,
        source=source,
        title=title,
        text=f"{title}的内容",
        content_hash=f"h-{title}-{days_ago}-{Mention.objects.count()}",
        detected_at=timezone.now() - datetime.timedelta(days=days_ago),
        case=case,
        **extra,
    )


def test_the_mention_list_filters(client, staff):
    feed = Source.objects.create(
        organization=staff.org, name="本地新闻", kind=SourceKind.FEED, url="https://n.example.cn/rss"
    )
    case = open_case(staff)
    make_mention(staff, title="景区排队长", source=feed, case=case, categories=[Category.HOTSPOTS])
    make_mention(staff, title="非遗展演", channel=Channel.MANUAL)
    login(client, staff.monitor)
    url = reverse("concerns:mentions")
    html = page(client.get(url))
    assert "景区排队长" in html and "非遗展演" in html
    html = page(client.get(url + "?channel=manual"))
    assert "非遗展演" in html and "景区排队长" not in html
    html = page(client.get(url + f"?source={feed.pk}"))
    assert "景区排队长" in html and "非遗展演" not in html
    html = page(client.get(url + f"?category={Category.HOTSPOTS}"))
    assert "景区排队长" in html and "非遗展演" not in html
    html = page(client.get(url + "?has_case=no"))
    assert "非遗展演" in html and "景区排队长" not in html
    html = page(client.get(url + "?q=非遗"))
    assert "非遗展演" in html and "景区排队长" not in html
    assert client.get(url + "?channel=x&source=y&category=z&has_case=w").status_code == 200


def test_a_mention_moves_to_another_case_or_a_new_one(client, staff):
    first = open_case(staff, title="第一事件")
    second = open_case(staff, title="第二事件")
    mention = make_mention(staff, title="被误归并的信息", case=first)
    Case.objects.filter(pk=first.pk).update(mention_count=1)
    login(client, staff.monitor)
    html = page(client.get(reverse("concerns:mention", args=[mention.pk])))
    assert "第二事件" in html and "新建一个事件" in html
    response = client.post(reverse("concerns:mention_move", args=[mention.pk]), {"target": second.pk})
    assert (
        response.status_code == 302
        and response.url == reverse("concerns:case", args=[second.pk]) + "#mentions"
    )
    mention.refresh_from_db()
    assert mention.case == second
    assert first.events.filter(kind="mention.moved").exists()

    response = client.post(reverse("concerns:mention_move", args=[mention.pk]), {"target": "new"})
    mention.refresh_from_db()
    assert mention.case not in (first, second) and mention.case.title == "被误归并的信息"

    response = client.post(reverse("concerns:mention_move", args=[mention.pk]), {"target": "99999999"})
    assert response.status_code == 400 and "请选择有效的事件" in errors_of(response)


def test_manual_entry_bad_input_is_answered_in_chinese(client, staff):
    login(client, staff.head)
    url = reverse("concerns:mention_create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"url": "", "title": "只有标题", "text": ""})
    assert response.status_code == 400 and "请至少填写链接或内容" in errors_of(response)
    assert "只有标题" in page(response)
    response = client.post(url, {"url": "javascript:alert(1)", "title": "标题"})
    assert response.status_code == 400 and "链接不是有效的网址" in errors_of(response)
    response = client.post(url, {"title": "标题", "published_at": "昨天"})
    assert response.status_code == 400 and "发布时间格式不正确" in errors_of(response)
    assert not Mention.objects.exists()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_manual_entry_with_a_screenshot_served_only_through_the_console(client, staff):
    MonitoringRule.objects.create(organization=staff.org, name="本局", terms="文旅局\n景区")
    login(client, staff.monitor)
    response = client.post(
        reverse("concerns:mention_create"),
        {
            "url": "https://weibo.example.cn/post/1",
            "title": "网友称景区排队两小时",
            "text": "某景区排队两小时,文旅局未回应。",
            "screenshot": SimpleUploadedFile("shot.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    mention = Mention.objects.get()
    assert mention.channel == Channel.MANUAL and mention.created_by == staff.monitor and mention.screenshot
    shot = client.get(reverse("concerns:mention_screenshot", args=[mention.pk]))
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png"
    assert shot["Cache-Control"] == "private, no-store"
    assert b"".join(shot.streaming_content) == PNG
    # Never under MEDIA_URL in the page.
    html = page(client.get(reverse("concerns:mention", args=[mention.pk])))
    assert "/media/" not in html and reverse("concerns:mention_screenshot", args=[mention.pk]) in html


# --- sources, rules, categories, settings, robots ----------------------------------------------------


def test_a_source_is_created_edited_and_audited(client, staff):
    login(client, staff.monitor)
    response = client.post(
        reverse("concerns:source_create"),
        {
            "name": "市政府网站",
            "kind": SourceKind.FEED,
            "url": "https://www.example.gov.cn/rss.xml",
            "encoding": "",
            "link_pattern": "",
            "enabled": "on",
            "base_interval_minutes": 30,
            "min_interval_minutes": 5,
            "max_interval_minutes": 720,
        },
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.organization == staff.org and source.interval_minutes == 30
    event = AuditEvent.objects.filter(action="concerns.source_saved").get()
    assert event.data["created"] is True and event.actor_id == staff.monitor.pk

    response = client.post(
        reverse("concerns:source_edit", args=[source.pk]),
        {
            "name": "市政府网站(新)",
            "kind": SourceKind.FEED,
            "url": "https://www.example.gov.cn/rss.xml",
            "encoding": "gbk",
            "base_interval_minutes": 60,
            "min_interval_minutes": 5,
            "max_interval_minutes": 720,
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.name == "市政府网站(新)" and source.enabled is False and source.encoding == "gbk"
    assert source.interval_minutes == 60
    Source.objects.filter(pk=source.pk).update(interval_minutes=700)  # the schedule had slowed down
    response = client.post(
        reverse("concerns:source_edit", args=[source.pk]),
        {
            "name": "市政府网站(新)",
            "kind": SourceKind.FEED,
            "url": "https://www.example.gov.cn/rss.xml",
            "base_interval_minutes": 60,
            "min_interval_minutes": 5,
            "max_interval_minutes": 120,
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.interval_minutes == 120  # kept within the new longest interval
    assert AuditEvent.objects.filter(action="concerns.source_saved").count() == 3
    assert "市政府网站(新)" in page(client.get(reverse("concerns:sources")))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": "ftp://example.cn/feed"}, "地址应是以 http:// 或 https:// 开头的网址"),
        ({"kind": SourceKind.LOCAL, "url": "/etc/passwd"}, "本地路径不在允许的目录内"),
        ({"encoding": "klingon"}, "不认识的编码"),
        ({"min_interval_minutes": 60, "base_interval_minutes": 30}, "最短间隔 ≤ 基准间隔 ≤ 最长间隔"),
        ({"max_interval_minutes": 100000}, "最长间隔不能超过"),
        ({"name": ""}, "请填写名称"),
        ({"base_interval_minutes": "abc"}, "基准巡查间隔"),
    ],
)
def test_bad_source_input_is_answered_in_chinese(client, staff, overrides, message):
    login(client, staff.editor)
    data = {
        "name": "来源",
        "kind": SourceKind.FEED,
        "url": "https://example.cn/rss",
        "base_interval_minutes": 30,
        "min_interval_minutes": 5,
        "max_interval_minutes": 720,
        **overrides,
    }
    response = client.post(reverse("concerns:source_create"), data)
    assert response.status_code == 400
    assert message in errors_of(response)
    assert not Source.objects.exists()


def test_a_disabled_source_is_enabled_again_with_failures_reset(client, staff):
    source = Source.objects.create(
        organization=staff.org,
        name="坏掉的来源",
        kind=SourceKind.FEED,
        url="https://example.cn/rss",
        enabled=False,
        consecutive_failures=5,
        disabled_at=timezone.now(),
        disabled_reason="连续 5 次巡查失败",
        last_error="HTTP 500",
    )
    login(client, staff.editor)
    html = page(client.get(reverse("concerns:sources")))
    assert "连续 5 次巡查失败" in html and "HTTP 500" in html and "重新启用" in html
    response = client.post(reverse("concerns:source_enable", args=[source.pk]))
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.enabled and source.consecutive_failures == 0 and source.disabled_at is None
    assert source.disabled_reason == ""
    assert AuditEvent.objects.filter(action="concerns.source_saved", data__reenabled=True).exists()


def test_a_rule_is_saved_with_normalised_terms(client, staff):
    login(client, staff.monitor)
    response = client.post(
        reverse("concerns:rule_create"),
        {
            "name": "本局名称",
            "kind": "bureau",
            "terms": " 文旅局\n\n市文化和旅游局\n文旅局 ",
            "excluded_terms": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = MonitoringRule.objects.get()
    assert rule.terms == "文旅局\n市文化和旅游局" and rule.organization == staff.org
    assert AuditEvent.objects.filter(action="concerns.rule_saved").count() == 1
    response = client.post(
        reverse("concerns:rule_edit", args=[rule.pk]),
        {
            "name": "本局名称",
            "kind": "bureau",
            "terms": "文旅局",
            "excluded_terms": "文旅局长跑",
            "active": "",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.active and rule.excluded_terms == "文旅局长跑"


def test_saving_a_rule_drops_the_compiled_matcher_after_commit(
    client, staff, django_capture_on_commit_callbacks
):
    from gongkai.concerns import matching

    MonitoringRule.objects.create(organization=staff.org, name="旧规则", terms="文旅局")
    matching.matcher_for(staff.org)
    assert staff.org.pk in matching._cache
    login(client, staff.monitor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("concerns:rule_create"),
            {"name": "景区", "kind": "venue", "terms": "景区,博物馆、剧院", "active": "on"},
        )
    assert response.status_code == 302
    assert staff.org.pk not in matching._cache
    assert MonitoringRule.objects.get(name="景区").terms == "景区\n博物馆\n剧院"  # as the matcher splits them


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"terms": "\n  \n"}, "请至少填写一个关键词"),
        ({"terms": "局"}, "关键词“局”去掉标点和空格后不足 2 个字"),
        ({"terms": "文旅局\n“A”"}, "关键词““A””去掉标点和空格后不足 2 个字"),
        ({"terms": "文旅局", "excluded_terms": "长" * 101}, "每个排除词不能超过 100 字"),
        ({"terms": "文旅局", "kind": "planet"}, "请选择有效的类型"),
    ],
)
def test_bad_rule_input_is_answered_in_chinese(client, staff, data, message):
    login(client, staff.monitor)
    response = client.post(reverse("concerns:rule_create"), {"name": "规则", "kind": "other", **data})
    assert response.status_code == 400 and message in errors_of(response)
    assert not MonitoringRule.objects.exists()


def test_category_keywords_are_saved_and_cleared(client, staff):
    login(client, staff.editor)
    url = reverse("concerns:categories")
    html = page(client.get(url))
    for _value, label in Category.choices:
        assert str(label) in html
    response = client.post(
        url, {"category": Category.EMERGENCY, f"{Category.EMERGENCY}-terms": "踩踏\n游船倾覆"}
    )
    assert response.status_code == 302
    assert CategoryRule.objects.get(category=Category.EMERGENCY).terms == "踩踏\n游船倾覆"
    response = client.post(url, {"category": Category.EMERGENCY, f"{Category.EMERGENCY}-terms": ""})
    assert response.status_code == 302 and not CategoryRule.objects.exists()
    assert AuditEvent.objects.filter(action="concerns.rule_saved").count() == 2
    response = client.post(url, {"category": "aliens", "aliens-terms": "外星人"})
    assert response.status_code == 400 and "重点类别无效" in errors_of(response)
    response = client.post(url, {"category": Category.EMERGENCY, f"{Category.EMERGENCY}-terms": "踩"})
    assert response.status_code == 400 and "去掉标点和空格后不足 2 个字" in errors_of(response)


def test_the_settings_are_validated_and_saved(client, staff):
    login(client, staff.monitor)
    url = reverse("concerns:settings")
    good = {
        "escalation_points": "30,60,100",
        "watch_days": 10,
        "burst_window_minutes": 60,
        "burst_baseline_hours": 168,
        "burst_factor": 3,
        "burst_min_mentions": 5,
        "notify_emails": "office@example.gov.cn\nleader@example.gov.cn",
    }
    response = client.post(url, {**good, "escalation_points": "80,30,100,30"})
    assert response.status_code == 302
    policy = Policy.objects.get(organization=staff.org)
    assert (
        policy.escalation_points == "30,80,100"
        and policy.points() == [30, 80, 100]
        and policy.watch_days == 10
    )
    assert AuditEvent.objects.filter(action="concerns.policy_saved").count() == 1
    for bad, message in [
        ({"escalation_points": "50,abc"}, "“abc”不是 1 到 100 之间的整数"),
        ({"escalation_points": "0,50"}, "“0”不是 1 到 100 之间的整数"),
        ({"escalation_points": "50,150"}, "“150”不是 1 到 100 之间的整数"),
        ({"escalation_points": "50,²"}, "“²”不是 1 到 100 之间的整数"),
        ({"escalation_points": " , "}, "请填写至少一个提醒节点"),
        ({"notify_emails": "office@example.gov.cn\n不是邮箱"}, "“不是邮箱”不是有效的电子邮箱地址"),
        ({"watch_days": 0}, "持续监测天数应在 1 到 365 之间"),
        ({"burst_factor": 1}, "突增倍数应大于 1"),
        ({"burst_factor": "很多"}, "突增倍数应为数字"),
        ({"burst_window_minutes": 600, "burst_baseline_hours": 5}, "基线时长应长于突增检测窗口"),
    ]:
        response = client.post(url, {**good, **bad})
        assert response.status_code == 400, bad
        assert message in errors_of(response), (bad, errors_of(response))
    policy.refresh_from_db()
    assert policy.escalation_points == "30,80,100"  # bad input changed nothing


def test_a_webhook_is_saved_and_tested_against_a_local_robot(client, staff, local_robot):
    login(client, staff.editor)
    response = client.post(
        reverse("concerns:webhook_create"),
        {"name": "值班群", "kind": "wecom", "url": local_robot.url, "secret": "", "active": ""},
    )
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    event = AuditEvent.objects.get(action="concerns.webhook_saved")
    assert local_robot.url not in str(event.data)  # the address carries the robot's key
    response = client.post(reverse("concerns:webhook_test", args=[webhook.pk]), follow=True)
    assert "测试消息已发送到“值班群”" in page(response)
    assert len(local_robot.received) == 1 and "测试消息" in local_robot.received[0]

    local_robot.reply = b'{"errcode": 93000, "errmsg": "invalid webhook url"}'
    response = client.post(reverse("concerns:webhook_test", args=[webhook.pk]), follow=True)
    assert "测试消息未能发送到“值班群”" in page(response) and "93000" in page(response)

    response = client.post(
        reverse("concerns:webhook_create"), {"name": "群", "kind": "wecom", "url": "not a url"}
    )
    assert response.status_code == 400 and "Webhook 地址" in errors_of(response)


@pytest.fixture
def local_robot(settings):
    """A WeCom-like robot on 127.0.0.1 that records what it is sent (private addresses allowed)."""
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Robot:
        received: list[str] = []
        reply = b'{"errcode": 0, "errmsg": "ok"}'

    robot = Robot()
    robot.received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            robot.received.append(self.rfile.read(length).decode("utf-8"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(robot.reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    robot.url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=secret-key"
    yield robot
    server.shutdown()
    server.server_close()


def test_source_poll_now_reads_a_local_feed(client, staff, settings, tmp_path):
    settings.GONGKAI_CONCERN_LOCAL_ROOT = str(tmp_path)
    MonitoringRule.objects.create(organization=staff.org, name="景区", terms="景区")
    (tmp_path / "feed.xml").write_text(
        """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
        <item><title>景区排队两小时</title><link>https://example.cn/a/1</link><description>景区排队两小时无人管</description></item>
        <item><title>天气晴朗</title><link>https://example.cn/a/2</link><description>今天天气晴朗</description></item>
        </channel></rss>""",
        encoding="utf-8",
    )
    source = Source.objects.create(
        organization=staff.org, name="本地订阅", kind=SourceKind.LOCAL, url="feed.xml"
    )
    login(client, staff.monitor)
    response = client.post(reverse("concerns:source_poll", args=[source.pk]), follow=True)
    html = page(response)
    assert "已巡查“本地订阅”" in html and "收录相关信息 1 条" in html
    assert Mention.objects.filter(source=source).count() == 1
    source.refresh_from_db()
    assert source.last_polled_at is not None

    source.url = "missing.xml"
    source.save()
    response = client.post(reverse("concerns:source_poll", args=[source.pk]), follow=True)
    assert "巡查“本地订阅”失败" in page(response)


# --- alerts ---------------------------------------------------------------------------------------------


def test_alerts_are_listed_and_acknowledged(client, staff):
    from gongkai.concerns.models import Alert

    alert = Alert.objects.create(organization=staff.org, window_minutes=60, count=12, baseline=2.5)
    login(client, staff.leader)
    html = page(client.get(reverse("concerns:alerts")))
    assert "待确认" in html and ">12<" in html
    response = client.post(reverse("concerns:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    assert "没有待确认的突增预警" in page(client.get(reverse("concerns:alerts")))
    assert "已于" in page(client.get(reverse("concerns:alerts") + "?all=1"))
    assert AuditEvent.objects.filter(action="concerns.alert_acknowledged").count() == 1


# --- the inbox and the navigation -------------------------------------------------------------------


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_the_inbox_lists_the_open_clocks_of_cases_the_person_may_see(client, staff):
    open_case(staff, title="艺术科的舆情", hours_ago=30)  # 48 h response clock past half
    open_case(staff, title="产业科的舆情", department="other_dept")
    done = open_case(staff, title="已回应的舆情")
    services.record_response(
        user=staff.editor,
        case=done,
        channel=ResponseChannel.INTERVIEW,
        summary="访谈",
        url="https://a.example.cn/1",
    )
    login(client, staff.head)
    html = section(page(client.get(reverse("console:inbox"))), "concern-clocks")
    assert "艺术科的舆情" in html and "产业科的舆情" not in html and "已回应的舆情" not in html
    assert "deadline--near" in html and "剩余" in html
    login(client, staff.editor)
    html = section(page(client.get(reverse("console:inbox"))), "concern-clocks")
    assert "艺术科的舆情" in html and "产业科的舆情" in html
    login(client, staff.other_drafter)
    inbox = page(client.get(reverse("console:inbox")))
    assert "艺术科的舆情" not in inbox and "产业科的舆情" in inbox


def test_the_inbox_clock_section_costs_a_fixed_number_of_queries(
    client, staff, django_assert_max_num_queries
):
    open_case(staff, title="舆情0")
    login(client, staff.editor)
    client.get(reverse("console:inbox"))
    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("console:inbox"))
    few = len(captured)
    for n in range(1, 8):
        open_case(staff, title=f"舆情{n}", severity=Severity.MAJOR if n % 2 else Severity.GENERAL)
    with django_assert_max_num_queries(few) as captured:
        html = section(page(client.get(reverse("console:inbox"))), "concern-clocks")
    assert html.count("<tr class=") == 1 + 4 * 2 + 3


def test_the_navigation_links_to_the_concerns_pages(client, staff):
    login(client, staff.head)
    html = page(client.get(reverse("console:inbox")))
    assert 'href="/console/concerns/"' in html and ">舆情<" in html
    login(client, staff.system_admin)
    assert 'href="/console/concerns/"' not in page(client.get(reverse("console:inbox")))
