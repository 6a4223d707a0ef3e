"""POST /api/v1/review/check: findings for a text or a file, without creating an item (issue 4 item 8)."""

import pytest

from tests.api.conftest import ApiClient
from tests.documents import docx_bytes
from tests.factories import make_staff
from tests.review.factories import make_dictionary

VALID_ID = "11010519491231002X"


@pytest.fixture
def staff(db):
    staff = make_staff()
    make_dictionary(staff.org, terms=[("国家旅游局", "outdated", "blocking", "文化和旅游部")])
    return staff


def test_check_text_gives_offsets_categories_and_suggestions(staff):
    text = f"经国家旅游局批准。身份证{VALID_ID}。"
    response = ApiClient(staff.drafter).post("/api/v1/review/check", {"text": text})
    assert response.status_code == 200
    data = response.json()
    assert data["blocking"] == 2 and data["warnings"] == 0
    first, second = data["findings"]
    assert (first["category"], first["matched"], first["suggestion"]) == (
        "outdated",
        "国家旅游局",
        "文化和旅游部",
    )
    assert text[first["start"] : first["end"]] == "国家旅游局"
    assert (second["category"], second["detector"]) == ("personal_data", "id_card")
    assert text[second["start"] : second["end"]] == VALID_ID


def test_check_a_file(staff):
    response = ApiClient(staff.drafter).upload(
        "/api/v1/review/check/file",
        "草稿.docx",
        docx_bytes("经国家旅游局批准"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert response.status_code == 200, response.content
    assert [f["matched"] for f in response.json()["findings"]] == ["国家旅游局"]


def test_needs_a_token_and_a_membership(staff):
    assert ApiClient().post("/api/v1/review/check", {"text": "文字"}).status_code == 401
    response = ApiClient(staff.drafter).post(
        "/api/v1/review/check", {"text": "文字", "organization": "nobody"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("body", [{}, {"text": "x", "extra": 1}, {"text": "a\x00b"}])
def test_bad_bodies_are_422(staff, body):
    assert ApiClient(staff.drafter).post("/api/v1/review/check", body).status_code == 422


def test_a_body_over_the_request_limit_is_a_json_400(staff, settings):
    """Found by schemathesis: a text within its documented length but sent as \\u escapes can exceed
    DATA_UPLOAD_MAX_MEMORY_SIZE; the answer is the API's JSON 400, not Django's HTML page."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = ApiClient(staff.drafter).post("/api/v1/review/check", {"text": "文" * 1000})
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容过大,请缩短后分次提交。"}
