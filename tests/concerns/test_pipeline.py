"""The pipeline (issue 6 items 2–3): relevance, grouping into cases, reopening, bursts, manual entry."""

from __future__ import annotations

import datetime
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.concerns import pipeline, services
from gongkai.concerns.constants import CaseStatus, Category, Channel, RuleKind, SourceKind
from gongkai.concerns.entries import Entry
from gongkai.concerns.models import Alert, Case, Mention, MonitoringRule, Policy, Source
from gongkai.console.models import Notification
from gongkai.publishing.exceptions import WorkflowError
from tests.concerns.factories import make_mention
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

STAMPEDE = (
    "5月3日下午,平遥古城南门广场因游客过于集中发生拥挤踩踏,造成三名游客受伤,伤者已送往县人民医院救治,"
    "目前生命体征平稳。事发时正值五一假期客流高峰,古城单日接待游客超过八万人次。景区已启动应急预案,"
    "临时关闭南门入口,实行分时预约和限流措施。"
)
STAMPEDE_VIDEO = (
    "有网友发布视频称,五一假期平遥古城南门人流密集,人群相互推挤,有老人和小孩摔倒,现场一片混乱,"
    "视频中可以听到有人大声呼救。评论区不少网友表示当天也在现场,认为景区疏导不力,踩踏本可以避免。"
)
STAMPEDE_FOLLOW_UP = (
    "平遥县通报平遥古城踩踏事件处置情况:三名受伤游客中两人已出院,一人仍在观察。县里成立调查组,"
    "对景区安全管理责任进行调查,并要求各景区严格落实节假日预约限流制度。"
)
PRICES = (
    "近日有游客反映,平遥古城联票价格由125元调整为150元,且不再区分淡旺季,引发网友热议。不少网友认为"
    "涨价幅度过大,景区方面回应称调价已按规定履行听证程序。"
)


@pytest.fixture
def staff():
    staff = make_staff()
    MonitoringRule.objects.create(
        organization=staff.org, name="平遥古城", kind=RuleKind.VENUE, terms="平遥古城"
    )
    MonitoringRule.objects.create(
        organization=staff.org, name="本局", kind=RuleKind.BUREAU, terms="平遥县文旅局"
    )
    pipeline.clear_caches()
    return staff


def entry(title, body, url, **kw):
    return Entry(title=title, text=body, url=url, channel=kw.pop("channel", Channel.FEED), **kw)


# --- relevance and tagging ---------------------------------------------------------------------------


def test_irrelevant_entries_are_dropped_and_relevant_ones_tagged(staff):
    result = pipeline.ingest(
        staff.org,
        [
            entry("太原天气", "明天多云转晴。", "https://a.example.com/1"),
            entry("平遥古城发生踩踏", STAMPEDE, "https://a.example.com/2"),
            entry("", "", ""),
        ],
    )
    assert result.skipped == 2 and result.relevant == 1
    (mention,) = result.created
    mention.refresh_from_db()
    assert mention.categories == [Category.EMERGENCY]
    assert {
        "term": "平遥古城",
        "kind": "venue",
        "rule": mention.matched_terms[0]["rule"],
    } in mention.matched_terms
    assert {"term": "踩踏", "category": "emergency"} in mention.matched_terms
    assert mention.signature and len(bytes(mention.signature)) == 512
    assert mention.channel == Channel.FEED and mention.url == "https://a.example.com/2"
    assert not Mention.objects.filter(url="https://a.example.com/1").exists()
    assert mention.case.categories == [Category.EMERGENCY]


def test_force_keeps_an_entry_no_rule_matches(staff):
    result = pipeline.ingest(staff.org, [entry("太原天气", "明天多云转晴。", "")], force=True)
    assert result.relevant == 1 and len(result.created) == 1 and result.created[0].case is not None


def test_mentions_remember_their_source_and_author(staff):
    source = Source.objects.create(
        organization=staff.org, name="晋中新闻网", kind=SourceKind.FEED, url="https://news.example.com/rss"
    )
    published = datetime.datetime(2026, 5, 3, 15, 0)  # naive: taken as local time
    item = entry(
        "平遥古城发生踩踏", STAMPEDE, "https://a.example.com/1", author="记者 王芳", published_at=published
    )
    result = pipeline.ingest(staff.org, [item], source=source)
    (mention,) = result.created
    mention.refresh_from_db()
    assert mention.source == source and mention.author == "记者 王芳"
    assert timezone.localtime(mention.published_at).hour == 15
    event = AuditEvent.objects.get(action="concerns.mentions_ingested")
    assert event.data["source"] == source.pk and event.object_id == str(source.pk)


def test_one_audit_event_per_batch_that_stored_something(staff):
    before = AuditEvent.objects.filter(action="concerns.mentions_ingested").count()
    pipeline.ingest(
        staff.org,
        [
            entry("平遥古城发生踩踏", STAMPEDE, "https://a.example.com/1"),
            entry("平遥古城", PRICES, "https://a.example.com/2"),
        ],
    )
    pipeline.ingest(staff.org, [entry("太原天气", "明天多云转晴。", "https://a.example.com/3")])
    events = AuditEvent.objects.filter(action="concerns.mentions_ingested").order_by("seq")
    assert events.count() == before + 1
    data = events.last().data
    assert data["created"] == 2 and data["relevant"] == 2 and data["cases_opened"]


# --- grouping ----------------------------------------------------------------------------------------


def test_a_batch_about_one_matter_ends_in_one_case(staff):
    result = pipeline.ingest(
        staff.org,
        [
            entry("平遥古城南门发生踩踏 三名游客受伤", STAMPEDE, "https://news.example.com/1"),
            entry("网友:平遥古城踩踏现场视频曝光", STAMPEDE_VIDEO, "https://video.example.com/2"),
            entry("转:平遥古城南门发生踩踏", "转自平遥发布:" + STAMPEDE, "https://bbs.example.com/3"),
        ],
    )
    assert len(result.created) == 3
    (case,) = result.cases_opened
    assert result.cases_joined == []
    assert {m.case_id for m in result.created} == {case.pk}
    case.refresh_from_db()
    assert case.mention_count == 3 and case.title == "平遥古城南门发生踩踏 三名游客受伤"
    assert case.categories == [Category.EMERGENCY]
    assert Case.objects.filter(organization=staff.org).count() == 1


def test_a_later_mention_joins_the_open_case(staff):
    first = pipeline.ingest(
        staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")]
    )
    (case,) = first.cases_opened
    later = pipeline.ingest(
        staff.org, [entry("平遥古城踩踏事件处置情况", STAMPEDE_FOLLOW_UP, "https://gov.example.com/2")]
    )
    assert later.cases_opened == []
    assert [c.pk for c in later.cases_joined] == [case.pk]
    case.refresh_from_db()
    assert case.mention_count == 2 and case.status == CaseStatus.NEW


def test_another_matter_at_the_same_venue_opens_its_own_case(staff):
    first = pipeline.ingest(
        staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")]
    )
    other = pipeline.ingest(
        staff.org, [entry("平遥古城门票涨价引热议", PRICES, "https://news.example.com/2")]
    )
    assert len(other.cases_opened) == 1 and other.cases_joined == []
    assert other.cases_opened[0].pk != first.cases_opened[0].pk
    both = pipeline.ingest(
        staff.org,
        [
            entry("平遥古城踩踏现场视频", STAMPEDE_VIDEO, "https://video.example.com/3"),
            entry(
                "平遥古城门票涨价 网友:太贵",
                PRICES[:60] + "网友称涨价后不想去了。",
                "https://weibo.example.com/4",
            ),
        ],
    )
    stampede, prices = both.created
    assert stampede.case_id == first.cases_opened[0].pk
    assert prices.case_id == other.cases_opened[0].pk


def test_a_case_inactive_for_longer_than_the_window_takes_no_new_matter(staff):
    old = timezone.now() - datetime.timedelta(days=pipeline.GROUP_WINDOW_DAYS + 1)
    first = pipeline.ingest(
        staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")], now=old
    )
    later = pipeline.ingest(
        staff.org, [entry("平遥古城踩踏事件处置情况", STAMPEDE_FOLLOW_UP, "https://gov.example.com/2")]
    )
    assert later.cases_joined == [] and later.cases_opened[0].pk != first.cases_opened[0].pk


def _close(case: Case, *, at: datetime.datetime, watch_days: int = 7) -> None:
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        closed_at=at,
        closing_note="已处置",
        watch_until=at + datetime.timedelta(days=watch_days),
    )


def test_a_mention_within_the_watch_window_reopens_the_closed_case(staff):
    start = timezone.now() - datetime.timedelta(days=20)
    first = pipeline.ingest(
        staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")], now=start
    )
    (case,) = first.cases_opened
    _close(case, at=timezone.now() - datetime.timedelta(days=2))
    later = pipeline.ingest(
        staff.org, [entry("平遥古城踩踏事件处置情况", STAMPEDE_FOLLOW_UP, "https://gov.example.com/2")]
    )
    assert [c.pk for c in later.cases_joined] == [case.pk] and later.cases_opened == []
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING and case.reopened_count == 1 and case.mention_count == 2
    assert case.events.filter(kind="reopened").exists()


def test_a_mention_after_the_watch_window_opens_a_new_case(staff):
    start = timezone.now() - datetime.timedelta(days=20)
    first = pipeline.ingest(
        staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")], now=start
    )
    (case,) = first.cases_opened
    _close(case, at=timezone.now() - datetime.timedelta(days=10))  # watched until three days ago
    later = pipeline.ingest(
        staff.org, [entry("平遥古城踩踏事件处置情况", STAMPEDE_FOLLOW_UP, "https://gov.example.com/2")]
    )
    assert later.cases_joined == [] and len(later.cases_opened) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.reopened_count == 0 and case.mention_count == 1


def test_a_repost_of_a_closed_matter_reopens_it_within_the_window(staff):
    first = pipeline.ingest(
        staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")]
    )
    (case,) = first.cases_opened
    _close(case, at=timezone.now())
    repost = pipeline.ingest(
        staff.org, [entry("旧闻重提", "转发:" + STAMPEDE, "https://weibo.example.com/9")]
    )
    (mention,) = repost.created
    assert mention.duplicate_of_id == first.created[0].pk and mention.case_id == case.pk
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING


def test_a_moved_mention_changes_the_case_profile(staff):
    first = pipeline.ingest(
        staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")]
    )
    (case,) = first.cases_opened
    other = pipeline.ingest(
        staff.org, [entry("平遥古城门票涨价引热议", PRICES, "https://news.example.com/2")]
    )
    (price_case,) = other.cases_opened
    # Staff move the price story into the stampede case: that case now also knows about prices.
    services.move_mention(user=staff.editor, mention=other.created[0], case=case)
    later = pipeline.ingest(
        staff.org, [entry("平遥古城涨价", "平遥古城门票涨价,网友吐槽。", "https://x.example.com/5")]
    )
    assert later.created[0].case_id == case.pk


# --- bursts ------------------------------------------------------------------------------------------


def _batch(n: int, start: int = 0) -> list[Entry]:
    places = ["南门", "北门", "东门", "西门", "城隍庙", "县衙", "日升昌", "古市楼", "协同庆", "镖局"]
    return [
        entry(
            f"平遥古城{places[i % 10]}游客反映问题{i}",
            f"第{i}位网友说,在平遥古城{places[i % 10]}附近遇到了情况编号{i * 7919},希望有关部门关注一下。",
            f"https://forum.example.com/t/{i}",
        )
        for i in range(start, start + n)
    ]


def test_a_burst_raises_one_alert_per_window(staff):
    now = timezone.now()
    result = pipeline.ingest(staff.org, _batch(5), now=now)
    (alert,) = result.alerts
    assert alert.count == 5 and alert.baseline == 0 and alert.window_minutes == 60
    assert alert.case is not None
    assert AuditEvent.objects.filter(action="concerns.alert_raised").count() == 1
    notice = Notification.objects.get(kind="concerns.alert", recipient=staff.editor)
    assert "突增" in notice.message and "5 条" in notice.message
    assert not Notification.objects.filter(kind="concerns.alert", recipient=staff.drafter).exists()

    again = pipeline.ingest(staff.org, _batch(5, start=5), now=now + datetime.timedelta(minutes=30))
    assert again.alerts == [] and Alert.objects.count() == 1  # still within the window of the first

    later = pipeline.ingest(staff.org, _batch(6, start=10), now=now + datetime.timedelta(minutes=95))
    assert len(later.alerts) == 1 and Alert.objects.count() == 2


def test_the_alert_is_e_mailed_to_the_office_editors(staff, mailoutbox, django_capture_on_commit_callbacks):
    staff.editor.email = "editor@example.com"
    staff.editor.save(update_fields=["email"])
    staff.drafter.email = "drafter@example.com"
    staff.drafter.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        (alert,) = pipeline.ingest(staff.org, _batch(5)).alerts
    alerts = [m for m in mailoutbox if "突增" in m.subject]
    assert [m.to for m in alerts] == [["editor@example.com"]]
    assert "【紧急】" in alerts[0].subject


def test_fewer_than_the_minimum_raise_nothing(staff):
    result = pipeline.ingest(staff.org, _batch(4))
    assert result.alerts == [] and not Alert.objects.exists()


def test_the_baseline_raises_the_bar(staff):
    Policy.objects.update_or_create(
        organization=staff.org, defaults={"burst_baseline_hours": 2, "burst_factor": 3}
    )
    now = timezone.now()
    for i in range(20):  # ten per hour over the two hours before the window
        make_mention(staff.org, detected_at=now - datetime.timedelta(minutes=61 + i * 3))
    result = pipeline.ingest(staff.org, _batch(12), now=now)
    assert result.alerts == []  # 12 < 3 × 10
    result = pipeline.ingest(staff.org, _batch(18, start=12), now=now)
    (alert,) = result.alerts
    assert alert.count == 30 and alert.baseline == 10


def test_burst_threshold():
    policy = Policy(burst_min_mentions=5, burst_factor=3.0)
    assert pipeline.burst_threshold(policy, 0) == 5
    assert pipeline.burst_threshold(policy, 1.5) == 5
    assert pipeline.burst_threshold(policy, 4) == 12


# --- manual entry ------------------------------------------------------------------------------------


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def test_staff_enter_a_mention_with_a_screenshot(staff):
    shot = SimpleUploadedFile("shot.png", png(), content_type="image/png")
    mention = pipeline.enter_manual(
        user=staff.head,
        organization=staff.org,
        url="https://weibo.example.com/status/1",
        text="群众在微博反映图书馆空调坏了一周没人修。",  # matches no rule: entered by a person, kept anyway
        screenshot=shot,
    )
    mention.refresh_from_db()
    assert mention.channel == Channel.MANUAL and mention.created_by == staff.head
    assert mention.case is not None and mention.case.created_by == staff.head
    assert mention.screenshot.name.endswith(".png")
    assert mention.screenshot.read().startswith(b"\x89PNG")
    event = AuditEvent.objects.get(action="concerns.mention_entered")
    assert event.actor == staff.head and event.data["screenshot"] is True
    assert not AuditEvent.objects.filter(action="concerns.mentions_ingested").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\x00" * 10, None),  # a GIF is fine
        (b"%PDF-1.4 not an image", "截图只能是 PNG、JPEG、GIF 或 WebP 图片"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "截图只能是 PNG、JPEG、GIF 或 WebP 图片"),
        (b"", "截图文件是空的"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "截图不能超过 5 MB"),
    ],
)
def test_a_screenshot_must_be_an_image_of_at_most_5_mb(staff, data, message):
    shot = SimpleUploadedFile("shot.png", data, content_type="image/png")
    call = {"user": staff.editor, "organization": staff.org, "text": "平遥古城有人乱收费", "screenshot": shot}
    if message is None:
        assert pipeline.enter_manual(**call).screenshot.name.endswith(".gif")
        return
    with pytest.raises(ValidationError) as refused:
        pipeline.enter_manual(**call)
    assert message in str(refused.value.message_dict["screenshot"])
    assert not Mention.objects.exists()


def test_manual_entry_needs_a_link_or_text_and_a_valid_link(staff):
    with pytest.raises(ValidationError) as refused:
        pipeline.enter_manual(user=staff.editor, organization=staff.org, title="只有标题")
    assert "请至少填写链接或内容" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        pipeline.enter_manual(user=staff.editor, organization=staff.org, url="javascript:alert(1)")
    assert "链接无效" in str(refused.value)
    future = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        pipeline.enter_manual(user=staff.editor, organization=staff.org, text="平遥古城", published_at=future)
    assert "发布时间不能晚于现在" in str(refused.value)


def test_manual_entry_of_what_is_already_stored_is_refused(staff):
    pipeline.ingest(staff.org, [entry("平遥古城南门发生踩踏", STAMPEDE, "https://news.example.com/1")])
    with pytest.raises(ValidationError) as refused:
        pipeline.enter_manual(user=staff.editor, organization=staff.org, url="http://news.example.com/1/")
    assert "已经收录" in str(refused.value)


def test_only_coordinators_and_department_heads_enter_mentions(staff):
    with pytest.raises(WorkflowError) as refused:
        pipeline.enter_manual(user=staff.drafter, organization=staff.org, text="平遥古城")
    assert "录入舆情信息" in str(refused.value)
    assert not Mention.objects.exists()
