"""The list page (/xxgk/list/), the catalogue tree and annual reports on /xxgk/, feeds, sitemap.xml and
the editable guide and rules pages."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.utils import timezone

from gongkai.portal import services
from gongkai.portal.links import item_url
from gongkai.portal.models import PortalPage
from gongkai.publishing.models import InformationItem
from gongkai.search import index
from tests.factories import CatalogueEntryFactory, TopicFactory, make_draft, make_published, make_staff
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def parse_xml(content: bytes):
    return ET.fromstring(content)  # noqa: S314 (our own responses)


@pytest.fixture
def heading(staff):
    """A heading 政策文件 above staff.entry and a second leaf 通知公告."""
    heading = CatalogueEntryFactory(organization=staff.org, code="zcwj", name="政策文件", ordering=1)
    staff.entry.parent = heading
    staff.entry.name = "规范性文件"
    staff.entry.save()
    CatalogueEntryFactory(organization=staff.org, code="tzgg", name="通知公告", parent=heading, ordering=2)
    return heading


def listed(client, query=""):
    response = client.get("/xxgk/list/" + query)
    assert response.status_code == 200
    return response.content.decode()


def test_catalogue_filter_includes_descendants_of_a_heading(client, staff, heading):
    notice = heading.children.get(code="tzgg")
    in_leaf = make_published(staff, title="规范性文件甲")
    in_other = make_published(staff, title="通知公告乙", catalogue_entry=notice)
    html = listed(client, "?catalogue=zcwj")
    assert item_url(in_leaf) in html and item_url(in_other) in html
    assert '<meta name="ColumnName" content="政策文件">' in html
    only = listed(client, "?catalogue=tzgg")
    assert item_url(in_other) in only and item_url(in_leaf) not in only


def test_topic_year_keyword_filters_narrow(client, staff):
    other_topic = TopicFactory(organization=staff.org, code="ly", name="旅游")
    a = make_published(staff, title="非遗展演通知")
    b = make_published(staff, title="旅游景区通知", topic=other_topic)
    InformationItem.objects.filter(pk=a.pk).update(
        published_at=datetime.datetime(2025, 6, 1, 10, tzinfo=datetime.UTC)
    )
    html = listed(client, "?topic=ly")
    assert item_url(b) in html and item_url(a) not in html
    html = listed(client, "?year=2025")
    assert item_url(a) in html and item_url(b) not in html
    index.rebuild()  # published inside the test transaction: nothing ran after commit
    html = listed(client, "?q=景区")
    assert item_url(b) in html and item_url(a) not in html
    assert "市文旅发〔2026〕12号" in html


def test_validity_filter_uses_today_and_a_future_abolition_switches(client, staff):
    valid = make_published(staff, title="有效的文件")
    abolished_later = make_published(staff, title="将废止的文件")
    expired = make_published(staff, title="已失效的文件")
    today = timezone.localdate()
    InformationItem.objects.filter(pk=abolished_later.pk).update(
        abolished_on=today + datetime.timedelta(days=10)
    )
    InformationItem.objects.filter(pk=expired.pk).update(expires_on=today - datetime.timedelta(days=1))
    html = listed(client, "?validity=有效")
    assert item_url(valid) in html and item_url(abolished_later) in html and item_url(expired) not in html
    assert item_url(expired) in listed(client, "?validity=expired")
    assert item_url(abolished_later) not in listed(client, "?validity=abolished")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=11)):
        html = listed(client, "?validity=已废止")
        assert item_url(abolished_later) in html and item_url(valid) not in html
        assert item_url(abolished_later) not in listed(client, "?validity=有效")


def test_publisher_filter_with_several_organisations(client, staff):
    other = make_staff(OrganizationFactory(code="jz-zjj", name="晋中市住房和城乡建设局"))
    mine = make_published(staff, title="文旅局的通知")
    theirs = make_published(other, title="住建局的通知")
    html = listed(client)
    assert item_url(mine) in html and item_url(theirs) in html
    html = listed(client, "?org=jz-zjj")
    assert item_url(theirs) in html and item_url(mine) not in html


@pytest.mark.parametrize(
    "query, message",
    [
        ("?catalogue=nothing", "未找到所选目录分类"),
        ("?topic=nothing", "未找到所选主题"),
        ("?year=二〇二六", "年份格式不正确"),
        ("?year=99999999999999999999", "年份格式不正确"),
        ("?validity=maybe", "有效性只能是"),
        ("?org=nobody", "未找到所选发布机构"),
        ("?q=" + "长" * 300, "关键词过长"),
        ("?page=abc&year=%00", "年份格式不正确"),
    ],
)
def test_bad_filter_values_are_ignored_politely(client, staff, query, message):
    item = make_published(staff)
    html = listed(client, query)
    assert message in html
    if "q=" not in query:
        assert item_url(item) in html


def test_drafts_never_appear_in_list_tree_feeds_or_sitemap(client, staff):
    make_draft(staff, title="草稿不得公开", summary="草稿概述")
    for path in ("/xxgk/list/", "/xxgk/", f"/xxgk/feed/{staff.entry.code}.rss", "/sitemap.xml"):
        assert "草稿不得公开" not in client.get(path).content.decode()
    assert "(0)" in client.get("/xxgk/").content.decode()


def test_list_page_runs_a_constant_number_of_queries(client, staff, heading, django_assert_max_num_queries):
    for n in range(25):
        make_published(staff, title=f"通知{n}")
    index.rebuild()
    with django_assert_max_num_queries(8):
        listed(client, "?catalogue=zcwj&topic=" + staff.topic.code + "&validity=有效&q=通知&year=2026&page=2")


def test_paginates_twenty_and_keeps_filters(client, staff):
    for n in range(21):
        make_published(staff, title=f"通知{n:02d}")
    index.rebuild()
    html = listed(client, "?q=通知")
    assert html.count("<tr>\n    <td>") == 20
    assert 'href="?org=' in html or 'href="?q=' in html
    assert "q=%E9%80%9A%E7%9F%A5&amp;page=2" in html


def test_xxgk_shows_four_columns_and_the_tree_with_counts(
    client, staff, heading, django_assert_max_num_queries
):
    make_published(staff)
    make_published(staff)
    html = client.get("/xxgk/").content.decode()
    for name in ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报"):
        assert f">{name}</h2>" in html or f">{name}<span" in html
    assert (
        f'href="/xxgk/list/?catalogue={staff.entry.code}">规范性文件</a> <span class="tree-count">(2)' in html
    )
    assert '>政策文件</a> <span class="tree-count">(2)' in html
    assert '>通知公告</a> <span class="tree-count">(0)' in html
    assert "暂无" in html
    for n in range(10):
        CatalogueEntryFactory(organization=staff.org, parent=heading, code=f"x{n}")
    with django_assert_max_num_queries(10):
        client.get("/xxgk/")


def test_annual_reports_column_lists_items_under_report_entries(client, staff):
    entry = CatalogueEntryFactory(organization=staff.org, code="nb", name="政府信息公开工作年度报告")
    report = make_published(staff, title="2025年政府信息公开工作年度报告", catalogue_entry=entry)
    html = client.get("/xxgk/").content.decode()
    section = html[html.index('id="nb"') : html.index('id="fdzdgknr"')]
    assert item_url(report) in section


def test_rss_and_atom_feeds_parse_and_escape(client, staff):
    item = make_published(staff, title="关于<活动>的通知", summary="时间 & 地点 <b>注意</b>")
    rss = client.get(f"/xxgk/feed/{staff.entry.code}.rss")
    assert rss.status_code == 200
    root = parse_xml(rss.content)
    entry = root.find("channel/item")
    assert entry.findtext("title") == "关于<活动>的通知"
    assert entry.findtext("description") == "时间 & 地点 <b>注意</b>"
    assert entry.findtext("link").endswith(item_url(item))
    assert entry.findtext("pubDate")
    assert b"<b>" not in rss.content
    atom = client.get(f"/xxgk/feed/{staff.entry.code}.atom")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = parse_xml(atom.content)
    assert root.find("a:entry/a:title", ns).text == "关于<活动>的通知"
    assert client.get("/xxgk/feed/nothing.rss").status_code == 404


def test_heading_feed_includes_descendants(client, staff, heading):
    item = make_published(staff, title="规范性文件丙")
    root = parse_xml(client.get("/xxgk/feed/zcwj.rss").content)
    assert [e.findtext("title") for e in root.findall("channel/item")] == [item.live_revision.title]


def test_sitemap_lists_xxgk_list_and_published_items_with_lastmod(client, staff):
    item = make_published(staff, title="已发布的通知")
    draft = make_draft(staff)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = parse_xml(response.content)
    locations = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    assert any(loc.endswith("/xxgk/") for loc in locations)
    assert any(loc.endswith("/xxgk/list/") for loc in locations)
    assert any(loc.endswith(item_url(item)) for loc in locations)
    assert not any(draft.index_number and loc.endswith(draft.index_number + "/") for loc in locations)
    item_row = next(
        u for u in root.findall("s:url", ns) if u.findtext("s:loc", namespaces=ns).endswith(item_url(item))
    )
    assert item_row.findtext("s:lastmod", namespaces=ns)


def test_guide_and_rules_pages_render_sanitised_bodies(client, staff):
    assert client.get("/xxgk/guide/").status_code == 404
    page = PortalPage(
        organization=staff.org,
        kind="guide",
        title="晋中市文化和旅游局政府信息公开指南",
        body='<p onclick="x()">一、主动公开</p><script>alert(1)</script>',
    )
    services.save_page(page, user=staff.system_admin)
    html = client.get("/xxgk/guide/").content.decode()
    assert "一、主动公开" in html and "alert(1)" not in html and "onclick" not in html
    assert '<meta name="ColumnName" content="政府信息公开指南">' in html
    assert 'href="/xxgk/guide/"' in client.get("/xxgk/").content.decode()
    assert client.get("/xxgk/rules/").status_code == 404
    page.refresh_from_db()
    assert page.updated_by == staff.system_admin


def test_admin_edit_sanitises_and_is_audited(client, staff):
    from gongkai.audit.models import AuditEvent
    from tests.orgs.factories import UserFactory

    root = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        "/admin/portal/portalpage/add/",
        {
            "organization": staff.org.pk,
            "kind": "rules",
            "title": "政府信息公开制度",
            "body": "<p>制度</p><script>x</script>",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = PortalPage.objects.get(kind="rules")
    assert page.body == "<p>制度</p>" and page.updated_by == root
    assert AuditEvent.objects.filter(action="admin.added").exists()
