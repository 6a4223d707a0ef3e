"""Home (/) and the disclosure platform (/xxgk/): organisations and the latest published items."""

import datetime

import pytest
from django.utils import timezone

from gongkai.portal.links import item_url
from gongkai.publishing.models import InformationItem
from tests.factories import make_approved, make_draft, make_published, make_staff
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/xxgk/"])
def test_lists_show_published_items_newest_first_and_nothing_else(client, staff, path):
    older = make_published(staff, title="较早发布的通知")
    newer = make_published(staff, title="最近发布的通知")
    InformationItem.objects.filter(pk=older.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=3)
    )
    make_draft(staff, title="尚在起草的通知")
    make_approved(staff, title="已审核未发布的通知")
    html = client.get(path).content.decode()
    assert html.index(item_url(newer)) < html.index(item_url(older))
    assert "尚在起草的通知" not in html
    assert "已审核未发布的通知" not in html
    assert f"{timezone.localtime(newer.published_at):%Y-%m-%d}</time>" in html


def test_lists_are_paginated_twenty_a_page(client, staff):
    items = [make_published(staff, title=f"通知第{n:02d}号") for n in range(21)]
    base = timezone.now()
    for n, item in enumerate(items):
        InformationItem.objects.filter(pk=item.pk).update(published_at=base - datetime.timedelta(hours=n))
    first = client.get("/xxgk/").content.decode()
    assert first.count('<li>\n    <a href="/xxgk/items/') == 20
    assert "通知第00号" in first and "通知第20号" not in first
    assert "第 1 页,共 2 页" in first
    second = client.get("/xxgk/?page=2").content.decode()
    assert "通知第20号" in second and "通知第00号" not in second
    # a page number that is not a number or out of range is not an error
    assert client.get("/xxgk/?page=abc").status_code == 200
    assert client.get("/xxgk/?page=999").status_code == 200


def test_several_organisations_are_listed_and_chosen_by_code(client, staff):
    other = make_staff(OrganizationFactory(code="jz-zjj", name="晋中市住房和城乡建设局"))
    mine = make_published(staff, title="文旅局的通知")
    theirs = make_published(other, title="住建局的通知")
    html = client.get("/xxgk/").content.decode()
    assert staff.org.name in html and "晋中市住房和城乡建设局" in html
    assert 'href="/xxgk/?org=jz-zjj"' in html
    assert item_url(mine) in html and item_url(theirs) in html

    chosen = client.get("/xxgk/?org=jz-zjj").content.decode()
    assert item_url(theirs) in chosen
    assert item_url(mine) not in chosen
    assert '<p class="site-name"><a href="/?org=jz-zjj">晋中市住房和城乡建设局</a></p>' in chosen


def test_unknown_organisation_code_is_not_found(client, staff):
    response = client.get("/xxgk/?org=nobody")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_empty_platform_says_there_is_nothing_yet(client, db):
    html = client.get("/xxgk/").content.decode()
    assert "暂无已公开的信息。" in html
