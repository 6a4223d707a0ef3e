"""The public item page (DOMAIN P1, P8; 政府网站网页设计规范): only published items, live revision only."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from gongkai.portal.links import item_print_url, item_url
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from tests.factories import make_approved, make_draft, make_published
from tests.portal.builders import NOW, publish_new_revision

pytestmark = pytest.mark.django_db


def page(client, item, **headers):
    return client.get(item_url(item), **headers)


def meta(html: str, name: str) -> str | None:
    match = re.search(rf'<meta name="{name}" content="([^"]*)">', html)
    return match.group(1) if match else None


def test_published_item_page_shows_every_metadata_label_and_value(client, staff):
    item = make_published(staff, effective_on=datetime.date(2026, 12, 1))
    html = page(client, item).content.decode()
    revision = item.live_revision
    expected = {
        "索引号": item.index_number,
        "发布机构": staff.org.name,
        "生效日期": "2026-12-01",
        "文号": "市文旅发〔2026〕12号",
        "所属主题": staff.topic.name,
    }
    for label, value in expected.items():
        assert re.search(rf"<th scope=\"row\">{label}</th><td>{re.escape(value)}</td>", html), label
    assert '<th scope="row">废止日期</th><td></td>' in html
    assert f">{revision.title}</h1>" in html
    assert "来源:艺术科" in html
    assert f'发布时间:<time datetime="{timezone.localtime(item.published_at).isoformat()}">' in html
    assert f"{timezone.localtime(item.published_at):%Y-%m-%d}</time>" in html
    assert "浏览次数:1" in html
    assert re.search(r"有效性:<strong[^>]*>有效</strong>", html)
    assert "<p>现将有关事项通知如下。</p>" in html


def test_metadata_table_is_arranged_as_on_the_bureau_site(client, published):
    html = page(client, published).content.decode()
    table = html[html.index('<table class="item-meta">') : html.index("</table>")]
    rows = [
        re.findall(r'<th scope="row">([^<]+)</th>', row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    assert rows == [["索引号", "发布机构"], ["生效日期", "废止日期"], ["文号", "所属主题"]]
    # then the title, then the body, then attachments
    assert html.index("</table>") < html.index('id="article-title"') < html.index('class="article-body"')


@pytest.mark.parametrize("stage", ["draft", "in_review", "approved"])
def test_unpublished_items_are_not_found(client, staff, stage):
    if stage == "draft":
        item = make_draft(staff)
    elif stage == "in_review":
        item = make_draft(staff)
        services.submit_for_review(user=staff.drafter, item=item)
    else:
        item = make_approved(staff)
    item.refresh_from_db()
    assert item.status == stage
    # The index number it would get is not reachable, and neither would it be if it had one already.
    guessed = f"{staff.org.code}/2026-00001"
    assert client.get(f"/xxgk/items/{guessed}/").status_code == 404
    InformationItem.objects.filter(pk=item.pk).update(
        index_number=guessed, live_revision=item.latest_revision
    )
    response = client.get(f"/xxgk/items/{guessed}/")
    assert response.status_code == 404
    assert "关于举办" not in response.content.decode()
    assert client.get(f"/xxgk/items/{guessed}/print/").status_code == 404


def test_unknown_index_number_answers_a_chinese_404(client, db):
    response = client.get("/xxgk/items/nobody/2026-99999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_revision_under_review_does_not_change_the_public_page(client, staff, published):
    services.start_revision(user=staff.drafter, item=published)
    item = InformationItem.objects.get(pk=published.pk)
    services.update_draft(
        user=staff.drafter, item=item, data={"title": "修订中的新标题", "body": "<p>尚未审核的新正文</p>"}
    )
    services.submit_for_review(user=staff.drafter, item=item)
    html = page(client, item).content.decode()
    assert "关于举办2026年晋中市非遗展演活动的通知" in html
    assert "修订中的新标题" not in html
    assert "尚未审核的新正文" not in html


def test_major_change_shows_its_public_change_note_with_the_date(client, staff, published):
    item = publish_new_revision(
        staff,
        published,
        body="<p>报名时间调整为12月1日。</p>",
        change_note="更正了报名时间。",
        is_major_change=True,
    )
    html = page(client, item).content.decode()
    assert "更新说明" in html
    assert "更正了报名时间。" in html
    assert f"{timezone.localtime(item.live_revision.published_at):%Y-%m-%d}</time>" in html
    assert "报名时间调整为12月1日。" in html


def test_minor_change_shows_no_change_note(client, staff, published):
    item = publish_new_revision(staff, published, change_note="修改错别字。", is_major_change=False)
    html = page(client, item).content.decode()
    assert "更新说明" not in html
    assert "修改错别字" not in html


def test_withdrawn_item_is_gone_with_its_explanation_and_no_body(client, staff, published):
    services.withdraw(user=staff.editor, item=published, reason="该通知内容有误,已撤回。")
    response = page(client, published)
    assert response.status_code == 410
    html = response.content.decode()
    assert "关于举办2026年晋中市非遗展演活动的通知" in html
    assert "该通知内容有误,已撤回。" in html
    assert "现将有关事项通知如下" not in html
    assert "市文旅发〔2026〕12号" not in html
    assert client.get(item_print_url(published)).status_code == 410


@time_machine.travel(NOW, tick=False)
def test_item_abolished_today_shows_abolished_and_the_replacement(client, staff):
    old = make_published(staff)
    new = make_published(staff, title="关于举办2027年晋中市非遗展演活动的通知")
    services.abolish(
        user=staff.editor, item=old, abolished_on=NOW.date(), replaced_by=new, note="由新通知替代。"
    )
    html = page(client, old).content.decode()
    assert re.search(r"有效性:<strong[^>]*>已废止</strong>", html)
    assert '<th scope="row">废止日期</th><td>2026-11-25</td>' in html
    assert "本文件已于 2026-11-25 废止。" in html
    assert "由新通知替代。" in html
    assert f'<a href="{item_url(new)}">关于举办2027年晋中市非遗展演活动的通知</a>' in html


@time_machine.travel(NOW, tick=False)
def test_item_abolished_in_the_past_shows_abolished(client, staff):
    item = make_published(staff, formed_on=datetime.date(2026, 3, 2), effective_on=datetime.date(2026, 3, 2))
    services.abolish(user=staff.editor, item=item, abolished_on=datetime.date(2026, 6, 1))
    html = page(client, item).content.decode()
    assert re.search(r"有效性:<strong[^>]*>已废止</strong>", html)
    assert "本文件已于 2026-06-01 废止。" in html


def test_future_abolition_shows_valid_until_the_date(client, staff):
    with time_machine.travel(NOW, tick=False):
        item = make_published(staff)
        services.abolish(user=staff.editor, item=item, abolished_on=datetime.date(2026, 12, 1))
        html = page(client, item).content.decode()
        assert re.search(r"有效性:<strong[^>]*>有效</strong>", html)
        assert "已废止" not in html
        assert '<th scope="row">废止日期</th><td>2026-12-01</td>' in html
    with time_machine.travel(datetime.datetime(2026, 11, 30, 23, 59, tzinfo=NOW.tzinfo), tick=False):
        assert "已废止" not in page(client, item).content.decode()
    with time_machine.travel(datetime.datetime(2026, 12, 1, 0, 1, tzinfo=NOW.tzinfo), tick=False):
        html = page(client, item).content.decode()
        assert re.search(r"有效性:<strong[^>]*>已废止</strong>", html)


def test_replacement_that_was_withdrawn_is_not_linked(client, staff):
    old = make_published(staff)
    new = make_published(staff, title="替代的新通知")
    services.abolish(user=staff.editor, item=old, abolished_on=timezone.localdate(), replaced_by=new)
    services.withdraw(user=staff.editor, item=new, reason="撤回。")
    html = page(client, old).content.decode()
    assert item_url(new) not in html


def test_each_view_increments_the_view_count(client, published):
    page(client, published)
    page(client, published)
    html = page(client, published).content.decode()
    published.refresh_from_db()
    assert published.view_count == 3
    assert "浏览次数:3" in html


def test_head_requests_crawlers_and_print_views_are_not_counted(client, published):
    assert client.head(item_url(published)).status_code == 200
    page(client, published, HTTP_USER_AGENT="Mozilla/5.0 (compatible; Baiduspider/2.0)")
    client.get(item_print_url(published))
    published.refresh_from_db()
    assert published.view_count == 0


def test_post_to_an_item_page_is_not_allowed(client, published):
    assert client.post(item_url(published)).status_code == 405


def test_meta_tags_of_the_web_page_design_standard(client, staff, published):
    html = page(client, published).content.decode()
    assert meta(html, "SiteName") == staff.org.name
    assert meta(html, "SiteDomain") == "wlj.sxjz.gov.cn"
    assert meta(html, "SiteIDCode") == "1407000052"
    assert meta(html, "ColumnName") == staff.entry.name
    assert meta(html, "ArticleTitle") == "关于举办2026年晋中市非遗展演活动的通知"
    assert meta(html, "PubDate") == f"{timezone.localtime(published.published_at):%Y-%m-%d %H:%M}"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", meta(html, "PubDate"))
    assert meta(html, "ContentSource") == "艺术科"


@pytest.mark.parametrize("path", ["/", "/xxgk/"])
def test_site_meta_tags_are_on_every_page(client, staff, published, path):
    html = client.get(path).content.decode()
    assert meta(html, "SiteName") == staff.org.name
    assert meta(html, "SiteDomain") == "wlj.sxjz.gov.cn"
    assert meta(html, "SiteIDCode") == "1407000052"


def test_print_view_has_the_content_without_navigation(client, published):
    response = client.get(item_print_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    assert "关于举办2026年晋中市非遗展演活动的通知" in html
    assert "<p>现将有关事项通知如下。</p>" in html
    assert published.index_number in html
    assert "portal/print.css" in html
    assert "data-print hidden>打印</button>" in html
    assert "政府信息公开指南" not in html  # no top columns
    assert 'class="breadcrumb"' not in html
    assert meta(html, "ArticleTitle") == "关于举办2026年晋中市非遗展演活动的通知"


def test_item_page_links_to_its_print_view(client, published):
    html = page(client, published).content.decode()
    assert f'href="{item_print_url(published)}">打印</a>' in html


def test_scripts_in_the_body_never_reach_the_page(client, staff):
    item = make_published(
        staff,
        title="<script>alert(2)</script>通知",
        summary='"><script>alert(3)</script>',
        body='<p onclick="alert(4)">正文</p><script>alert(1)</script><img src="x" onerror="alert(5)">',
    )
    for url in (item_url(item), item_print_url(item)):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "onclick" not in html
        assert "onerror" not in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;通知" in html
        assert "<p>正文</p>" in html


def test_the_item_page_is_cached_but_counts_every_view_and_follows_changes(
    client, staff, django_capture_on_commit_callbacks
):
    from gongkai.portal import page_cache, selectors
    from gongkai.publishing import services as publishing

    with django_capture_on_commit_callbacks(execute=True):
        item = make_published(staff, title="缓存测试通知")
    url = f"/xxgk/items/{item.index_number}/"
    first = client.get(url).content.decode()
    assert "浏览次数:1" in first
    stamp = selectors.published_stamp(item.index_number)
    assert page_cache.get_item("testserver", stamp) is not None
    second = client.get(url).content.decode()
    assert "浏览次数:2" in second and page_cache.VIEWS_MARKER not in second
    with django_capture_on_commit_callbacks(execute=True):
        publishing.withdraw(
            user=staff.editor, item=InformationItem.objects.get(pk=item.pk), reason="内容有误"
        )
    assert client.get(url).status_code == 410


def test_views_are_buffered_and_written_together(client, published, settings, monkeypatch):
    import time

    from gongkai.publishing import view_counter

    settings.GONGKAI_VIEW_FLUSH_SECONDS = 3600
    view_counter.flush()
    monkeypatch.setattr(view_counter, "_last_flush", time.monotonic())
    page(client, published)
    html = page(client, published).content.decode()
    assert "浏览次数:2" in html  # shown at once, including what is not written yet
    published.refresh_from_db()
    assert published.view_count == 0
    assert view_counter.flush() == 2
    published.refresh_from_db()
    assert published.view_count == 2


def test_a_cached_item_page_costs_one_small_query(
    client, published, settings, monkeypatch, django_assert_num_queries
):
    """The usual request: the published item's stamp (key, lock version, count) in one indexed read, then
    the page from the cache; the full lookup runs only when the page is not cached."""
    import time

    from gongkai.publishing import view_counter

    settings.GONGKAI_VIEW_FLUSH_SECONDS = 3600
    view_counter.flush()
    monkeypatch.setattr(view_counter, "_last_flush", time.monotonic())
    page(client, published)  # renders and caches
    with django_assert_num_queries(1) as captured:
        html = page(client, published).content.decode()
    assert "JOIN" not in captured.captured_queries[0]["sql"].upper()
    assert "浏览次数:2" in html and published.live_revision.title in html
    assert view_counter.flush() == 2


def test_a_cached_page_is_not_served_once_the_item_is_no_longer_published(client, staff, settings):
    """The stamp is read for published items only: a withdrawn item's cached page is never served, even
    if nothing told the cache (here the status is changed behind the services' back)."""
    item = make_published(staff, title="撤回前已缓存的通知")
    url = f"/xxgk/items/{item.index_number}/"
    assert client.get(url).status_code == 200
    InformationItem.objects.filter(pk=item.pk).update(status="withdrawn")
    assert client.get(url).status_code == 410
    InformationItem.objects.filter(pk=item.pk).update(status="draft")
    assert client.get(url).status_code == 404
