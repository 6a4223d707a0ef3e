"""Polling sources (issue 6, sources): new entries go to the pipeline once, the schedule adapts to change,
failures back off and disable the source with a warning to the office editors and concern monitors."""

from __future__ import annotations

import datetime
import shutil
import sys
import types
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.concerns import polling
from gongkai.concerns.constants import MAX_SOURCE_FAILURES, SourceKind
from gongkai.concerns.models import SeenEntry, Source
from gongkai.console.models import Notification
from tests.concerns.test_fetch import DATA, data_file, rss, serve, static
from tests.factories import make_staff

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def make_source(org, **overrides) -> Source:
    values = {
        "organization": org,
        "name": "本地回放",
        "kind": SourceKind.LOCAL,
        "url": "feed.xml",
        "base_interval_minutes": 30,
        "min_interval_minutes": 5,
        "max_interval_minutes": 720,
        "interval_minutes": 30,
        "next_poll_at": NOW,
    }
    values.update(overrides)
    return Source.objects.create(**values)


@pytest.fixture
def staff(db):
    staff = make_staff()  # office editors: editor, editor2; concern monitor: monitor
    assert staff.monitor is not None
    return staff


@pytest.fixture
def root(tmp_path, settings):
    root = tmp_path / "replays"
    root.mkdir()
    settings.GONGKAI_CONCERN_LOCAL_ROOT = str(root)
    return root


@pytest.fixture
def local_network(settings):
    """Sources on the test server at 127.0.0.1 may be fetched (the guard itself: test_ssrf.py)."""
    settings.GONGKAI_FETCH_ALLOW_PRIVATE = True


@pytest.fixture
def ingested(monkeypatch):
    """Replace the pipeline's ingest with a recorder (the matching rules are tested with the pipeline)."""
    calls = []

    def ingest(organization, entries, *, source=None, now=None, requested_by=None):
        calls.append(
            SimpleNamespace(
                organization=organization,
                entries=list(entries),
                source=source,
                now=now,
                requested_by=requested_by,
            )
        )
        return SimpleNamespace(created=[object()] * (len(entries) - 1), relevant=len(entries) - 1)

    try:
        from gongkai.concerns import pipeline
    except ImportError:  # not written yet: stand in for the module
        pipeline = types.ModuleType("gongkai.concerns.pipeline")
        monkeypatch.setitem(sys.modules, "gongkai.concerns.pipeline", pipeline)
    monkeypatch.setattr(pipeline, "ingest", ingest, raising=False)
    return calls


def write_feed(root, items, name="feed.xml"):
    (root / name).write_bytes(rss(items, encoding="gbk"))


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --- new entries, once --------------------------------------------------------------------------------


def test_new_entries_are_ingested_once_and_remembered(staff, root, ingested):
    write_feed(root, [("a", "景区排队"), ("b", "门票涨价")])
    source = make_source(staff.org)
    outcome = polling.poll_source(source, now=NOW)
    assert (outcome.fetched, outcome.new, outcome.created, outcome.relevant, outcome.error) == (
        2,
        2,
        1,
        1,
        "",
    )
    (call,) = ingested
    assert call.organization == staff.org and call.source.pk == source.pk and call.now == NOW
    assert [e.title for e in call.entries] == ["景区排队", "门票涨价"]
    assert SeenEntry.objects.filter(source=source).count() == 2
    assert SeenEntry.objects.filter(source=source, key=polling.seen_key("a")).exists()
    (event,) = events("concerns.source_polled")
    assert event.data["new"] == 2 and event.object_id == str(source.pk)

    write_feed(root, [("c", "新的一条"), ("a", "景区排队"), ("b", "门票涨价")])
    outcome = polling.poll_source(source, now=NOW + datetime.timedelta(minutes=15))
    assert (outcome.fetched, outcome.new) == (3, 1)
    assert [e.key for e in ingested[1].entries] == ["c"]

    outcome = polling.poll_source(source, now=NOW + datetime.timedelta(minutes=30))
    assert (outcome.fetched, outcome.new) == (3, 0)
    assert len(ingested) == 2  # nothing new: the pipeline is not called
    assert len(events("concerns.source_polled")) == 2  # and an empty successful poll is not audited


def test_a_source_does_not_share_what_it_has_seen_with_another(staff, root, ingested):
    write_feed(root, [("a", "景区排队")])
    first, second = make_source(staff.org), make_source(staff.org, name="另一个")
    polling.poll_source(first, now=NOW)
    assert polling.poll_source(second, now=NOW).new == 1


def test_a_failing_pipeline_keeps_nothing_and_counts_as_a_failure(staff, root, ingested, monkeypatch):
    from gongkai.concerns import pipeline

    write_feed(root, [("a", "景区排队")])
    source = make_source(staff.org)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "ingest", broken)
    outcome = polling.poll_source(source, now=NOW)
    assert outcome.error == "处理抓取结果时发生内部错误,已记录日志,下次巡查重试。"
    assert not SeenEntry.objects.filter(source=source).exists()  # so the entry is tried again
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    monkeypatch.setattr(pipeline, "ingest", lambda *a, **k: SimpleNamespace(created=[], relevant=0))
    assert polling.poll_source(source, now=NOW + datetime.timedelta(hours=1)).new == 1


# --- the schedule -------------------------------------------------------------------------------------


def test_the_interval_halves_on_change_down_to_the_minimum(staff, root, ingested):
    source = make_source(staff.org, interval_minutes=30, min_interval_minutes=5)
    intervals = []
    for n in range(4):
        write_feed(root, [(f"k{i}", f"第{i}条") for i in range(n + 1)])
        now = NOW + datetime.timedelta(hours=n)
        polling.poll_source(source, now=now)
        source.refresh_from_db()
        intervals.append(source.interval_minutes)
        assert source.next_poll_at == now + datetime.timedelta(minutes=source.interval_minutes)
        assert (
            source.last_changed_at == now and source.last_success_at == now and source.last_polled_at == now
        )
    assert intervals == [15, 7, 5, 5]


def test_the_interval_grows_when_nothing_changes_up_to_the_maximum(staff, root, ingested):
    write_feed(root, [("a", "不变的一条")])
    source = make_source(staff.org, interval_minutes=30, max_interval_minutes=100)
    polling.poll_source(source, now=NOW)  # the first poll finds it: 15
    intervals = []
    for n in range(1, 5):
        polling.poll_source(source, now=NOW + datetime.timedelta(hours=n))
        source.refresh_from_db()
        intervals.append(source.interval_minutes)
    assert intervals == [23, 35, 53, 80]
    polling.poll_source(source, now=NOW + datetime.timedelta(hours=6))
    source.refresh_from_db()
    assert source.interval_minutes == 100
    assert source.next_poll_at == NOW + datetime.timedelta(hours=6, minutes=100)
    assert source.last_changed_at == NOW


def test_interval_rules():
    source = Source(
        base_interval_minutes=30, min_interval_minutes=5, max_interval_minutes=720, interval_minutes=1
    )
    assert polling.next_interval(source, changed=False) == 5  # never below the minimum
    source.min_interval_minutes = 1
    assert polling.next_interval(source, changed=False) == 2  # 1 grows (rounded up), it does not stick
    assert polling.next_interval(source, changed=True) == 1
    source.interval_minutes = 700
    assert polling.next_interval(source, changed=False) == 720
    source.consecutive_failures = 3  # after failures, the base is the starting point
    assert polling.next_interval(source, changed=True) == 15
    assert [polling.backoff_interval(source, n) for n in range(1, 7)] == [60, 120, 240, 480, 720, 720]
    assert polling.backoff_interval(source, 10_000) == 720


# --- failures -----------------------------------------------------------------------------------------


def test_failures_back_off_then_disable_the_source_and_warn_editors_and_monitors(
    staff, ingested, local_network
):
    with serve({"/feed.xml": static(b"oops", "text/plain", status=500)}) as server:
        source = make_source(
            staff.org,
            name="省论坛",
            kind=SourceKind.FEED,
            url=server.base + "/feed.xml",
            max_interval_minutes=600,
        )
        intervals = []
        for n in range(1, MAX_SOURCE_FAILURES + 1):
            now = NOW + datetime.timedelta(hours=n)
            outcome = polling.poll_source(source, now=now)
            source.refresh_from_db()
            intervals.append(source.interval_minutes)
            assert outcome.error.startswith("服务器返回错误 HTTP 500")
            assert source.last_error == outcome.error
            assert source.consecutive_failures == n
            assert source.next_poll_at == now + datetime.timedelta(minutes=source.interval_minutes)
            assert outcome.disabled is (n == MAX_SOURCE_FAILURES)
            assert source.enabled is (n < MAX_SOURCE_FAILURES)
            if n < MAX_SOURCE_FAILURES:
                assert not Notification.objects.exists()
    assert intervals == [60, 120, 240, 480, 600]
    assert source.disabled_at == NOW + datetime.timedelta(hours=MAX_SOURCE_FAILURES)
    assert source.disabled_reason.startswith(
        "连续 5 次巡查失败,已自动停用。最近一次错误:服务器返回错误 HTTP 500"
    )
    notified = set(
        Notification.objects.filter(kind="concerns.source_disabled").values_list("recipient", flat=True)
    )
    assert notified == {staff.editor.pk, staff.editor2.pk, staff.monitor.pk}
    note = Notification.objects.filter(recipient=staff.monitor).get()
    assert note.message.startswith("舆情来源“省论坛”连续 5 次巡查失败,已自动停用。")
    assert (note.url, note.organization_id) == ("/console/concerns/sources/", staff.org.pk)
    assert len(events("concerns.source_polled")) == MAX_SOURCE_FAILURES  # every failure is audited
    (disabled,) = events("concerns.source_disabled")
    assert disabled.data["failures"] == 5 and disabled.organization_id == staff.org.pk
    assert ingested == []
    # a disabled source is no longer due
    assert polling.poll_due(now=NOW + datetime.timedelta(days=30)) == []


def test_a_success_resets_the_failures(staff, ingested, local_network):
    with serve({}) as server:
        source = make_source(staff.org, kind=SourceKind.FEED, url=server.base + "/feed.xml")
        for n in range(MAX_SOURCE_FAILURES - 1):
            polling.poll_source(source, now=NOW + datetime.timedelta(hours=n))
        assert source.consecutive_failures == MAX_SOURCE_FAILURES - 1
        server.routes["/feed.xml"] = data_file("rss_gbk.xml", "application/rss+xml")
        outcome = polling.poll_source(source, now=NOW + datetime.timedelta(hours=10))
        assert (outcome.error, outcome.new) == ("", 2)
        source.refresh_from_db()
        assert (source.consecutive_failures, source.last_error, source.enabled) == (0, "", True)
        assert source.interval_minutes == 15  # from the base (30), halved: the backoff is forgotten
        server.routes["/feed.xml"] = static(b"", status=500)
        polling.poll_source(source, now=NOW + datetime.timedelta(hours=11))
        source.refresh_from_db()
        assert (source.consecutive_failures, source.enabled) == (1, True)
    assert not Notification.objects.exists()


def test_a_time_out_is_a_failure(staff, ingested, monkeypatch, local_network):
    from gongkai.concerns import fetch

    monkeypatch.setattr(fetch, "TIMEOUT", 0.3)
    with serve({"/slow.xml": lambda handler: __import__("time").sleep(1.5)}) as server:
        source = make_source(staff.org, kind=SourceKind.FEED, url=server.base + "/slow.xml")
        outcome = polling.poll_source(source, now=NOW)
    assert outcome.error.startswith("访问超时")
    assert source.consecutive_failures == 1 and source.interval_minutes == 60


def test_a_partial_fetch_keeps_and_ingests_what_was_read(staff, ingested, monkeypatch, local_network):
    from gongkai.concerns import fetch

    monkeypatch.setattr(fetch, "MAX_BYTES", 16 * 1024)
    document = rss([(f"p-{n}", f"第{n}条" + "很长" * 60) for n in range(300)])
    with serve({"/huge.xml": static(document, "application/rss+xml")}) as server:
        source = make_source(staff.org, kind=SourceKind.FEED, url=server.base + "/huge.xml")
        outcome = polling.poll_source(source, now=NOW)
    assert outcome.error == "" and outcome.partial is True
    assert 5 < outcome.new < 300
    assert len(ingested[0].entries) == outcome.new
    source.refresh_from_db()
    assert source.consecutive_failures == 0
    assert source.last_error.startswith("页面超过 16 KB")  # the warning stays visible on the source
    assert events("concerns.source_polled")[0].data["partial"] is True


def test_not_modified_counts_as_unchanged_and_keeps_the_etag(staff, ingested, local_network):
    from tests.concerns.test_fetch import with_etag

    with serve({"/feed.xml": with_etag(rss([("a", "一条")]), '"v7"')}) as server:
        source = make_source(staff.org, kind=SourceKind.FEED, url=server.base + "/feed.xml")
        polling.poll_source(source, now=NOW)
        source.refresh_from_db()
        assert (source.etag, source.interval_minutes) == ('"v7"', 15)
        outcome = polling.poll_source(source, now=NOW + datetime.timedelta(hours=1))
        assert outcome.not_modified is True and outcome.new == 0
        source.refresh_from_db()
        assert (source.etag, source.interval_minutes) == ('"v7"', 23)


def test_web_list_articles_already_seen_are_not_fetched_again(staff, ingested, local_network):
    routes = {
        "/list.html": data_file("list_gb2312.html", headers={"ETag": '"L1"'}),
        "/articles/1.html": data_file("page_gb18030_meta.html"),
        "/articles/2.html": data_file("page_gb18030_plain.html"),
        "/articles/3.html": static(b"", status=500),
    }
    with serve(routes) as server:
        source = make_source(staff.org, kind=SourceKind.WEB_LIST, url=server.base + "/list.html")
        outcome = polling.poll_source(source, now=NOW)
        assert (outcome.new, outcome.error, outcome.partial) == (2, "", True)
        assert source.etag == ""  # partial: the list is fetched in full next time, not answered with 304
        server.hits.clear()
        outcome = polling.poll_source(source, now=NOW + datetime.timedelta(hours=1))
        assert server.hits == ["/list.html", "/articles/3.html"]  # only the one that failed is retried
        assert outcome.new == 0 and outcome.error.startswith("列表页中的 1 篇新文章全部抓取失败")


# --- due sources and the command ----------------------------------------------------------------------


def test_poll_due_takes_enabled_sources_whose_time_has_come_longest_waiting_first(staff, root, ingested):
    write_feed(root, [("a", "一条")])
    late = make_source(staff.org, name="最早", next_poll_at=NOW - datetime.timedelta(hours=2))
    make_source(staff.org, name="到时", next_poll_at=NOW)
    make_source(staff.org, name="未到", next_poll_at=NOW + datetime.timedelta(minutes=1))
    make_source(staff.org, name="停用", enabled=False, next_poll_at=NOW - datetime.timedelta(days=1))
    assert [o.source.name for o in polling.poll_due(now=NOW, limit=1)] == ["最早"]
    assert [o.source.name for o in polling.poll_due(now=NOW)] == ["到时"]  # 最早 is now rescheduled
    late.refresh_from_db()
    assert late.next_poll_at == NOW + datetime.timedelta(minutes=15)


def test_a_local_folder_replay(staff, root, ingested):
    folder = root / "2026-03-02"
    folder.mkdir()
    shutil.copy(DATA / "atom_utf8.xml", folder / "1.xml")
    shutil.copy(DATA / "page_gb18030_plain.html", folder / "2.html")
    source = make_source(staff.org, url=str(folder))
    outcome = polling.poll_source(source, now=NOW)
    assert outcome.new == 3
    assert [e.title for e in ingested[0].entries] == [
        "关于文化惠民卡的咨询",
        "剧院空调坏了",
        "博物馆开放时间调整引发讨论",
    ]
    assert polling.poll_source(source, now=NOW + datetime.timedelta(hours=1)).new == 0


def test_the_poll_command(staff, root, ingested):
    write_feed(root, [("a", "景区排队"), ("b", "门票涨价")])
    feed = make_source(
        staff.org, name="回放订阅", next_poll_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    later = make_source(staff.org, name="稍后", next_poll_at=timezone.now() + datetime.timedelta(hours=1))
    broken = make_source(staff.org, name="坏路径", url="/etc/passwd", next_poll_at=timezone.now())
    off = make_source(staff.org, name="已停用", enabled=False)

    out = _call("poll")
    assert f"[{feed.pk}] 回放订阅:新内容 2 条,收录 1 条" in out
    assert f"[{broken.pk}] 坏路径:失败(本地路径不在允许的目录内" in out
    assert "稍后" not in out and "已停用" not in out
    assert "共巡查 2 个来源,新内容 2 条,失败 1 个。" in out

    out = _call("poll", "--all")
    assert f"[{later.pk}] 稍后:新内容 2 条" in out and f"[{feed.pk}] 回放订阅:新内容 0 条" in out
    assert "共巡查 3 个来源" in out

    out = _call("poll", "--source", str(off.pk), "--source", str(feed.pk))
    assert f"[{off.pk}] 已停用:已停用,未巡查。" in out
    assert "共巡查 1 个来源" in out
    with pytest.raises(CommandError, match="没有编号为 999999 的舆情来源"):
        _call("poll", "--source", "999999")


def _call(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
