"""Production error pages (DEBUG off) speak Chinese: 400, 403, the CSRF failure page and 500."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from gongkai.publishing.models import InformationItem
from tests.factories import make_staff

from .helpers import item_post

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_the_suite_runs_with_debug_off():
    assert settings.DEBUG is False


def test_a_form_body_over_the_upload_limit_gets_the_chinese_400_page(client, login, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    staff = make_staff()
    login(staff.drafter)
    response = client.post(reverse("console:item_create"), item_post(staff, body="<p>" + "很长的正文" * 500))
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求无法处理" in html and "提交的表单内容过大" in html
    assert '<html lang="zh-Hans">' in html
    assert not InformationItem.objects.exists()


def test_an_oversized_body_is_a_400_even_before_the_csrf_check(login, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    staff = make_staff()
    browser = Client(enforce_csrf_checks=True)  # the CSRF middleware reads the body first
    login(staff.drafter, browser)
    browser.get(reverse("console:item_create"))  # the CSRF cookie, as a browser has it
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    data = {**item_post(staff, body="正文" * 2000), "csrfmiddlewaretoken": token}
    response = browser.post(reverse("console:item_create"), data)
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()


def test_a_post_without_csrf_token_gets_the_chinese_csrf_page(login):
    staff = make_staff()
    browser = Client(enforce_csrf_checks=True)
    login(staff.drafter, browser)
    browser.get(reverse("console:item_create"))  # the CSRF cookie is there; the form's token is not sent
    assert settings.CSRF_COOKIE_NAME in browser.cookies
    response = browser.post(reverse("console:item_create"), item_post(staff))
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期,请刷新后重试" in html and "刷新页面" in html
    assert "CSRF verification failed" not in html
    assert not InformationItem.objects.exists()


def test_a_failing_view_renders_the_chinese_500_page(client, login, monkeypatch):
    staff = make_staff()
    login(staff.drafter)

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("gongkai.console.selectors.inbox_for", broken)
    client.raise_request_exception = False
    response = client.get(reverse("console:inbox"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统暂时出错" in html and "返回首页" in html
    assert "database on fire" not in html


def test_the_500_page_is_static_so_it_renders_when_everything_else_fails():
    source = (TEMPLATES / "500.html").read_text(encoding="utf-8")
    assert "{%" not in source and "{{" not in source  # no tags, no variables: nothing can fail
    assert 'href="/static/portal/errors.css"' in source
    html = get_template("500.html").render()  # no request, no context processors, no database
    assert "系统暂时出错" in html


def test_the_500_page_renders_even_if_context_processors_fail(settings, rf):
    from django.views.defaults import server_error

    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": ["tests.console.test_error_pages.failing_processor"],
            },
        }
    ]
    response = server_error(rf.get("/console/"))
    assert response.status_code == 500
    assert "系统暂时出错" in response.content.decode()


def failing_processor(request):  # pragma: no cover - must never be called for the 500 page
    raise RuntimeError("context processor failed")


def test_a_permission_denied_outside_the_console_gets_the_chinese_403_page(rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/"), PermissionDenied("internal detail"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有访问权限" in html and "internal detail" not in html


@pytest.mark.parametrize("name", ["400.html", "403.html", "403_csrf.html", "500.html"])
def test_every_error_page_is_chinese_and_links_its_own_stylesheet(name):
    from django.template.loader import render_to_string

    source = render_to_string(name)
    assert '<html lang="zh-Hans">' in source
    assert "portal/errors.css" in source
    assert "<script" not in source and "style=" not in source and "<style" not in source
    assert (Path(settings.BASE_DIR) / "portal/static/portal/errors.css").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_value", ["abc", "0", "-1", "true", "{}", "//evil.example/", "https://evil.example/"]
)
def test_a_strange_next_value_falls_back_to_a_safe_page(client, next_value):
    from tests.factories import make_staff

    staff = make_staff()
    client.force_login(staff.drafter, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/console/notifications/", {"next": next_value})
    assert response.status_code == 302
    assert response["Location"].startswith("/console/")


@pytest.mark.django_db
def test_a_huge_co_department_id_is_a_form_error_not_a_crash(client):
    from tests.factories import item_data, make_staff

    staff = make_staff()
    client.force_login(staff.drafter, backend="django.contrib.auth.backends.ModelBackend")
    data = item_data(staff)
    form = {
        "title": data["title"],
        "lead_department": staff.dept.pk,
        "formed_on": "2026-11-20",
        "disclosure_attribute": "proactive",
        "co_departments": ["99999999999999999999"],
    }
    response = client.post("/console/items/new/", form)
    assert response.status_code == 200
    assert "联合制作科室" in response.content.decode()
