"""De-duplication (issue 6 item 3): normalised URLs, content hashes, MinHash near-duplicates."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.utils import timezone

from gongkai.concerns import dedupe, pipeline, text
from gongkai.concerns.constants import Channel, RuleKind
from gongkai.concerns.entries import Entry
from gongkai.concerns.models import Mention, MonitoringRule
from tests.orgs.factories import OrganizationFactory

ARTICLE = (
    "5月3日下午,平遥古城南门广场因游客过于集中发生拥挤踩踏,造成三名游客受伤,伤者已送往县人民医院救治,"
    "目前生命体征平稳。事发时正值五一假期客流高峰,古城单日接待游客超过八万人次。记者从平遥县文化和旅游局"
    "了解到,景区已启动应急预案,临时关闭南门入口,实行分时预约和限流措施。多名游客在社交平台反映,"
    "南门一带缺少疏导人员,广播提示不及时,部分游客被挤倒在地。县文旅局表示,将对事件原因展开调查,"
    "并加强节假日期间的客流监测和安全管理,确保游客人身安全。"
)
OTHER_EVENT = (
    "5月4日上午,平遥古城日升昌票号旧址推出夜游演出《晋商往事》首演,吸引大批游客观看。演出以情景剧形式"
    "再现晋商票号的经营故事,全长六十分钟,每晚两场。平遥县文化和旅游局表示,夜游项目是今年文旅消费季的"
    "重点活动之一,将持续至十月底,游客可通过官方小程序预约购票,古城内多家商户同步推出优惠套餐。"
)


# --- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTP://News.Example.COM/a/b/", "http://news.example.com/a/b"),
        ("https://example.com/a", "http://example.com/a"),  # the scheme does not make another page
        ("http://www.example.com/a", "http://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com/a#comments", "http://example.com/a"),
        ("http://example.com/a?utm_source=wx&utm_medium=social&id=3", "http://example.com/a?id=3"),
        ("http://example.com/a?spm=a2c4g.1&from=timeline&id=3", "http://example.com/a?id=3"),
        ("http://example.com/a?b=2&a=1", "http://example.com/a?a=1&b=2"),
        ("http://example.com/a?share_token=x&isappinstalled=0", "http://example.com/a"),
        ("http://example.com//a//b", "http://example.com/a/b"),
        ("http://example.com/%E6%96%87%E6%97%85", "http://example.com/文旅"),
        ("example.com/a", "http://example.com/a"),
        ("//example.com/a", "http://example.com/a"),
        ("http://user:pw@example.com/a", "http://example.com/a"),
        (
            "https://mp.weixin.qq.com/s?__biz=MzA&mid=2&idx=1&sn=abc&chksm=ff&scene=21&sessionid=9#rd",
            "https://mp.weixin.qq.com/s?__biz=MzA&idx=1&mid=2&sn=abc",
        ),
    ],
)
def test_urls_of_the_same_page_have_the_same_key(a, b):
    assert text.url_key(a) == text.url_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://example.com/a?id=3", "http://example.com/a?id=4"),
        ("http://example.com/a", "http://example.com/b"),
        ("http://example.com:8080/a", "http://example.com/a"),
        ("http://a.example.com/x", "http://b.example.com/x"),
        ("http://example.com/#!/news/1", "http://example.com/#!/news/2"),  # hash routes name pages
        ("http://example.com/a?key=1", "http://example.com/a?key=2"),  # unknown parameters are kept
    ],
)
def test_different_pages_have_different_keys(a, b):
    assert text.url_key(a) != text.url_key(b)


def test_normalise_url_keeps_paths_and_survives_nonsense():
    assert text.normalise_url("") == ""
    assert text.url_key("   ") == ""
    assert text.normalise_url("/xxgk/item/1/") == "/xxgk/item/1"
    assert text.normalise_url("http://example.com:notaport/a") == "http://example.com:notaport/a"
    assert len(text.url_key("http://example.com/a")) == 40


# --- content -----------------------------------------------------------------------------------------


def test_content_hash_ignores_punctuation_spacing_width_and_case():
    a = text.content_hash(text.content("平遥古城:游客受伤", "ABC 景区,发生踩踏!"))
    b = text.content_hash(text.content("平遥古城 游客受伤", "abc景区发生踩踏"))
    c = text.content_hash(text.content("平遥古城 游客受伤", "abc景区发生拥堵"))
    assert a == b != c


def test_signatures_estimate_the_jaccard_similarity_of_character_trigrams():
    a = text.normalise(ARTICLE)
    b = text.normalise(ARTICLE[:200] + "网友评论说太可怕了" + ARTICLE[200:])

    def trigrams(s):
        return {s[i : i + 3] for i in range(len(s) - 2)}

    exact = len(trigrams(a) & trigrams(b)) / len(trigrams(a) | trigrams(b))
    estimate = text.similarity(text.signature(a), text.signature(b))
    assert abs(estimate - exact) < 0.1
    assert text.similarity(text.signature(a), text.signature(a)) == 1.0
    assert text.similarity(text.signature(a), text.signature(text.normalise(OTHER_EVENT))) < 0.2


def test_signatures_of_short_and_empty_texts():
    assert text.signature("") is None
    one = text.signature("踩")
    assert one is not None and len(one) == text.BINS
    assert text.similarity(one, text.signature("踩")) == 1.0
    stored = text.signature_bytes(one)
    assert len(stored) == 4 * text.BINS
    assert np.array_equal(text.signature_from_bytes(stored), one)
    assert text.signature_from_bytes(b"") is None
    assert text.signature_from_bytes(b"\x00" * 12) is None  # not a signature of this scheme


def test_the_index_finds_the_most_similar_recent_signature():
    index = dedupe.SignatureIndex()
    now = timezone.now()
    index.add(1, text.signature(text.normalise(ARTICLE)), "h1", now)
    index.add(2, text.signature(text.normalise(OTHER_EVENT)), "h2", now)
    repost = text.signature(text.normalise("转自平遥新闻网:" + ARTICLE[:-20]))
    assert index.candidates(dedupe.band_keys(repost)) >= {1}
    index.remove(1)
    assert 1 not in index.candidates(dedupe.band_keys(repost))
    index.evict(before=now + datetime.timedelta(seconds=1), keep=10)
    assert len(index) == 0


# --- through the pipeline -----------------------------------------------------------------------------


@pytest.fixture
def org(db):
    organization = OrganizationFactory()
    MonitoringRule.objects.create(
        organization=organization, name="平遥古城", kind=RuleKind.VENUE, terms="平遥古城"
    )
    return organization


def entry(title, body, url="", **kw):
    return Entry(title=title, text=body, url=url, channel=kw.pop("channel", Channel.FEED), **kw)


def test_the_same_url_is_stored_once_even_with_tracking_parameters(org):
    first = pipeline.ingest(org, [entry("平遥古城踩踏", ARTICLE, "https://news.example.com/a/1.html")])
    again = pipeline.ingest(
        org,
        [
            entry("平遥古城踩踏(更新)", ARTICLE + "更新。", "http://news.example.com/a/1.html?utm_source=wx"),
            entry("平遥古城踩踏", ARTICLE, "https://news.example.com/a/1.html#top"),
        ],
    )
    assert len(first.created) == 1
    assert again.created == [] and again.duplicates == 2 and again.relevant == 2
    assert Mention.objects.filter(organization=org).count() == 1


def test_the_same_content_under_another_url_is_stored_as_a_duplicate(org):
    first = pipeline.ingest(org, [entry("平遥古城踩踏", ARTICLE, "https://news.example.com/1")])
    repost = pipeline.ingest(
        org, [entry("平遥古城 踩踏", ARTICLE.replace(",", ", "), "https://bbs.example.org/t/9")]
    )
    (original,) = first.created
    (copy,) = repost.created
    assert copy.duplicate_of == original and copy.similarity == 1.0
    assert repost.duplicates == 1
    assert copy.case == original.case  # a repost joins its original's case


def test_the_same_text_without_a_link_is_not_stored_twice(org):
    pipeline.ingest(org, [entry("平遥古城踩踏", ARTICLE)])
    again = pipeline.ingest(org, [entry("平遥古城踩踏", ARTICLE), entry("平遥古城踩踏", ARTICLE)])
    assert again.created == [] and again.duplicates == 2
    assert Mention.objects.filter(organization=org).count() == 1


def test_links_without_text_are_not_duplicates_of_each_other(org):
    result = pipeline.ingest(
        org,
        [entry("", "", "https://a.example.com/1"), entry("", "", "https://a.example.com/2")],
        force=True,
    )
    later = pipeline.ingest(org, [entry("", "", "https://a.example.com/3")], force=True)
    assert len(result.created) == 2 and len(later.created) == 1
    assert [m.duplicate_of for m in result.created + later.created] == [None, None, None]
    assert result.duplicates == later.duplicates == 0


def test_exact_copies_within_one_batch(org):
    result = pipeline.ingest(
        org,
        [
            entry("平遥古城踩踏", ARTICLE, "https://a.example.com/1"),
            entry("平遥古城踩踏", ARTICLE, "https://a.example.com/1?from=singlemessage"),
            entry("平遥古城踩踏", ARTICLE, "https://b.example.com/2"),
        ],
    )
    assert len(result.created) == 2 and result.duplicates == 2
    original, copy = result.created
    assert copy.duplicate_of == original and copy.similarity == 1.0


def test_a_rewritten_repost_is_a_near_duplicate(org):
    first = pipeline.ingest(
        org, [entry("平遥古城发生踩踏 三名游客受伤", ARTICLE, "https://news.example.com/1")]
    )
    sentences = [s for s in ARTICLE.split("。") if s]
    rewritten = (
        "转自平遥发布。"
        + "。".join(sentences[2:] + sentences[:2])  # sentences reordered
        + "。(来源:网络,如有侵权请联系删除)"
    ).replace("三名", "3名")
    repost = pipeline.ingest(
        org, [entry("【关注】平遥古城踩踏事件", rewritten, "https://weibo.example.com/77")]
    )
    (original,) = first.created
    (copy,) = repost.created
    assert copy.duplicate_of == original
    assert 0.5 <= copy.similarity < 1.0
    assert Mention.objects.get(pk=copy.pk).similarity == copy.similarity
    assert copy.case == original.case


def test_a_repost_of_a_repost_points_at_the_first_copy(org):
    first = pipeline.ingest(org, [entry("平遥古城踩踏", ARTICLE, "https://news.example.com/1")])
    pipeline.ingest(org, [entry("转:平遥古城踩踏", "转载:" + ARTICLE, "https://b.example.com/2")])
    third = pipeline.ingest(
        org, [entry("再转:平遥古城踩踏", "转载:" + ARTICLE + "大家注意安全", "https://c.example.com/3")]
    )
    assert third.created[0].duplicate_of == first.created[0]


def test_another_event_at_the_same_venue_is_not_a_duplicate(org):
    pipeline.ingest(org, [entry("平遥古城发生踩踏", ARTICLE, "https://news.example.com/1")])
    other = pipeline.ingest(org, [entry("平遥古城夜游演出首演", OTHER_EVENT, "https://news.example.com/2")])
    (mention,) = other.created
    assert mention.duplicate_of is None and mention.similarity is None
    assert other.duplicates == 0


def test_near_duplicates_are_found_only_among_recent_mentions(org):
    old = timezone.now() - datetime.timedelta(days=dedupe.WINDOW_DAYS + 1)
    pipeline.ingest(org, [entry("平遥古城发生踩踏", ARTICLE, "https://news.example.com/1")], now=old)
    later = pipeline.ingest(org, [entry("转:平遥古城发生踩踏", "转载:" + ARTICLE, "https://b.example.com/2")])
    assert later.created[0].duplicate_of is None


def test_the_cached_index_only_learns_committed_rows(org, django_capture_on_commit_callbacks):
    dedupe.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pipeline.ingest(org, [entry("平遥古城发生踩踏", ARTICLE, "https://news.example.com/1")])
        second = pipeline.ingest(
            org, [entry("转:平遥古城发生踩踏", "转载:" + ARTICLE, "https://b.example.com/2")]
        )
    assert second.created[0].duplicate_of is not None  # seen from the database within the transaction
    assert dedupe._states[org.pk].max_pk == 0  # nothing committed: nothing cached
    for callback in callbacks:
        callback()
    state = dedupe._states[org.pk]
    assert state.max_pk == second.created[0].pk  # the batches' own mentions are known without reading them
    assert set(state.index.entries) == {m.pk for m in Mention.objects.filter(organization=org)}
    # A cached row that is no longer there (rolled back, deleted) makes the index reload.
    dedupe._states[org.pk].max_hash = "not-this-one"
    third = pipeline.ingest(
        org, [entry("再转:平遥古城发生踩踏", "转载:" + ARTICLE + "。", "https://c.example.com/3")]
    )
    assert third.created[0].duplicate_of is not None
    assert dedupe._states[org.pk].max_pk == 0


def test_a_cached_signature_that_no_longer_matches_its_row_is_not_trusted(
    org, django_capture_on_commit_callbacks
):
    dedupe.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = pipeline.ingest(org, [entry("平遥古城发生踩踏", ARTICLE, "https://news.example.com/1")])
        pipeline.ingest(org, [entry("平遥古城夜游", OTHER_EVENT, "https://news.example.com/2")])
    (original,) = first.created
    state = dedupe._states[org.pk]
    state.index.entries[original.pk].content_hash = "something-else"  # as if the row had changed since
    repost = pipeline.ingest(
        org, [entry("转:平遥古城发生踩踏", "转载:" + ARTICLE, "https://b.example.com/3")]
    )
    assert repost.created[0].duplicate_of is None  # not trusted
    assert org.pk not in dedupe._states  # and the index is read again next time
    again = pipeline.ingest(org, [entry("再转:平遥古城发生踩踏", "转:" + ARTICLE, "https://c.example.com/4")])
    assert again.created[0].duplicate_of in (original, repost.created[0])  # found again, from the database
