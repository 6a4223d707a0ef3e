"""Search: what is found, in what order, and that the index follows what is published.

These tests run on SQLite (FTS5) and on PostgreSQL (tsvector) in CI with the same expectations, which is
how "the same results on both databases" is shown.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from gongkai.portal import selectors
from gongkai.publishing import services
from gongkai.publishing.models import InformationItem
from gongkai.search import index
from gongkai.search.models import SearchText
from tests.documents import docx_bytes, pdf_bytes
from tests.factories import make_draft, make_published, review_through

TITLE = "关于举办2026年晋中市非物质文化遗产展演活动的通知"


def found(q, **params):
    organizations = list(selectors.public_organizations())
    filters = selectors.parse_list_filters({"q": q, **params}, organizations)
    return selectors.search(filters, organizations, order=params.get("order", "relevance"), limit=100)


def titles(q, **params):
    return [hit.item.live_revision.title for hit in found(q, **params).hits]


def test_every_substring_of_two_or_more_characters_of_a_title_finds_it(publish):
    item = publish(title=TITLE, summary="见下文", body="<p>无关内容</p>")
    publish(title="平遥古城景区门票价格调整公告", summary="见下文", body="<p>另一条</p>")
    for length in range(2, len(TITLE) + 1):
        for start in range(0, len(TITLE) - length + 1):
            part = TITLE[start : start + length]
            hits = found(part).hits
            assert item.pk in [hit.item.pk for hit in hits], part


def test_a_document_number_is_found_whatever_brackets_are_typed(publish):
    item = publish(document_number="市文旅发〔2026〕12号", title="通知甲")
    publish(document_number="市文旅发〔2025〕12号", title="通知乙")
    for typed in (
        "市文旅发〔2026〕12号",
        "市文旅发[2026]12号",
        "市文旅发(2026)12号",
        "市文旅发（2026）12号",
        "文旅发2026 12号",
    ):
        assert [hit.item.pk for hit in found(typed).hits] == [item.pk], typed


def test_title_hits_rank_above_body_hits_and_date_order_is_newest_first(publish):
    in_title = publish(title="全市文物保护工作要点", body="<p>正文</p>", formed_on=datetime.date(2026, 1, 5))
    in_body = publish(title="工作通报", body="<p>要做好文物保护。</p>", formed_on=datetime.date(2026, 2, 5))
    in_summary = publish(title="情况说明", summary="涉及文物保护经费", body="<p>正文</p>")
    relevance = [hit.item.pk for hit in found("文物保护").hits]
    assert relevance == [in_title.pk, in_summary.pk, in_body.pk]
    by_date = [hit.item.pk for hit in found("文物保护", order="date").hits]
    assert by_date == [in_summary.pk, in_body.pk, in_title.pk]  # the order they were published


def test_all_terms_must_be_present(publish):
    both = publish(title="非遗展演活动通知", body="<p>地点在平遥</p>")
    publish(title="非遗保护条例", body="<p>全文</p>")
    assert [hit.item.pk for hit in found("非遗 平遥").hits] == [both.pk]


def test_one_character_finds_it_anywhere_including_the_last_character(publish):
    item = publish(title="关于公布名录的通知", summary="见下文", body="<p>见附件</p>")
    assert item.pk in [hit.item.pk for hit in found("知").hits]  # the last character of the title
    assert item.pk in [hit.item.pk for hit in found("公").hits]


def test_text_of_pdf_and_docx_attachments_is_searched(staff, django_capture_on_commit_callbacks):
    item = make_draft(staff, title="附件检索测试", body="<p>正文无关</p>")
    services.attach_file(
        user=staff.drafter,
        item=item,
        upload=SimpleUploadedFile(
            "细则.pdf", pdf_bytes("晋中市非物质文化遗产保护条例实施细则"), "application/pdf"
        ),
    )
    services.attach_file(
        user=staff.drafter,
        item=item,
        upload=SimpleUploadedFile(
            "名录.docx",
            docx_bytes("第五批市级代表性项目名录", "左权开花调"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    )
    services.submit_for_review(user=staff.drafter, item=item)
    item = review_through(staff, item)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(user=staff.editor, item=item)
    for term in ("实施细则", "左权开花调"):
        hits = found(term).hits
        assert [hit.item.pk for hit in hits] == [item.pk], term
        assert hits[0].snippet_field == "附件"
        assert "<mark>" in hits[0].snippet


def test_snippets_and_titles_are_highlighted_and_escaped(publish):
    publish(
        title="关于<b>平遥</b>国际摄影展的通知",
        body="<p>第一段。</p><p>本届摄影展在平遥古城举办,&lt;script&gt;alert(1)&lt;/script&gt;欢迎参观。</p>",
    )
    hit = found("平遥").hits[0]
    assert "<mark>平遥</mark>" in hit.title
    assert "&lt;b&gt;" in hit.title
    assert "<mark>平遥</mark>古城" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet


def test_a_document_number_hit_highlights_the_real_brackets(publish):
    publish(title="通知", document_number="市文旅发〔2026〕12号", summary="依据市文旅发〔2026〕12号文件")
    hit = found("文旅发[2026]12号").hits[0]
    assert "<mark>文旅发〔2026〕12号</mark>" in hit.snippet


def test_unpublished_items_are_never_found(staff, publish):
    make_draft(staff, title="草稿中的机密方案")
    item = make_draft(staff, title="审核中的机密方案")
    services.submit_for_review(user=staff.drafter, item=item)
    assert found("机密方案").count == 0
    call_command("reindex", verbosity=0)
    assert found("机密方案").count == 0


def test_the_index_changes_only_after_commit(staff, django_capture_on_commit_callbacks):
    item = review_through(staff, _submitted(staff, title="展演活动安排"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.publish(user=staff.editor, item=item)
    assert found("展演活动安排").count == 0  # not committed yet: nothing in the index
    for callback in callbacks:
        callback()
    assert found("展演活动安排").count == 1


def _submitted(staff, **data):
    item = make_draft(staff, **data)
    services.submit_for_review(user=staff.drafter, item=item)
    return item


def test_withdrawing_removes_it_and_a_new_revision_replaces_the_old_text(
    staff, publish, django_capture_on_commit_callbacks
):
    item = publish(title="旧标题的通知", body="<p>旧的正文</p>")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_revision(user=staff.drafter, item=item)
        item = InformationItem.objects.get(pk=item.pk)
        services.update_draft(
            user=staff.drafter, item=item, data={"title": "新标题的通知", "body": "<p>新的正文</p>"}
        )
        services.submit_for_review(user=staff.drafter, item=item)
        item = review_through(staff, item)
        services.publish(user=staff.editor, item=item)
    assert found("旧标题").count == 0 and found("旧的正文").count == 0
    assert found("新标题").count == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(user=staff.editor, item=item, reason="内容有误")
    assert found("新标题").count == 0
    assert not SearchText.objects.filter(item=item).exists()


def test_reindex_rebuilds_the_same_index(publish):
    for n in range(5):
        publish(title=f"第{n}号文化旅游通知", body=f"<p>正文{n},关于文化旅游</p>")
    before = titles("文化旅游")
    rows_before = SearchText.objects.count()
    index.rebuild()
    assert SearchText.objects.count() == rows_before
    SearchText.objects.all().delete()  # a lost index (the FTS rows stay; search checks the chunk rows too)
    call_command("reindex", verbosity=0)
    assert titles("文化旅游") == before
    assert len(before) == 5


def test_filters_and_facets(staff, publish):
    old = publish(title="文化馆开放时间通知", formed_on=datetime.date(2025, 3, 1))
    InformationItem.objects.filter(pk=old.pk).update(published_at=old.published_at.replace(year=2025))
    index.update_items([old.pk])  # a direct update sends no signal
    new = publish(title="文化馆免费开放公告")
    results = found("文化馆")
    assert results.count == 2
    years = {v.label: v.count for v in results.facets["year"]}
    assert years == {f"{new.published_at.year}年": 1, "2025年": 1}
    assert [hit.item.pk for hit in found("文化馆", year="2025").hits] == [old.pk]
    assert found("文化馆", catalogue=staff.entry.code).count == 2
    assert found("文化馆", validity="abolished").count == 0
    assert {v.value for v in results.facets["validity"]} == {"valid"}


@pytest.mark.parametrize(
    "q",
    [
        "' OR 1=1 --",
        '"文化" OR *',
        "NEAR(文化 旅游)",
        "文化 AND NOT 旅游",
        "\\x00",
        "%_%",
        "'文化':*",
        "文化 <-> 旅游",
        "^文化",
    ],
)
def test_hostile_queries_are_just_text(publish, q):
    publish(title="文化旅游通知")
    found(q)  # no error; each is searched as the letters and digits it contains


def test_the_search_page(client, publish):
    publish(title=TITLE)
    response = client.get("/xxgk/search/", {"q": "非物质文化遗产"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "共找到 1 条信息" in html
    assert "<mark>非物质文化遗产</mark>" in html
    assert 'name="robots" content="noindex"' in html


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "〔〕"},
        {"q": "文化", "page": "99999999999999"},
        {"q": "文化", "page": "-1"},
        {"q": "文化", "order": "bogus"},
        {"q": "文化", "year": "abc"},
        {"q": "文化", "catalogue": "nope"},
        {"q": "文" * 1000},
    ],
)
def test_the_search_page_never_fails_on_odd_input(client, publish, params):
    publish(title="文化旅游通知")
    response = client.get("/xxgk/search/", params)
    assert response.status_code == 200


def test_the_list_page_keyword_uses_the_same_search(client, publish):
    publish(title="关于平遥国际摄影展的通知", body="<p>摄影作品征集</p>")
    response = client.get("/xxgk/list/", {"q": "作品征集"})  # in the body, not the title
    assert "关于平遥国际摄影展的通知" in response.content.decode()


def test_abolishing_updates_the_validity_facet_after_commit(
    staff, publish, django_capture_on_commit_callbacks
):
    item = publish(title="旅行社管理暂行办法")
    assert [v.value for v in found("旅行社").facets["validity"]] == ["valid"]
    with django_capture_on_commit_callbacks(execute=True):
        services.abolish(user=staff.editor, item=item, abolished_on=timezone.localdate())
    assert [v.value for v in found("旅行社").facets["validity"]] == ["abolished"]
    assert [hit.item.pk for hit in found("旅行社", validity="abolished").hits] == [item.pk]
    assert found("旅行社", validity="valid").count == 0


def test_the_nightly_repair_indexes_what_was_missed_and_drops_what_is_gone(staff):
    missed = make_published(
        staff, title="错过索引的通知"
    )  # published in the test transaction: no after-commit
    assert found("错过索引").count == 0
    assert index.repair() == 1
    assert found("错过索引").count == 1
    InformationItem.objects.filter(pk=missed.pk).update(status="withdrawn")  # changed behind the index's back
    assert index.repair() == 1
    assert found("错过索引").count == 0
    assert index.repair() == 0
