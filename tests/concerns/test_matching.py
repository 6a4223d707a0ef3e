"""Relevance (issue 6 item 2): monitoring rules with excluded terms, and tagging with the six key categories."""

from __future__ import annotations

import pytest

from gongkai.concerns import matching
from gongkai.concerns.constants import Category, RuleKind
from gongkai.concerns.matching import Matcher, RuleSpec, matcher_for, split_terms
from gongkai.concerns.models import CategoryRule, MonitoringRule
from gongkai.concerns.text import normalise
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def match(matcher: Matcher, text: str):
    return matcher.match(normalise(text))


def rules(*specs: RuleSpec) -> Matcher:
    return Matcher(list(specs), {})


def test_a_rule_matches_when_any_term_occurs_and_no_excluded_term_does():
    matcher = rules(RuleSpec(1, RuleKind.VENUE, ("平遥古城", "古城景区"), ("平遥古城墙砖展",)))
    assert match(matcher, "今天平遥古城游客很多").rules == [1]
    assert match(matcher, "古城景区门口排长队").rules == [1]
    assert match(matcher, "平遥古城墙砖展今日开幕,平遥古城迎来游客").rules == []  # excluded term present
    assert match(matcher, "太原的天气").rules == []
    assert not match(matcher, "太原的天气").relevant


def test_excluded_terms_only_silence_their_own_rule():
    matcher = rules(
        RuleSpec(1, RuleKind.BUREAU, ("市文旅局",), ("文旅局长跑比赛",)),
        RuleSpec(2, RuleKind.EVENT, ("长跑比赛",)),
    )
    result = match(matcher, "市文旅局举办文旅局长跑比赛")
    assert result.rules == [2]
    assert [t["term"] for t in result.terms] == ["长跑比赛"]


def test_terms_match_whatever_the_spacing_punctuation_width_and_case():
    matcher = rules(RuleSpec(7, RuleKind.VENUE, ("西湖 景区", "ABC乐园")))
    assert match(matcher, "西湖景区").rules == [7]
    assert match(matcher, "西湖——景区!").rules == [7]
    assert match(matcher, "ABC乐园").rules == [7]  # full-width letters
    assert match(matcher, "abc 乐园").rules == [7]


def test_overlapping_terms_of_different_rules_both_match():
    # The review scanner keeps the leftmost-longest term only; relevance needs every rule that matches.
    matcher = rules(RuleSpec(1, RuleKind.VENUE, ("西湖",)), RuleSpec(2, RuleKind.VENUE, ("西湖景区",)))
    result = match(matcher, "西湖景区人山人海")
    assert result.rules == [1, 2]
    assert result.specific == {"西湖", "西湖景区"}


def test_one_character_terms_are_ignored_and_terms_split_on_lines_commas_and_dunhao():
    assert split_terms("平遥古城\n 王家大院 ,乔家大院、常家庄园;\n\n") == [
        "平遥古城",
        "王家大院",
        "乔家大院",
        "常家庄园",
    ]
    matcher = rules(RuleSpec(1, RuleKind.OTHER, ("局", "晋祠")))
    assert match(matcher, "局里开会").rules == []
    assert match(matcher, "晋祠").rules == [1]


def test_matched_terms_record_the_rule_its_kind_and_the_spelling_of_the_rule():
    matcher = rules(RuleSpec(3, RuleKind.LEADER, ("张局长",)), RuleSpec(4, RuleKind.BUREAU, ("市文旅局",)))
    result = match(matcher, "市文旅局张局长回应游客投诉")
    assert result.terms == [
        {"term": "张局长", "kind": "leader", "rule": 3},
        {"term": "市文旅局", "kind": "bureau", "rule": 4},
    ]
    assert result.specific == {"张局长"}  # the bureau's name says nothing about which matter it is
    assert result.all_terms == {"张局长", "市文旅局"}


def test_categories_are_tagged_by_their_keywords_in_category_order():
    matcher = Matcher(
        [RuleSpec(1, RuleKind.VENUE, ("平遥古城",))],
        {
            Category.HOTSPOTS: ["退票"],
            Category.EMERGENCY: ["踩踏", "游客受伤"],
            Category.MORALITY: ["辱骂"],
        },
    )
    result = match(matcher, "平遥古城发生踩踏,多名游客受伤,景区拒绝退票")
    assert result.categories == [Category.EMERGENCY, Category.HOTSPOTS]
    assert result.keywords == {"踩踏", "游客受伤", "退票"}
    assert {"term": "踩踏", "category": "emergency"} in result.keyword_terms
    assert result.stored_terms()[0] == {"term": "平遥古城", "kind": "venue", "rule": 1}
    # Categories alone do not make a text relevant.
    assert match(matcher, "某地发生踩踏").categories == [Category.EMERGENCY]
    assert not match(matcher, "某地发生踩踏").relevant


def test_excluded_terms_do_not_remove_categories():
    matcher = Matcher([RuleSpec(1, RuleKind.VENUE, ("古城",), ("古城墙",))], {Category.EMERGENCY: ["火灾"]})
    result = match(matcher, "古城墙火灾")
    assert result.rules == [] and result.categories == [Category.EMERGENCY]


def test_the_organisation_matcher_uses_active_rules_defaults_and_its_own_keywords():
    org = OrganizationFactory()
    MonitoringRule.objects.create(organization=org, name="景区", kind=RuleKind.VENUE, terms="平遥古城")
    MonitoringRule.objects.create(
        organization=org, name="停用", kind=RuleKind.VENUE, terms="晋祠", active=False
    )
    CategoryRule.objects.create(organization=org, category=Category.HOTSPOTS, terms="黄牛票\n倒票")
    matcher = matcher_for(org)
    result = match(matcher, "平遥古城门口黄牛票猖獗,还有人踩踏草坪")
    assert result.relevant
    assert result.categories == [Category.EMERGENCY, Category.HOTSPOTS]  # 踩踏 default, 黄牛票 own
    assert not match(matcher, "晋祠游客很多").relevant
    other = OrganizationFactory()
    assert not match(matcher_for(other), "平遥古城门口黄牛票").relevant  # rules are per organisation


def test_a_changed_rule_takes_effect_at_the_next_call_without_being_told():
    org = OrganizationFactory()
    rule = MonitoringRule.objects.create(organization=org, name="景区", kind=RuleKind.VENUE, terms="平遥古城")
    first = matcher_for(org)
    assert matcher_for(org) is first  # compiled once while nothing changes
    rule.excluded_terms = "演出"
    rule.save()
    assert not match(matcher_for(org), "平遥古城演出").relevant
    rule.active = False
    rule.save()
    assert not match(matcher_for(org), "平遥古城").relevant
    matching.rules_changed(org.pk)
    assert not match(matcher_for(org), "平遥古城").relevant


def test_an_organisation_without_rules_matches_nothing_but_still_tags_categories():
    org = OrganizationFactory()
    result = match(matcher_for(org), "景区发生火灾")
    assert not result.relevant and result.categories == [Category.EMERGENCY]
    assert match(matcher_for(org), "").categories == []
