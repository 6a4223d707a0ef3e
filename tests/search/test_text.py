"""The rules of searchable text: normalisation, bigram tokens and query terms."""

import pytest

from gongkai.search import text
from gongkai.search.text import normalize


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


def test_tokens_text_is_the_tokens_joined():
    for norm in ("", "a", "ab", "文化旅游", "2026年"):
        assert text.tokens_text(norm) == " ".join(text.tokens(norm))


def _normalize_with_map_by_definition(value):
    out, where = [], []
    for i, char in enumerate(value):
        for kept in normalize(char):
            out.append(kept)
            where.append(i)
    return "".join(out), where


@pytest.mark.parametrize(
    "value",
    [
        "关于开展2026年文化和旅游（Ｆｕｌｌ）活动的通知，请认真贯彻落实。",
        "ﬁ①²½㎏ǅ İ 晋市文旅发〔2026〕3号",  # characters that become several, or none
        "",
        "   ",
    ],
)
def test_normalize_with_map_keeps_the_per_character_rule(value):
    assert text.normalize_with_map(value) == _normalize_with_map_by_definition(value)
    assert text.normalize_with_map(value) == _normalize_with_map_by_definition(value)  # from the memo


def test_normalize_with_map_still_works_when_its_memo_is_full(monkeypatch):
    monkeypatch.setattr(text, "_KEPT", {"a": "a"})
    monkeypatch.setattr(text, "_KEPT_MAX", 2)
    value = "ﬁ文化Ａ"
    assert text.normalize_with_map(value) == _normalize_with_map_by_definition(value)
    assert len(text._KEPT) <= 2
