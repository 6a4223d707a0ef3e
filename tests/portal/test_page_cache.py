"""Cached public pages (portal/page_cache.py): served from the cache until the public generation changes,
which happens inside the transaction of each public change — so a change shows at once, in every process."""

import pytest

from gongkai.portal import services
from gongkai.portal.links import item_url
from gongkai.portal.models import PortalPage
from gongkai.publishing import services as publishing
from gongkai.publishing.models import InformationItem
from tests.factories import make_published

pytestmark = pytest.mark.django_db


def test_a_list_page_seen_before_costs_one_query(client, staff, django_assert_num_queries):
    make_published(staff, title="关于开展文化市场检查的通知")
    first = client.get("/xxgk/list/")
    with django_assert_num_queries(1):  # the public generation
        second = client.get("/xxgk/list/")
    assert second.status_code == 200 and second.content == first.content
    assert "关于开展文化市场检查的通知" in second.content.decode()


def test_each_address_is_cached_apart(client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the title filter reads the search index
        item = make_published(staff, title="甲通知")
    link = f'href="{item_url(item)}"'
    assert link in client.get("/xxgk/list/").content.decode()
    assert link not in client.get("/xxgk/list/?q=乙通").content.decode()
    assert link in client.get("/xxgk/list/?q=甲通").content.decode()


def test_a_publication_shows_on_the_cached_list_at_once(client, staff):
    """No on_commit callback runs here: the generation changes in the publishing transaction itself."""
    make_published(staff, title="第一条通知")
    assert "第二条通知" not in client.get("/xxgk/list/").content.decode()
    make_published(staff, title="第二条通知")
    assert "第二条通知" in client.get("/xxgk/list/").content.decode()


def test_a_withdrawal_leaves_the_cached_list_and_home_pages_at_once(client, staff):
    item = make_published(staff, title="将要撤回的通知")
    assert "将要撤回的通知" in client.get("/xxgk/list/").content.decode()
    assert "将要撤回的通知" in client.get("/").content.decode()
    publishing.withdraw(user=staff.editor, item=InformationItem.objects.get(pk=item.pk), reason="内容有误")
    assert "将要撤回的通知" not in client.get("/xxgk/list/").content.decode()
    assert "将要撤回的通知" not in client.get("/").content.decode()


def test_search_pages_follow_the_index(client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_published(staff, title="非遗展演活动的通知")
    assert "共找到 1 条信息" in client.get("/xxgk/search/?q=展演").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        make_published(staff, title="第二场展演安排")
    assert "共找到 2 条信息" in client.get("/xxgk/search/?q=展演").content.decode()


def test_an_edited_guide_page_shows_at_once(client, staff):
    page = PortalPage(organization=staff.org, kind="guide", title="公开指南", body="<p>旧的说明</p>")
    services.save_page(page, user=staff.system_admin)
    assert "公开指南" in client.get("/xxgk/").content.decode()
    page.title = "政府信息公开指南(修订)"
    services.save_page(page, user=staff.system_admin)
    assert "政府信息公开指南(修订)" in client.get("/xxgk/").content.decode()


def test_answers_other_than_200_are_not_cached(client, staff, django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    client.post("/xxgk/list/")  # 405
    client.get("/xxgk/list/", HTTP_HOST="evil.example")  # 400 (host not allowed)
    assert not [k for k in cache._cache if ":portal:page:" in k]  # noqa: SLF001 (locmem internals)


def test_the_cached_pages_do_not_depend_on_the_visitor(client, staff):
    """What one visitor's request stores is what every visitor gets: the same bytes for a member of staff
    (logged in, with a session and a CSRF cookie) and for the public."""
    from django.core.cache import cache

    make_published(staff, title="人人可见的通知")
    pages = ["/", "/xxgk/", "/xxgk/list/", "/xxgk/search/?q=通知"]
    client.force_login(staff.editor, backend="django.contrib.auth.backends.ModelBackend")
    client.cookies["csrftoken"] = "a" * 32
    as_staff = {}
    for path in pages:
        cache.clear()
        as_staff[path] = client.get(path).content
    client.logout()
    for path in pages:
        cache.clear()
        assert client.get(path).content == as_staff[path], path
        assert staff.editor.username.encode() not in as_staff[path]
