"""The posting lists of the PostgreSQL index (search/postings.py): built in one pass, they find exactly the
fields whose text contains a term — the definition, ``term in norm`` — and the PostgreSQL index combines
them with the delta and the stale items so that results never depend on when the base was last merged."""

from unittest import mock

import numpy as np
import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.publishing import services
from gongkai.search import backends, index, postings

ALPHABET = "文化馆旅游ab12"  # few characters: repeated bigrams, overlaps and near misses are common


def in_memory(rows, text_cost=postings.TEXT_COST):
    """A search over ``rows`` with the posting lists held in a dict; ``text_cost`` 0 confirms every
    phrase on the text, a huge one on the positions."""
    table = {token: (codes, occurrences) for token, codes, occurrences in postings.build(rows, characters=1)}

    def load_sizes(tokens):
        return {t: (len(table[t][0]), len(table[t][1] or b"")) for t in tokens if t in table}

    def load_codes(tokens):
        return {t: postings.codes_of(table[t][0]) for t in tokens if t in table}

    def load_positions(tokens):
        return {t: table[t][1] for t in tokens if t in table}

    texts = dict(rows)

    def confirm(term, among):
        return [code for code in among.tolist() if term in texts[code]]

    def search(term):
        with mock.patch.object(postings, "TEXT_COST", text_cost):
            return postings.match(term, load_sizes, load_codes, load_positions, confirm).tolist()

    return search


def expected(rows, term):
    return [code for code, norm in rows if term in norm]


texts = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=40), min_size=1, max_size=30)
terms = st.text(alphabet=ALPHABET, min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(texts=texts, terms=st.lists(terms, min_size=1, max_size=8))
def test_a_term_is_found_exactly_where_it_is_a_substring(texts, terms):
    rows = [(code * 3 + 1, norm) for code, norm in enumerate(texts)]
    by_positions, by_text = in_memory(rows, 10**12), in_memory(rows, 0)
    for term in terms:
        assert by_positions(term) == expected(rows, term), term
        assert by_text(term) == expected(rows, term), term


@settings(max_examples=50, deadline=None)
@given(texts=texts, term=terms)
def test_partitioned_builds_give_the_same_postings(texts, term):
    rows = [(code, norm) for code, norm in enumerate(texts)]
    whole = list(postings.build(rows, characters=1))
    parts = list(postings.build(rows, characters=postings.PARTITION_OCCURRENCES * 5))
    assert sorted(whole) == sorted(parts)


def test_a_phrase_does_not_run_across_fields_or_start_before_a_field():
    rows = [(8, "馆文"), (9, "化馆"), (16, "文化"), (17, "馆")]
    search = in_memory(rows, 10**12)
    assert search("文化馆") == []
    assert search("化馆") == [9]
    assert search("馆") == [8, 9, 17]
    assert search("馆文化") == []


def test_repeated_bigrams_need_every_occurrence():
    rows = [(1, "哈哈"), (2, "哈哈哈"), (3, "哈哈x哈哈"), (4, "哈哈哈哈")]
    search = in_memory(rows, 10**12)
    assert search("哈哈哈") == [2, 4]
    assert search("哈哈哈哈") == [4]
    assert search("哈哈x哈") == [3]


def test_characters_beyond_the_basic_plane_are_tokens_like_any_other():
    rows = [(1, "𠀀𠀁文"), (2, "文𠀁𠀀")]
    search = in_memory(rows)
    assert search("𠀀𠀁") == [1]
    assert search("𠀁𠀀") == [2]
    assert search("𠀁") == [1, 2]


def test_the_cheapest_cover_checks_every_character_once_at_least():
    cost = {"晋市": 5, "市文": 50, "文旅": 40, "旅函": 3, "函2": 2, "20": 900, "02": 800, "23": 100}
    offsets = postings.cover("晋市文旅函2023", cost)
    assert offsets[0] == 0 and offsets[-1] == len("晋市文旅函2023") - 2
    assert all(b - a in (1, 2) for a, b in zip(offsets, offsets[1:], strict=False))
    assert offsets == [0, 2, 4, 6, 7] or offsets == [0, 2, 4, 5, 7]
    assert postings.cover("文化馆", {"文化": 10, "化馆": 1}) == [0, 1]


@pytest.mark.parametrize("length", [10, 300, 70_000])
def test_occurrences_are_packed_in_the_narrowest_width_and_read_back(length):
    norm = ("ab" * length)[:length] + "文化"  # many occurrences of "ab" in one field; positions up to length
    rows = [(3, "xab"), (5, norm), (9, "ab文化")]
    table = {token: (codes, occurrences) for token, codes, occurrences in postings.build(rows, characters=1)}
    codes = postings.codes_of(table["ab"][0])
    keys = postings.keys_of(table["ab"][1], codes)
    expected_keys = [
        (code << 32) | i for code, text in rows for i in range(len(text) - 1) if text[i : i + 2] == "ab"
    ]
    assert keys.tolist() == expected_keys
    count_width, position_width = table["ab"][1][:2]
    assert (count_width, position_width) == {10: (0, 0), 300: (0, 1), 70_000: (1, 2)}[length]


def test_codes_beyond_32_bits_are_refused():
    with pytest.raises(ValueError, match="32 bits"):
        list(postings.build([(2**32, "文化")], characters=1))


# --- The PostgreSQL index: base, delta and stale ---------------------------------------------------------

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'")


def codes(term):
    return sorted(backends.current().term_codes(term).tolist())


def reference(term):
    sql, params = backends.current().term_hits_sql(term)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(item_id * backends.FIELD_SLOTS + field for item_id, field in cursor.fetchall())


def table_count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (a table name of ours)
        return cursor.fetchone()[0]


TERMS = ["文化", "文化馆", "馆", "旅游节", "开放时间", "暂行办法", "2026", "节"]


@postgres_only
@pytest.mark.parametrize("text_cost", [0, 10**12], ids=["confirmed-on-text", "confirmed-on-positions"])
def test_results_are_the_same_before_and_after_a_merge_whatever_changed(
    staff, publish, django_capture_on_commit_callbacks, monkeypatch, text_cost
):
    monkeypatch.setattr(postings, "TEXT_COST", text_cost)
    kept = publish(title="文化馆开放时间通知", body="<p>文化馆旅游节开放时间</p>")
    withdrawn = publish(title="旅游节活动安排", body="<p>2026旅游节</p>")
    revised = publish(title="暂行办法", body="<p>馆藏文化</p>")
    index.rebuild()  # everything in the base
    assert table_count("search_vector") == 0 and table_count("search_posting") > 0
    assert all(codes(term) == reference(term) for term in TERMS)

    added = publish(title="文化馆免费开放", body="<p>旅游节</p>")
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(user=staff.editor, item=withdrawn, reason="内容有误")
    index.update_items([revised.pk, kept.pk])
    assert table_count("search_stale") >= 3  # withdrawn, revised, kept (and the new item)
    for term in TERMS:
        assert codes(term) == reference(term), term
    assert added.pk in {c >> 3 for c in codes("文化馆")}
    assert withdrawn.pk not in {c >> 3 for c in codes("旅游节")}

    assert index.merge() > 0
    assert table_count("search_vector") == 0 and table_count("search_stale") == 0
    for term in TERMS:
        assert codes(term) == reference(term), term
    assert index.merge() == 0  # nothing left to fold


@postgres_only
def test_an_empty_base_with_everything_in_the_delta_answers_the_same(publish):
    """The state right after migration 0004 on an existing database."""
    publish(title="文化馆开放时间通知", body="<p>文化馆旅游节</p>")
    publish(title="旅游节活动安排")
    for term in TERMS:
        assert codes(term) == reference(term), term
    assert index.merge() > 0
    for term in TERMS:
        assert codes(term) == reference(term), term


@postgres_only
def test_the_ten_minute_job_merges_only_past_the_limit(publish, monkeypatch):
    from gongkai.search import tasks

    publish(title="文化馆开放时间通知")
    monkeypatch.setattr(backends.PostgresIndex, "MERGE_AT", 100)
    tasks.repair_search_index.call_local()
    assert table_count("search_vector") > 0
    monkeypatch.setattr(backends.PostgresIndex, "MERGE_AT", 1)
    tasks.repair_search_index.call_local()
    assert table_count("search_vector") == 0
    assert codes("文化馆") == reference("文化馆")


@postgres_only
def test_the_list_page_keyword_filter_uses_the_posting_lists(publish):
    from gongkai.publishing.models import InformationItem
    from gongkai.search import query

    first = publish(title="文化馆开放时间通知")
    publish(title="旅游节活动安排")
    index.rebuild()
    third = publish(title="文化馆免费开放")
    matched = InformationItem.objects.filter(pk__in=query.matching(["文化馆", "开放"]))
    assert sorted(matched.values_list("pk", flat=True)) == sorted([first.pk, third.pk])
    assert not InformationItem.objects.filter(pk__in=query.matching(["不存在的词"])).exists()


def test_numpy_keys_do_not_borrow_from_the_code_at_position_zero():
    """A start before the field (position - offset < 0) would borrow from the code's bits."""
    rows = [(1, "化馆x"), (2, "x文")]
    search = in_memory(rows, 10**12)
    assert search("文化馆") == []
    assert np.array_equal(search("化馆"), [1])
