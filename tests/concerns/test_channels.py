"""The platform's own channels as 舆情 sources: error reports now, comments and messages through `platform_entry`."""

from __future__ import annotations

import pytest

from gongkai.concerns import channels, pipeline
from gongkai.concerns.constants import Category, Channel, RuleKind
from gongkai.concerns.models import Mention, MonitoringRule
from gongkai.feedback import services as feedback
from gongkai.feedback.models import ErrorReport
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    staff = make_staff()
    MonitoringRule.objects.create(
        organization=staff.org, name="平遥古城", kind=RuleKind.VENUE, terms="平遥古城"
    )
    pipeline.clear_caches()
    return staff


def submit(staff, description: str, category: str = "wrong_content") -> ErrorReport:
    return feedback.submit_report(
        organization=staff.org,
        page=feedback.Page(url="/xxgk/"),
        category=category,
        description=description,
        contact_name="李四",
        contact="lisi@example.com",
    )


def test_a_received_error_report_that_matches_becomes_a_mention(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(staff, "页面上平遥古城的开放时间写错了,游客按这个时间去被拒之门外。")
    mention = Mention.objects.get(organization=staff.org)
    assert mention.channel == Channel.ERROR_REPORT
    assert mention.origin_key == f"feedback.errorreport:{report.pk}"
    assert mention.text == report.description and mention.title == "网民纠错(内容错误)"
    assert mention.url == "/xxgk/" and mention.url_key == ""
    assert mention.case is not None


def test_a_category_keyword_is_enough_for_the_platform_s_own_channels(
    staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(staff, "你们的办事指南和实际不符,去了三次都没办成,办事难!")
    mention = Mention.objects.get(organization=staff.org)
    assert mention.categories == [Category.HOTSPOTS] and mention.matched_terms == [
        {"term": "办事难", "category": "hotspots"}
    ]


def test_an_ordinary_error_report_is_not_a_mention(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(staff, "第二段“文化”写成了“文话”。", category="typo")
    assert not Mention.objects.exists()


def test_the_platform_s_title_is_not_matched(staff, django_capture_on_commit_callbacks):
    MonitoringRule.objects.create(organization=staff.org, name="纠错", kind=RuleKind.OTHER, terms="网民纠错")
    with django_capture_on_commit_callbacks(execute=True):
        submit(staff, "第二段“文化”写成了“文话”。", category="typo")
    assert not Mention.objects.exists()


def test_reports_about_one_page_are_separate_mentions_and_each_is_taken_once(
    staff, django_capture_on_commit_callbacks
):
    text = "平遥古城的门票价格还是去年的,早就涨了。"
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(staff, text)
        submit(staff, text)  # the same words from someone else: the spread counts
    mentions = list(Mention.objects.order_by("pk"))
    assert len(mentions) == 2
    assert mentions[1].duplicate_of == mentions[0] and mentions[1].case_id == mentions[0].case_id
    again = channels.error_report_received(first)
    assert again.created == [] and again.duplicates == 1


def test_a_failure_in_concerns_never_breaks_the_error_report(
    staff, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(report):
        raise RuntimeError("boom")

    monkeypatch.setattr(channels, "error_report_received", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(staff, "平遥古城的开放时间写错了。")
    assert ErrorReport.objects.filter(pk=report.pk).exists()
    assert not Mention.objects.exists()


def test_platform_entry_for_comments_and_messages(staff):
    result = channels.platform_entry(
        staff.org,
        channel=Channel.COMMENT,
        origin_key="consultations.comment:5",
        title="关于平遥古城门票调整的意见",
        text="门票涨价太多,建议保留学生半价。",
        url="/hudong/zhengji/3/",
    )
    (mention,) = result.created
    assert mention.channel == Channel.COMMENT and mention.title == "关于平遥古城门票调整的意见"
    assert (
        channels.platform_entry(
            staff.org, channel=Channel.MESSAGE, origin_key="messages.message:1", text="谢谢你们的服务。"
        ).created
        == []
    )
    with pytest.raises(ValueError):
        channels.platform_entry(staff.org, channel=Channel.FEED, origin_key="x:1", text="平遥古城")
    with pytest.raises(ValueError):
        channels.platform_entry(staff.org, channel=Channel.MESSAGE, origin_key="", text="平遥古城")
