"""/api/v1/search: the page's search, as JSON, with the item fields of /api/v1/items."""

import pytest
from django.test import Client

from gongkai.search import index
from tests.factories import make_published, make_staff

SEARCH = "/api/v1/search"


def get(**params):
    return Client().get(SEARCH, params)


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.mark.django_db
def test_results_carry_the_item_fields_and_the_highlights(staff):
    in_body = make_published(staff, title="工作通报", body="<p>做好非遗保护工作。</p>")
    in_title = make_published(staff, title="非遗保护条例实施细则")
    index.rebuild()
    data = get(q="非遗保护").json()
    assert data["count"] == 2 and data["terms"] == ["非遗保护"]
    assert [i["index_number"] for i in data["items"]] == [in_title.index_number, in_body.index_number]
    listed = Client().get("/api/v1/items", {"limit": 100}).json()["items"]
    as_listed = {i["index_number"]: i for i in listed}
    for hit in data["items"]:
        for key, value in as_listed[hit["index_number"]].items():
            assert hit[key] == value, key
    first, second = data["items"]
    assert first["title_highlighted"] == "<mark>非遗保护</mark>条例实施细则"
    assert second["snippet"] == "做好非遗保护工作。"
    assert second["snippet_highlighted"] == "做好<mark>非遗保护</mark>工作。"
    assert second["snippet_field"] == "正文"
    assert first["score"] > second["score"]
    assert {f["value"] for f in data["facets"]["validity"]} == {"valid"}


@pytest.mark.django_db
def test_same_filters_and_results_as_the_page(staff, client):
    other = make_staff()
    mine = make_published(staff, title="文化馆开放通知")
    theirs = make_published(other, title="文化馆开放公告")
    index.rebuild()

    def api(**params):
        return [i["index_number"] for i in get(q="文化馆", **params).json()["items"]]

    assert set(api()) == {mine.index_number, theirs.index_number}
    assert api(organization=staff.org.code) == [mine.index_number]
    assert api(topic=other.topic.code) == [theirs.index_number]
    assert api(catalogue_entry=staff.entry.code) == [mine.index_number]
    assert api(validity="abolished") == []
    assert api(organization="nobody") == []
    assert api(order="date") == [theirs.index_number, mine.index_number]
    page = client.get("/xxgk/search/", {"q": "文化馆", "org": staff.org.code}).content.decode()
    assert mine.index_number in page and theirs.index_number not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "文" * 201}, "q"),
        ({"q": "文化", "order": "x"}, "order"),
        ({"q": "文化", "offset": 10_001}, "offset"),
        ({"q": "文化", "validity": "bad"}, "validity"),
    ],
)
def test_bad_parameters_are_422_in_chinese(staff, params, field):
    response = get(**params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


@pytest.mark.django_db
def test_punctuation_only_gives_an_explanation_not_an_error(staff):
    data = get(q="〔〕").json()
    assert data["count"] == 0 and data["items"] == []
    assert data["messages"] == ["检索词只含标点或空格,请输入文字或数字。"]
