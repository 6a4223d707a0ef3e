"""The rules of searchable text: normalisation, bigram tokens, query terms and the PostgreSQL chunks."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.search import backends, text


def test_brackets_spaces_punctuation_and_width_do_not_matter():
    forms = [
        "晋市文旅发〔2026〕3号",
        "晋市文旅发[2026]3号",
        "晋市文旅发(2026)3号",
        "晋市文旅发（２０２６）３号",
        "晋市文旅发 2026 3号",
    ]
    assert {text.normalize(f) for f in forms} == {"晋市文旅发20263号"}


def test_latin_letters_are_lower_case_and_kept():
    assert text.normalize("《Web应用》ABC-1") == "web应用abc1"


def test_tokens_are_the_overlapping_bigrams_and_the_last_character():
    assert text.tokens("文化旅游") == ["文化", "化旅", "旅游", "游"]
    assert text.tokens("文") == ["文"]
    assert text.tokens("") == []


def test_a_term_is_the_phrase_of_its_bigrams():
    assert text.term_tokens("文化旅") == ["文化", "化旅"]
    assert text.term_tokens("文") == ["文"]


def test_normalize_with_map_points_back_at_the_original_characters():
    norm, where = text.normalize_with_map("文号:〔2026〕3号")
    assert norm == "文号20263号"
    assert [where[0], where[2], where[-1]] == [0, 4, 10]


def test_query_terms_are_split_on_spaces_normalised_and_deduplicated():
    parsed = text.parse_query("  非遗   保护 非遗 〔2026〕 ")
    assert parsed.terms == ["非遗", "保护", "2026"]
    assert parsed.messages == []


def test_a_query_of_punctuation_only_says_so_and_has_no_terms():
    parsed = text.parse_query("〔〕 ,,")
    assert not parsed
    assert parsed.messages == ["检索词只含标点或空格,请输入文字或数字。"]


def test_too_long_and_too_many_terms_are_cut_with_a_message():
    long = text.parse_query("文" * 70)
    assert long.terms == ["文" * text.MAX_TERM]
    assert "单个检索词最长64个字,超出部分已忽略。" in long.messages
    many = text.parse_query(" ".join(f"词{i}" for i in range(12)))
    assert len(many.terms) == text.MAX_TERMS
    assert "最多同时使用8个检索词,其余已忽略。" in many.messages
    huge = text.parse_query("字 " * 300)
    assert any("检索词过长" in m for m in huge.messages)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="文化旅游非遗晋中平遥1a", min_size=1, max_size=5000))
def test_postgres_chunks_contain_every_term_up_to_the_maximum_length(norm):
    chunks = backends._chunks(norm)
    for chunk in chunks:
        assert len(chunk) <= backends.CHUNK
        assert max(Counter(text.tokens(chunk)).values()) <= backends.MAX_POSITIONS
    # Every substring of up to MAX_TERM characters lies wholly inside some chunk.
    for start in range(0, max(len(norm) - text.MAX_TERM, 0) + 1, 97):
        term = norm[start : start + text.MAX_TERM]
        assert any(term in chunk for chunk in chunks)


def test_a_chunk_with_a_bigram_repeated_too_often_is_split():
    norm = "哈" * 900
    chunks = backends._chunks(norm)
    assert len(chunks) > 1
    assert all(max(Counter(text.tokens(c)).values()) <= backends.MAX_POSITIONS for c in chunks)


def test_tsvector_literal_groups_positions():
    assert backends._tsvector_literal("文化文化") == "'文化':1,3 '化文':2 '化':4"
