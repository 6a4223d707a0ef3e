import datetime

import pytest
from django.test import Client
from django.utils import timezone

from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from tests.api.conftest import publish_with_attachment
from tests.factories import make_draft, make_published, make_staff

LIST = "/api/v1/items"


def get(url, **params):
    return Client().get(url, params)


@pytest.mark.django_db
def test_item_by_index_number_with_slashes(staff):
    item = publish_with_attachment(staff, name="实施方案.pdf")
    assert "/" in item.index_number
    response = get(f"{LIST}/{item.index_number}")
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    revision = item.live_revision
    attachment = revision.attachments.get()
    assert data["index_number"] == item.index_number
    assert data["url"] == f"http://testserver/xxgk/items/{item.index_number}/"
    assert data["title"] == revision.title
    assert data["document_number"] == "市文旅发〔2026〕12号"
    assert data["publisher"] == staff.org.name
    assert data["organization"] == {"code": staff.org.code, "name": staff.org.name}
    assert data["lead_department"] == {"code": staff.dept.code, "name": "艺术科"}
    assert data["formed_on"] == "2026-11-20"
    assert data["effective_on"] is None and data["abolished_on"] is None
    assert data["validity"] == {"code": "valid", "label": "有效"}
    assert data["topic"] == {"code": staff.topic.code, "name": staff.topic.name}
    assert data["catalogue_entry"] == {"code": staff.entry.code, "name": staff.entry.name}
    assert data["summary"] == revision.summary
    assert data["body"] == revision.body
    assert data["published_at"]
    assert data["attachments"] == [
        {
            "name": "实施方案.pdf",
            "size": attachment.size,
            "content_type": "application/pdf",
            "url": f"http://testserver/xxgk/files/{attachment.pk}/%E5%AE%9E%E6%96%BD%E6%96%B9%E6%A1%88.pdf",
        }
    ]


@pytest.mark.django_db
def test_unpublished_items_are_404(staff):
    draft = make_draft(staff)
    published = make_published(staff)
    # The index number the draft would get, and the draft's id, name nothing public.
    year = draft.latest_revision.formed_on.year
    assert get(f"{LIST}/{staff.org.code}/{year}-00002").status_code == 404
    assert get(f"{LIST}/{draft.pk}").status_code == 404
    services.withdraw(user=staff.editor, item=published, reason="内容有误,撤回更正")
    response = get(f"{LIST}/{published.index_number}")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该信息。"}
    assert get(LIST).json()["count"] == 0


@pytest.mark.django_db
def test_a_revision_under_review_does_not_leak(staff):
    item = make_published(staff)
    services.start_revision(user=staff.drafter, item=item)
    item.refresh_from_db()
    services.update_draft(user=staff.drafter, item=item, data={"title": "尚未审核的新标题"})
    data = get(f"{LIST}/{item.index_number}").json()
    assert data["title"] == "关于举办2026年晋中市非遗展演活动的通知"


@pytest.mark.django_db
def test_abolished_item_shows_its_validity(staff):
    item = make_published(staff)
    replacement = make_published(staff, title="新通知")
    services.abolish(user=staff.editor, item=item, abolished_on=timezone.localdate(), replaced_by=replacement)
    data = get(f"{LIST}/{item.index_number}").json()
    assert data["validity"] == {"code": "abolished", "label": "已废止"}
    assert data["abolished_on"] == timezone.localdate().isoformat()
    assert data["replaced_by"] == replacement.index_number


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["%00", "a" * 200, "../../etc/passwd", "x/%E4%B8%AD"])
def test_strange_index_numbers_are_404(staff, path):
    assert get(f"{LIST}/{path}").status_code == 404


@pytest.mark.django_db
def test_list_is_newest_first_and_paginated(staff):
    items = [make_published(staff, title=f"通知{n}") for n in range(3)]
    data = get(LIST, limit=2).json()
    assert data["count"] == 3 and data["limit"] == 2 and data["offset"] == 0
    assert [i["title"] for i in data["items"]] == ["通知2", "通知1"]
    data = get(LIST, limit=2, offset=2).json()
    assert [i["index_number"] for i in data["items"]] == [items[0].index_number]
    assert get(LIST, offset=99).json()["items"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"limit": 101}, "limit", "每页条数(limit)不能大于100。"),
        ({"limit": 0}, "limit", "每页条数(limit)不能小于1。"),
        ({"offset": -1}, "offset", "不能小于0"),
        ({"year": "二〇二六"}, "year", "年份应为整数。"),
        ({"organization": "x" * 41}, "organization", "机构代码不能超过40个字符。"),
        ({"topic": "a\x00"}, "topic", "空字符"),
    ],
)
def test_bad_list_parameters_are_422_in_chinese(staff, params, field, message):
    response = get(LIST, **params)
    assert response.status_code == 422
    assert any(message in m for m in response.json()["errors"][field])


@pytest.mark.django_db
def test_filters(staff):
    other = make_staff()
    mine = make_published(staff)
    theirs = make_published(other, formed_on=datetime.date(2025, 3, 1))
    # year is the publication year, as on the list page
    InformationItem.objects.filter(pk=theirs.pk).update(published_at=theirs.published_at.replace(year=2025))
    assert {i["index_number"] for i in get(LIST).json()["items"]} == {mine.index_number, theirs.index_number}

    def only(**params):
        return [i["index_number"] for i in get(LIST, **params).json()["items"]]

    assert only(organization=staff.org.code) == [mine.index_number]
    assert only(year=2025) == [theirs.index_number]
    assert only(year=mine.published_at.year) == [mine.index_number]
    assert only(topic=other.topic.code) == [theirs.index_number]
    assert only(catalogue_entry=staff.entry.code) == [mine.index_number]
    assert only(organization=staff.org.code, year=2025) == []
    assert only(organization="nobody") == []


@pytest.mark.django_db
def test_list_costs_a_constant_number_of_queries(staff, django_assert_max_num_queries):
    publish_with_attachment(staff)
    # organisations, count, page, attachments
    with django_assert_max_num_queries(4):
        assert len(get(LIST).json()["items"]) == 1
    for n in range(5):
        publish_with_attachment(staff, name=f"附件{n}.pdf", title=f"通知{n}")
    other = make_staff()
    make_published(other)
    with django_assert_max_num_queries(4):
        assert len(get(LIST).json()["items"]) == 7
    assert InformationItem.objects.published().count() == 7
