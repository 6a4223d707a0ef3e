"""The public layout: four top columns, accessibility basics, no inline scripts, handlers or styles."""

import re

import pytest

from gongkai.portal.links import item_print_url, item_url

pytestmark = pytest.mark.django_db


def pages(client, item):
    return {
        "home": client.get("/"),
        "xxgk": client.get("/xxgk/"),
        "item": client.get(item_url(item)),
        "print": client.get(item_print_url(item)),
        "404": client.get("/xxgk/items/none/2026-00000/"),
    }


def test_every_page_is_chinese_and_free_of_inline_scripts_handlers_and_styles(client, published):
    for name, response in pages(client, published).items():
        html = response.content.decode()
        assert '<html lang="zh-CN">' in html, name
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts == ['<script src="/static/portal/portal.js" defer>'], name
        assert not re.search(r"\son[a-z]+=", html), name
        assert " style=" not in html, name


def test_base_layout_has_skip_link_landmarks_columns_breadcrumb_and_site_code(client, staff, published):
    html = client.get(item_url(published)).content.decode()
    assert '<a class="skip-link" href="#main">跳到主要内容</a>' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html
    columns = re.findall(r'<li><a href="(/xxgk/#\w+)">([^<]+)</a></li>', html)
    assert [name for _url, name in columns] == [
        "政府信息公开指南",
        "政府信息公开制度",
        "法定主动公开内容",
        "政府信息公开年报",
    ]
    assert '<nav class="breadcrumb" aria-label="当前位置">' in html
    assert '<span aria-current="page">正文</span>' in html
    assert "网站标识码:1407000052" in html
    assert f'<p class="site-name"><a href="/">{staff.org.name}</a></p>' in html


def test_column_anchors_exist_on_the_platform_page(client, published):
    html = client.get("/xxgk/").content.decode()
    for anchor in ("zn", "zd", "fdzdgknr", "nb"):
        assert f'id="{anchor}"' in html


def test_font_size_switch_is_made_of_keyboard_buttons(client, published):
    html = client.get(item_url(published)).content.decode()
    assert "【</span>字体:" in html
    buttons = re.findall(
        r'<button type="button" data-set-font-size="(\w+)" aria-pressed="(?:true|false)">(.)</button>', html
    )
    assert buttons == [("large", "大"), ("medium", "中"), ("small", "小")]


def test_portal_assets_are_the_apps_own_static_files():
    from django.contrib.staticfiles import finders

    for path in ("portal/portal.css", "portal/print.css", "portal/portal.js"):
        assert finders.find(path), path
