"""信息管理: the organisation's items, filtered by status, department and title, paginated."""

import re

import pytest
from django.urls import reverse

from gongkai.publishing import services
from tests.factories import make_draft, make_published, make_staff

pytestmark = pytest.mark.django_db


def titles(client, **params) -> list[str]:
    response = client.get(reverse("console:items"), params)
    assert response.status_code == 200
    return [item.latest_revision.title for item in response.context["page"].object_list]


def test_filters_by_status_department_and_title(client, login):
    staff = make_staff()
    make_draft(staff, title="艺术科草稿")
    make_published(staff, title="艺术科已发布")
    make_draft(staff, by=staff.other_drafter, lead_department=staff.other_dept, title="产业科草稿")
    submitted = make_draft(staff, title="送审中的通知")
    services.submit_for_review(user=staff.drafter, item=submitted)
    login(staff.editor)
    assert set(titles(client)) == {"艺术科草稿", "艺术科已发布", "产业科草稿", "送审中的通知"}
    assert set(titles(client, status="draft")) == {"艺术科草稿", "产业科草稿"}
    assert titles(client, status="published") == ["艺术科已发布"]
    assert titles(client, status="in_review") == ["送审中的通知"]
    assert titles(client, department=staff.other_dept.pk) == ["产业科草稿"]
    assert set(titles(client, q="艺术科")) == {"艺术科草稿", "艺术科已发布"}
    assert titles(client, q="艺术科", status="published") == ["艺术科已发布"]


def test_search_finds_index_numbers(client, login):
    staff = make_staff()
    item = make_published(staff, title="有索引号的信息")
    make_draft(staff, title="别的")
    login(staff.drafter)
    assert titles(client, q=item.index_number) == ["有索引号的信息"]


def test_bad_filter_values_are_ignored_not_errors(client, login):
    staff = make_staff()
    make_draft(staff, title="一条")
    login(staff.drafter)
    assert titles(client, status="nonsense", department="abc", page="x") == ["一条"]
    assert titles(client, page="999") == ["一条"]


def test_the_list_is_paginated_and_keeps_the_filters(client, login):
    staff = make_staff()
    for n in range(23):
        make_draft(staff, title=f"分页信息{n:02d}")
    login(staff.drafter)
    response = client.get(reverse("console:items"), {"q": "分页", "status": "draft"})
    page = response.context["page"]
    assert len(page.object_list) == 20 and page.paginator.num_pages == 2
    html = response.content.decode()
    next_link = re.search(r'href="([^"]*)" rel="next"', html).group(1)
    assert "page=2" in next_link and "status=draft" in next_link and "q=" in next_link
    second = client.get(reverse("console:items") + next_link.replace("&amp;", "&"))
    assert len(second.context["page"].object_list) == 3
