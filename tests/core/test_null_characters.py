"""NUL characters never reach a view: PostgreSQL refuses them in text, and no field of a form means one.

``gongkai.core.middleware.NullCharacterMiddleware`` replaces them with U+FFFD (as HTML parsers do) in
every query-string and form value (multipart included) before any view reads them, so a value never
turns into another valid one; uploaded files and the API (which refuses NUL with a 422) are left alone.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory

from gongkai.core.middleware import NullCharacterMiddleware
from tests.factories import make_draft, make_staff


def seen(request):
    """Run the middleware and return the request as the view got it."""
    got = {}

    def view(request):
        got["request"] = request
        return HttpResponse("ok")

    middleware = NullCharacterMiddleware(view)
    assert middleware.process_view(request, view, (), {}) is None
    assert middleware(request).status_code == 200
    return got.get("request", request)


R = "\ufffd"


def test_query_string_values_and_names_have_their_nul_characters_replaced():
    request = seen(RequestFactory().get("/x/?q=%00%E8%8D%89%00%E7%A8%BF&tag=a%00&tag=b&k%00ey=v"))
    assert request.GET["q"] == f"{R}草{R}稿"
    assert request.GET.getlist("tag") == [f"a{R}", "b"]
    assert request.GET[f"k{R}ey"] == "v"
    assert not request.GET._mutable  # still an ordinary, immutable QueryDict


def test_urlencoded_form_values_have_their_nul_characters_replaced():
    request = seen(RequestFactory().post("/x/", {"title": "标\x00题", "many": ["1\x00", "2"]}))
    assert request.POST["title"] == f"标{R}题"
    assert request.POST.getlist("many") == [f"1{R}", "2"]


def test_multipart_fields_are_cleaned_and_files_untouched():
    data = b"%PDF-1.4\x00\x00binary\x00"
    upload = SimpleUploadedFile("附件.pdf", data, content_type="application/pdf")
    request = seen(RequestFactory().post("/x/", {"note": "说\x00明", "file": upload}))
    assert request.POST["note"] == f"说{R}明"
    assert request.FILES["file"].read() == data


def test_a_request_without_nul_keeps_its_own_query_dicts():
    request = RequestFactory().get("/x/?q=abc")
    before = request.GET
    assert seen(request).GET is before


def test_json_bodies_are_left_to_the_api():
    request = RequestFactory().post("/x/", data='{"title": "a\\u0000"}', content_type="application/json")
    assert seen(request).body == b'{"title": "a\\u0000"}'


def test_the_api_reads_its_own_requests():
    request = RequestFactory().post("/api/v1/staff/items", {"title": "a\x00"})
    assert seen(request).body  # not parsed here: the API reads its body itself
    assert seen(RequestFactory().get("/api/v1/items?topic=%00")).GET["topic"] == "\x00"


@pytest.mark.django_db
def test_a_choice_of_nul_stays_invalid():
    """Deleting the NUL would turn it into the empty choice ("no department"), which is valid."""
    from gongkai.concerns.forms import ClassifyForm

    staff = make_staff()
    request = seen(RequestFactory().post("/x/", {"severity": "general", "department": "\x00"}))
    form = ClassifyForm(request.POST, organization=staff.org)
    assert not form.is_valid() and "department" in form.errors


@pytest.mark.django_db
def test_console_searches_with_nul_answer_normally(client):
    """On PostgreSQL a NUL reaching the query is a server error; here it finds nothing, as any text would."""
    staff = make_staff()
    make_draft(staff, title="平遥国际摄影大展通知")
    client.force_login(staff.drafter, backend="django.contrib.auth.backends.ModelBackend")
    assert "平遥国际摄影大展通知" in client.get("/console/items/", {"q": "摄影"}).content.decode()
    response = client.get("/console/items/", {"q": "摄影\x00"})
    assert response.status_code == 200
    assert "平遥国际摄影大展通知" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/xxgk/items/%00/", "/xxgk/feed/%00.rss", "/console/items/%00/"])
def test_a_nul_in_the_address_is_a_404_not_a_database_error(client, path):
    """PostgreSQL refuses NUL in a lookup: the address is refused before any view runs."""
    client.raise_request_exception = False
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_a_nul_in_an_api_address_is_the_apis_json_404(client):
    response = client.get("/api/v1/items/abc%00")
    assert response.status_code == 404 and response.json()["detail"].startswith("未找到")
