"""The in-process path of search (query.run over the copy of the entries in columns.py): it follows every
change of the index in the same process, and gives exactly what the SQL reference (query.facet_rows and
query.ranked) gives — counts, facets, order and scores — on generated data, on SQLite and PostgreSQL."""

import datetime
import itertools
import random

import pytest
from django.db import transaction
from django.utils import timezone

from gongkai.portal import selectors
from gongkai.publishing import services
from gongkai.publishing.constants import DisclosureAttribute, ItemStatus, RevisionStatus
from gongkai.publishing.models import InformationItem, Revision
from gongkai.search import columns, index, query
from gongkai.search.models import IndexGeneration, SearchEntry
from gongkai.search.text import parse_query
from tests.factories import CatalogueEntryFactory, TopicFactory, make_published, make_staff


def found(q, **params):
    organizations = list(selectors.public_organizations())
    filters = selectors.parse_list_filters({"q": q, **params}, organizations)
    return selectors.search(filters, organizations, order=params.get("order", "relevance"), limit=100)


def ids(results):
    return [hit.item.pk for hit in results.hits]


def token():
    return IndexGeneration.objects.get(pk=1).token


# --- Following the index ------------------------------------------------------------------------------


def test_a_publication_after_a_search_is_in_the_next_search(
    staff, publish, django_capture_on_commit_callbacks
):
    first = publish(title="文化馆开放时间通知")
    assert ids(found("文化馆")) == [first.pk]  # the copy is loaded now
    second = publish(title="文化馆免费开放公告")
    results = found("文化馆")
    assert results.count == 2
    assert ids(results) == [second.pk, first.pk]
    assert [(v.value, v.count) for v in results.facets["validity"]] == [("valid", 2)]
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(user=staff.editor, item=second, reason="内容有误")
    results = found("文化馆")
    assert results.count == 1 and ids(results) == [first.pk]
    assert [(v.value, v.count) for v in results.facets["validity"]] == [("valid", 1)]


def test_abolition_after_a_search_moves_the_item_between_validity_filters(
    staff, publish, django_capture_on_commit_callbacks
):
    item = publish(title="旅行社管理暂行办法")
    assert found("旅行社", validity="valid").count == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.abolish(user=staff.editor, item=item, abolished_on=timezone.localdate())
    assert found("旅行社", validity="valid").count == 0
    assert ids(found("旅行社", validity="abolished")) == [item.pk]


def test_every_change_of_the_index_gives_a_new_token(staff, publish):
    item = publish(title="展演活动安排")
    before = token()
    index.update_items([item.pk])
    after_update = token()
    index.rebuild()
    after_rebuild = token()
    assert len({before, after_update, after_rebuild}) == 3
    index.update_items([])  # nothing to change: no new token, no reload anywhere
    assert token() == after_rebuild
    InformationItem.objects.filter(pk=item.pk).update(status=ItemStatus.WITHDRAWN)
    assert index.repair() == 1
    assert token() != after_rebuild


def test_a_copy_read_inside_a_rolled_back_change_is_not_kept(staff):
    # Published inside the test transaction: no after-commit, so not indexed until asked.
    missed = make_published(staff, title="错过索引的通知")
    other = make_published(staff, title="另一条展览公告")
    assert found("错过索引").count == 0 and found("展览公告").count == 0
    with transaction.atomic():
        index.update_items([missed.pk])
        assert found("错过索引").count == 1  # this transaction sees its own index change
        transaction.set_rollback(True)
    # The next change must not be mistaken for the rolled-back one (with a counter it would have the
    # same number, and the copy read inside the rolled-back transaction would be kept).
    index.update_items([other.pk])
    assert ids(found("展览公告")) == [other.pk]
    assert found("错过索引").count == 0


def test_a_missing_generation_row_means_reading_the_entries_every_time(staff, publish):
    item = publish(title="文物保护工作要点")
    IndexGeneration.objects.all().delete()  # as after a test database flush
    assert columns.generation() is None
    assert ids(found("文物保护")) == [item.pk]
    index.update_items([item.pk])  # a change puts the row back
    assert columns.generation() is not None
    assert ids(found("文物保护")) == [item.pk]


def test_equal_counts_list_facet_values_by_id():
    tally = {7: 2, 3: 2, 9: 5, 1: 1}
    assert selectors._most_common(tally) == [(9, 5), (3, 2), (7, 2), (1, 1)]


# --- The same answers as the SQL reference, on generated data -----------------------------------------

WORDS = ["文化", "旅游", "文物", "非遗", "博物馆", "展演", "平遥", "古城", "服务", "管理", "公共文化", "晋剧"]


def _words(rnd, low, high):
    return "".join(
        rnd.choice(WORDS) + rnd.choice(["", "的", "和", "。"]) for _ in range(rnd.randint(low, high))
    )


def generate(n_items=240, seed=5):
    """Items of three organisations inserted directly, published, with few distinct publication times
    (ties), NULL and non-NULL topics and catalogue entries, abolition and expiry dates around today."""
    rnd = random.Random(seed)
    today = timezone.localdate()
    days = [None, None, None, *(today + datetime.timedelta(days=d) for d in (-3, -1, 0, 1, 2))]
    instants = [
        timezone.make_aware(datetime.datetime(year, month, 28, hour))
        for year, month, hour in itertools.product([2024, 2025, 2026], [1, 12], [9, 23])
    ]
    orgs = []
    for _ in range(3):
        staff = make_staff()
        topics = [staff.topic, *(TopicFactory(organization=staff.org) for _ in range(2)), None]
        entries = [staff.entry, *(CatalogueEntryFactory(organization=staff.org) for _ in range(3)), None]
        orgs.append((staff, topics, entries))
    items, revisions = [], []
    for n in range(n_items):
        staff, topics, entries = rnd.choice(orgs)
        published = rnd.choice(instants)
        items.append(
            InformationItem(
                organization=staff.org,
                index_number=f"gen-{seed}-{n:05d}",
                status=ItemStatus.PUBLISHED,
                created_by=staff.drafter,
                published_at=published,
                first_published_at=published,
                abolished_on=rnd.choice(days),
                expires_on=rnd.choice(days),
            )
        )
        revisions.append(
            {
                "number": 1,
                "status": RevisionStatus.PUBLISHED,
                "title": _words(rnd, 1, 4),
                "document_number": rnd.choice(["", f"晋文旅发〔{published.year}〕{n}号"]),
                "publisher": staff.org.name,
                "lead_department": staff.dept,
                "formed_on": published.date(),
                "disclosure_attribute": DisclosureAttribute.PROACTIVE,
                "topic": rnd.choice(topics),
                "catalogue_entry": rnd.choice(entries),
                "summary": _words(rnd, 0, 3),
                "body": f"<p>{_words(rnd, 0, 12)}</p>",
                "created_by": staff.drafter,
                "published_at": published,
            }
        )
    items = InformationItem.objects.bulk_create(items)
    if items[0].pk is None:
        items = list(InformationItem.objects.filter(index_number__startswith=f"gen-{seed}-").order_by("pk"))
    made = Revision.objects.bulk_create(
        [Revision(item=item, **data) for item, data in zip(items, revisions, strict=True)]
    )
    for item, revision in zip(items, made, strict=True):
        item.live_revision_id = item.latest_revision_id = revision.pk
    InformationItem.objects.bulk_update(items, ["live_revision_id", "latest_revision_id"])
    assert index.rebuild() == n_items
    return orgs


QUERIES = [*WORDS, "文化 旅游", "平遥 古城 服务", "博物馆 晋剧", "文", "馆", "化和旅", "晋文旅发", "没有的词"]


def _filters(orgs):
    today = timezone.localdate()
    all_orgs = [staff.org.pk for staff, _topics, _entries in orgs]
    first, topics, entries = orgs[0]
    yield query.EntryFilter(organization_ids=all_orgs, today=today)
    yield query.EntryFilter(organization_ids=[first.org.pk], today=today)
    yield query.EntryFilter(organization_ids=all_orgs, today=today, year=2025)
    yield query.EntryFilter(organization_ids=all_orgs, today=today, entry_ids={entries[0].pk, entries[1].pk})
    yield query.EntryFilter(organization_ids=all_orgs, today=today, topic_ids={topics[1].pk})
    for validity in ("valid", "abolished", "expired"):
        yield query.EntryFilter(organization_ids=all_orgs, today=today, validity=validity)
    yield query.EntryFilter(
        organization_ids=all_orgs, today=today + datetime.timedelta(days=2), validity="valid", year=2026
    )
    yield query.EntryFilter(organization_ids=[], today=today)


PAGES = [(0, 10), (5, 10), (0, 1000), (37, 20), (10_000, 20), (0, 0)]


@pytest.mark.parametrize("lookup", ["direct", "binary search"])
def test_the_same_counts_facets_order_and_scores_as_the_sql_reference(db, monkeypatch, lookup):
    if lookup == "binary search":  # as if item ids were too sparse for a direct table
        monkeypatch.setattr(columns, "DIRECT_LOOKUP_SLACK", 0)
        monkeypatch.setattr(columns, "DIRECT_LOOKUP_BASE", 0)
    orgs = generate()
    copy = columns.current()
    assert (copy.sorted_ids is not None) == (lookup == "binary search")
    compared = broad = 0
    for q, where in itertools.product(QUERIES, _filters(orgs)):
        terms = parse_query(q).terms
        reference = query.tally(query.facet_rows(terms, where))
        total = sum(reference["year"].values())
        broad += total > 60
        for order, (offset, limit) in itertools.product(query.ORDERS, PAGES):
            got = query.run(terms, where, order=order, limit=limit, offset=offset)
            expected = query.ranked(terms, where, order=order, limit=limit, offset=offset)
            context = (q, where, order, offset, limit)
            assert got.total == total, context
            assert got.tallies == reference, context
            assert got.page == expected, context
            compared += 1
    assert compared == len(QUERIES) * 10 * 12
    assert broad > 20  # the data has broad matches, not only a few hits per query


def test_ties_of_score_and_time_go_by_id_on_both_paths(db):
    generate(n_items=60, seed=9)
    where = query.EntryFilter(
        organization_ids=list(selectors.public_organizations().values_list("pk", flat=True)),
        today=timezone.localdate(),
    )
    page = query.run(["文"], where, order="relevance", limit=1000, offset=0).page
    entries = {e.item_id: e for e in SearchEntry.objects.all()}
    keys = [(-score, -entries[pk].published_at.timestamp(), -pk) for pk, score in page]
    assert keys == sorted(keys)
    assert len({(score, entries[pk].published_at) for pk, score in page}) < len(page)  # there are ties
