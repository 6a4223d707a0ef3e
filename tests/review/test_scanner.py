"""The review scanner: dictionary matching rules, offsets, personal data, masks and the default dictionary."""

import pickle
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.review.default_terms import DEFAULT_EXCEPTIONS, DEFAULT_TERMS, TYPOS
from gongkai.review.scanner import (
    CATEGORIES,
    Finding,
    Scanner,
    Term,
    apply_masks,
    mask_value,
    scan_personal_data,
)

VALID_ID = "11010519491231002X"  # GB 11643-1999's example


def term(text, category="typo", severity="warning", suggestion="", term_id=None):
    return Term(text, category, severity, suggestion, term_id)


def spans(findings):
    return [(f.matched, f.start, f.end) for f in findings]


def matched(findings):
    return [f.matched for f in findings]


@pytest.fixture(scope="module")
def default_scanner():
    return Scanner(DEFAULT_TERMS)


# --- terms and findings ------------------------------------------------------------------------------------


def test_a_term_with_an_unknown_category_or_severity_is_refused():
    with pytest.raises(ValueError):
        Term("布署", "spelling", "warning")
    with pytest.raises(ValueError):
        Term("布署", "typo", "fatal")
    assert {t.category for t in DEFAULT_TERMS} <= set(CATEGORIES)


def test_a_finding_carries_the_term_and_serialises():
    scanner = Scanner([term("布署", "typo", "warning", "部署", term_id=7)])
    [finding] = scanner.scan("要认真布署落实。")
    assert finding == Finding("typo", "warning", 3, 5, "布署", "部署", "dictionary", 7)
    assert finding.as_dict() == {
        "category": "typo",
        "severity": "warning",
        "start": 3,
        "end": 5,
        "matched": "布署",
        "suggestion": "部署",
        "detector": "dictionary",
        "term_id": 7,
    }


def test_every_occurrence_is_reported_with_str_offsets():
    text = "布署😀布署 abc 布署"
    findings = Scanner([term("布署")]).scan(text)
    assert spans(findings) == [("布署", 0, 2), ("布署", 3, 5), ("布署", 10, 12)]
    assert all(text[f.start : f.end] == f.matched for f in findings)


def test_ascii_letters_match_in_either_case_and_the_text_is_reported_as_written():
    scanner = Scanner([term("WiFi密码")])
    assert matched(scanner.scan("wifi密码、WIFI密码、WiFi密码")) == ["wifi密码", "WIFI密码", "WiFi密码"]
    assert Scanner([term("ａｐｐ")]).scan("APP") == []  # full-width letters are other characters


def test_terms_equal_up_to_case_are_one_term_and_the_last_wins():
    scanner = Scanner([term("app", "sensitive", "warning", "旧"), term("APP", "wrong", "blocking", "新")])
    assert len(scanner) == 1
    [finding] = scanner.scan("下载App")
    assert (finding.category, finding.severity, finding.suggestion) == ("wrong", "blocking", "新")


def test_a_longer_term_swallows_a_shorter_one_inside_it():
    scanner = Scanner([term("文化厅"), term("山西省文化厅", "outdated"), term("省文化")])
    assert matched(scanner.scan("原由山西省文化厅负责")) == ["山西省文化厅"]


def test_leftmost_match_wins_over_a_later_overlapping_one():
    scanner = Scanner([term("abc"), term("cdef"), term("ef")])
    assert spans(scanner.scan("abcdef")) == [("abc", 0, 3), ("ef", 4, 6)]
    assert spans(scanner.scan("xcdefabc")) == [("cdef", 1, 5), ("abc", 5, 8)]


def test_an_empty_dictionary_still_finds_personal_data():
    scanner = Scanner([])
    assert len(scanner) == 0
    assert scanner.scan_terms("任意文字") == []
    assert [f.detector for f in scanner.scan(f"证号{VALID_ID}")] == ["id_card"]
    assert Scanner([term("")]).scan("任意文字") == []


def test_empty_text():
    assert Scanner(DEFAULT_TERMS).scan("") == []


def test_findings_are_sorted_and_personal_data_is_included():
    scanner = Scanner([term("布署", suggestion="部署")])
    text = f"电话13812345678,证号{VALID_ID},请布署。"
    findings = scanner.scan(text)
    assert [f.detector for f in findings] == ["mobile", "id_card", "dictionary"]
    assert [(f.start, f.end) for f in findings] == sorted((f.start, f.end) for f in findings)
    assert findings[1].severity == "blocking" and findings[1].suggestion == "1101**********002X"
    assert findings[0].severity == "warning" and findings[0].category == "personal_data"


def test_a_match_straddling_two_characters_bytes_is_no_match():
    # UTF-16-LE of 䄀䈀䌀 is 00 41 00 42 00 43: from the second byte it reads "AB".
    assert Scanner([term("ab")]).scan("\u4100\u4200\u4300") == []
    assert matched(Scanner([term("ab")]).scan("\u4100AB\u4300")) == ["AB"]


def test_a_cjk_character_is_not_matched_caselessly():
    # 码 is U+7801 (bytes 01 78, 0x78 = "x"); U+5801 differs only by that byte's case.
    assert Scanner([term("密码")]).scan("密\u5801") == []


def test_a_lone_surrogate_does_not_break_offsets():
    text = "\ud800文化部\udfff布署"
    findings = Scanner([term("文化部", "outdated"), term("布署")], exceptions={}).scan(text)
    assert spans(findings) == [("文化部", 1, 4), ("布署", 5, 7)]


# --- exceptions --------------------------------------------------------------------------------------------


def test_a_term_inside_one_of_its_exceptions_is_ignored(default_scanner):
    text = "原文化部印发的文件,由各级文化部门落实;文化部已于2018年撤销。"
    assert spans(default_scanner.scan_terms(text)) == [("文化部", 20, 23)]


def test_exceptions_can_be_switched_off_or_replaced():
    terms = [term("文化部", "outdated")]
    assert matched(Scanner(terms, exceptions={}).scan("文化部门")) == ["文化部"]
    assert Scanner(terms).scan("文化部门") == []
    assert Scanner(terms, exceptions={"文化部": ["法国文化部"]}).scan("法国文化部长") == []
    assert matched(Scanner(terms, exceptions={"文化部": ["法国文化部"]}).scan("文化部门")) == ["文化部"]


def test_an_exception_shields_only_its_own_term():
    scanner = Scanner([term("文化部", "outdated"), term("部门", "sensitive")])
    assert spans(scanner.scan("各级文化部门")) == [("部门", 4, 6)]


def test_an_exception_that_is_a_term_itself_is_reported_as_that_term():
    scanner = Scanner([term("文化部", "outdated"), term("文化部门", "sensitive")])
    assert [(f.matched, f.category) for f in scanner.scan("各级文化部门")] == [("文化部门", "sensitive")]


def test_an_exception_must_contain_its_term():
    with pytest.raises(ValueError):
        Scanner([term("文化部")], exceptions={"文化部": ["文化和旅游部"]})
    with pytest.raises(ValueError):
        Scanner([term("文化部")], exceptions={"文化部": ["文化部"]})


def test_an_exception_matches_case_insensitively_and_where_the_term_repeats():
    scanner = Scanner([term("ab")], exceptions={"ab": ["xABab"]})
    assert scanner.scan("xabab ab") == [Finding("typo", "warning", 6, 8, "ab", "", "dictionary")]


# --- the default dictionary --------------------------------------------------------------------------------


def test_the_default_dictionary_is_modest_and_well_formed():
    texts = [t.text for t in DEFAULT_TERMS]
    assert len(texts) == len(set(texts))
    assert len(TYPOS) >= 30
    assert all(t.suggestion for t in DEFAULT_TERMS)
    for term_text, contexts in DEFAULT_EXCEPTIONS.items():
        assert term_text in texts
        assert all(term_text in context for context in contexts)


def test_every_default_term_is_found_in_a_sentence(default_scanner):
    for entry in DEFAULT_TERMS:
        text = f"经查,{entry.text}。"
        [finding] = default_scanner.scan_terms(text)
        assert (finding.matched, finding.category, finding.severity) == (
            entry.text,
            entry.category,
            entry.severity,
        )


def test_a_corrected_text_is_clean(default_scanner):
    """Applying a suggestion must not produce another finding (or the fix would loop)."""
    for entry in DEFAULT_TERMS:
        if entry.category in ("outdated", "typo", "wrong"):
            assert default_scanner.scan_terms(f"经查,{entry.suggestion}。") == [], entry.text


@pytest.mark.parametrize(
    "text",
    [
        "各级领导干部要保守国家秘密。",
        "严守党和国家机密,保守国家机密是公民的义务。",
        "国家秘密的密级分为绝密、机密、秘密三级。",
        "做好保密工作,落实保密责任。",
        "国家文物局公布第八批全国重点文物保护单位。",
        "申报国家级非物质文化遗产代表性项目和国家级风景名胜区。",
        "启动最高级别应急响应。",
        "内部资料性出版物准印证的申请条件。",
        "太原北朝鲜卑贵族墓葬考古发现。",
        "各级文化部门和文化和旅游部的要求。",
        "根据原国家旅游局、原文化部的规定。",
        "山西省文化和旅游厅、晋中市文化和旅游局联合发布。",
        "中国国家顶级域名.cn。",
        "在人民日报发布署名文章。",
        "既然如此,一如既往地认真部署。",
    ],
)
def test_ordinary_official_sentences_are_not_flagged(default_scanner, text):
    assert default_scanner.scan(text) == []


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("机密★1年\n关于…的通知", "机密★"),
        ("秘密★启用前", "秘密★"),
        ("绝密★长期", "绝密★"),
        ("内部资料 注意保存", "内部资料 注意保存"),
        ("内部文件,注意保密", "内部文件,注意保密"),
        ("内部资料\u3000请勿外传", "内部资料\u3000请勿外传"),
    ],
)
def test_secrecy_markers_block(default_scanner, text, marker):
    [finding] = default_scanner.scan(text)
    assert (finding.matched, finding.category, finding.severity) == (marker, "forbidden", "blocking")


def test_internal_material_hints_are_warnings(default_scanner):
    findings = default_scanner.scan("本资料仅供内部参考,不得外传。附:内部资料一份。")
    assert [(f.matched, f.category, f.severity) for f in findings] == [
        ("仅供内部参考", "sensitive", "warning"),
        ("不得外传", "sensitive", "warning"),
        ("内部资料", "sensitive", "warning"),
    ]


def test_outdated_names_suggest_the_current_body(default_scanner):
    text = "国家旅游局、山西省旅游发展委员会和晋中市文化局联合印发"
    assert [(f.matched, f.suggestion) for f in default_scanner.scan(text)] == [
        ("国家旅游局", "文化和旅游部"),
        ("山西省旅游发展委员会", "山西省文化和旅游厅"),
        ("晋中市文化局", "晋中市文化和旅游局"),
    ]


# --- masks --------------------------------------------------------------------------------------------------


def test_apply_masks_replaces_personal_data_and_leaves_terms():
    scanner = Scanner([term("布署", suggestion="部署")])
    text = f"请布署。证号{VALID_ID},电话138-1234-5678,邮箱alice@example.com。"
    fixed = apply_masks(text, scanner.scan(text))
    assert fixed == "请布署。证号1101**********002X,电话138-****-5678,邮箱a***@example.com。"
    assert [f.detector for f in scanner.scan(fixed)] == ["dictionary"]


def test_apply_masks_refuses_findings_of_another_text():
    findings = scan_personal_data(f"证号{VALID_ID}")
    with pytest.raises(ValueError):
        apply_masks(f"证号:{VALID_ID}", findings)


def test_apply_masks_masks_personal_data_terms_of_the_dictionary():
    scanner = Scanner([term("张三丰", "personal_data", "blocking")])
    assert apply_masks("申请人张三丰。", scanner.scan("申请人张三丰。")) == "申请人张**。"
    assert mask_value("dictionary", "张三丰") == "张**"


# --- compiled dictionaries -----------------------------------------------------------------------------------


def test_a_scanner_survives_pickling_without_compiling_again(monkeypatch):
    scanner = Scanner(DEFAULT_TERMS)
    pickled, empty = pickle.dumps(scanner), pickle.dumps(Scanner([]))
    monkeypatch.setattr(Scanner, "_compile", None)  # loading must not compile
    text = "布署工作;国家旅游局;" + VALID_ID
    assert pickle.loads(pickled).scan(text) == scanner.scan(text) != []  # noqa: S301 (our own bytes)
    assert pickle.loads(empty).scan("布署") == []  # noqa: S301


def test_scanning_from_several_threads_at_once():
    scanner = Scanner([term(word) for word in TYPOS])
    texts = [f"第{n}段:" + "".join(TYPOS) * 200 for n in range(8)]
    expected = [scanner.scan(text) for text in texts]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(scanner.scan, texts * 4)) == expected * 4


# --- properties -----------------------------------------------------------------------------------------------

ALPHABET = "abAB xyXY12文化部门旅游局省😀🎉é。,\n"
WORDS = st.text(alphabet=ALPHABET, min_size=1, max_size=4)


def ascii_lower(text):
    return re.sub("[A-Z]", lambda m: m.group().lower(), text)


def reference_leftmost_longest(text, words):
    """The rule written naively: at each position the longest term there, then resume after it."""
    keys = {ascii_lower(w) for w in words}
    lowered, found, position = ascii_lower(text), [], 0
    while position < len(text):
        here = [k for k in keys if lowered.startswith(k, position)]
        if here:
            longest = max(here, key=len)
            found.append((text[position : position + len(longest)], position, position + len(longest)))
            position += len(longest)
        else:
            position += 1
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(WORDS, min_size=1, max_size=6),
    pieces=st.lists(st.one_of(st.text(alphabet=ALPHABET, max_size=6), st.integers(0, 5)), max_size=12),
    upper=st.booleans(),
)
def test_offsets_and_leftmost_longest_on_arbitrary_text(words, pieces, upper):
    inserted = [words[p % len(words)] if isinstance(p, int) else p for p in pieces]
    text = "".join(
        w.upper() if upper and not isinstance(p, str) else w for w, p in zip(inserted, pieces, strict=True)
    )
    findings = Scanner([term(w) for w in words], exceptions={}).scan_terms(text)
    assert all(text[f.start : f.end] == f.matched for f in findings)
    assert spans(findings) == reference_leftmost_longest(text, words)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.text(alphabet="晋中abc 😀。,", max_size=10),
    after=st.text(alphabet="晋中abc 😀。,", max_size=10),
    phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
)
def test_personal_data_offsets_and_masks_on_arbitrary_text(before, after, phone):
    scanner = Scanner([term("晋中", "outdated")])
    text = f"{before}{VALID_ID}{after},{phone}。布署{before}"
    findings = scanner.scan(text)
    assert all(text[f.start : f.end] == f.matched for f in findings)
    assert {"id_card", "mobile"} <= {f.detector for f in findings}
    fixed = apply_masks(text, findings)
    assert [f for f in scanner.scan(fixed) if f.category == "personal_data"] == []
