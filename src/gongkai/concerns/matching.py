"""Which mentions concern us (monitoring rules) and which of the six key categories they belong to.

An organisation's active `MonitoringRule`s, their excluded terms, the default category keywords
(`default_categories`) and its own `CategoryRule` keywords are compiled into one Hyperscan database: one
literal per distinct normalised term, each reported once (HS_FLAG_SINGLEMATCH), so a text is matched in
one pass whatever the number of rules.

Rules:
- Terms and texts are compared in their normalised form (`text.normalise`: NFKC, lower case, letters and
  digits only), so “西湖 景区”, “西湖景区” and “西湖-景区” are the same and full-width letters match.
- A term list is one term a line; commas and 、 also separate terms. A term shorter than two characters
  after normalisation is ignored (one Chinese character matches nearly every text).
- A rule matches when one of its terms occurs and none of its excluded terms does; its excluded terms do
  not affect other rules. A text is relevant when at least one rule matches.
- A category applies when one of its keywords occurs (excluded terms do not apply to categories).

Unlike the review scanner (`review.scanner`), every term found counts, not the leftmost-longest one:
“西湖” and “西湖景区” may belong to different rules and both match “西湖景区”. Hence a database of its own
(UTF-8: self-synchronising, so a match can never straddle two characters, and the single-match flag is
safe).

The compiled matcher is cached per process and organisation under a fingerprint of the rules' content,
read at every call (one small query), so an edited rule takes effect at the next batch whoever changed
it; `rules_changed` drops the cached matcher at once (the next batch compiles again).
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

import hyperscan

from .constants import Category, RuleKind
from .default_categories import DEFAULT_CATEGORY_TERMS
from .text import normalise

__all__ = [
    "SPECIFIC_KINDS",
    "Match",
    "Matcher",
    "RuleSpec",
    "matcher_for",
    "rules_changed",
    "split_terms",
    "stored_term_sets",
]

# Kinds of rule whose terms name one particular matter (a venue, an event, a person); the bureau's own
# name and "other" terms occur in most mentions and say nothing about which matter it is.
SPECIFIC_KINDS = frozenset({RuleKind.VENUE, RuleKind.EVENT, RuleKind.LEADER})
MIN_TERM_CHARS = 2
_SEPARATORS = re.compile(r"[\n\r,,、;;]+")
_CATEGORY_ORDER = {value: index for index, value in enumerate(Category.values)}


def stored_term_sets(matched_terms) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(specific, rule terms, category keywords), normalised, of a stored `Mention.matched_terms` list."""
    specific, every, keywords = set(), set(), set()
    for item in matched_terms or ():
        if not isinstance(item, dict):
            continue
        key = normalise(str(item.get("term", "")))
        if len(key) < MIN_TERM_CHARS:
            continue
        if "category" in item:
            keywords.add(key)
            continue
        every.add(key)
        if item.get("kind") in SPECIFIC_KINDS:
            specific.add(key)
    return frozenset(specific), frozenset(every), frozenset(keywords)


def split_terms(value: str) -> list[str]:
    """The terms of a rule field: one a line (commas, 、 and semicolons also separate), blanks dropped."""
    return [term.strip() for term in _SEPARATORS.split(value or "") if term.strip()]


@dataclass(frozen=True)
class RuleSpec:
    pk: int
    kind: str
    terms: tuple[str, ...]
    excluded: tuple[str, ...] = ()


@dataclass
class Match:
    """What one text matched.

    ``terms``: one dict per (rule, term) of the rules that matched, ``{"term", "kind", "rule"}`` with the
    term as the rule spells it. ``keyword_terms``: one dict per category keyword found,
    ``{"term", "category"}``. `Mention.matched_terms` stores ``terms + keyword_terms`` (`stored_terms`).
    ``keywords``: the category keywords found, normalised. ``specific``: the normalised terms of venue,
    event and leader rules that matched.
    """

    rules: list[int] = field(default_factory=list)
    terms: list[dict] = field(default_factory=list)
    keyword_terms: list[dict] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    keywords: frozenset[str] = frozenset()
    specific: frozenset[str] = frozenset()
    all_terms: frozenset[str] = frozenset()  # normalised terms of every rule that matched

    @property
    def relevant(self) -> bool:
        return bool(self.rules)

    def stored_terms(self) -> list[dict]:
        return self.terms + self.keyword_terms


_INCLUDE, _EXCLUDE, _CATEGORY = 0, 1, 2


def _expression(key: str) -> bytes:
    """A Hyperscan expression matching exactly the UTF-8 bytes of ``key`` (every byte escaped)."""
    return "".join(f"\\x{byte:02x}" for byte in key.encode("utf-8")).encode("ascii")


class Matcher:
    """Compiled rules and category keywords of one organisation. ``match`` is thread-safe."""

    def __init__(self, rules: list[RuleSpec], categories: dict[str, list[str] | tuple[str, ...]]):
        self.rules = list(rules)
        pattern_ids: dict[str, int] = {}
        actions: list[list[tuple[int, int, str, str]]] = []  # per pattern: (what, rule index, term, category)

        def pattern(raw: str) -> int | None:
            key = normalise(raw)
            if len(key) < MIN_TERM_CHARS:
                return None
            pid = pattern_ids.get(key)
            if pid is None:
                pid = pattern_ids[key] = len(actions)
                actions.append([])
            return pid

        for index, rule in enumerate(self.rules):
            for term in rule.terms:
                pid = pattern(term)
                if pid is not None:
                    actions[pid].append((_INCLUDE, index, term, ""))
            for term in rule.excluded:
                pid = pattern(term)
                if pid is not None:
                    actions[pid].append((_EXCLUDE, index, term, ""))
        for category, terms in categories.items():
            for term in terms:
                pid = pattern(term)
                if pid is not None and not any(a[0] == _CATEGORY and a[3] == category for a in actions[pid]):
                    actions[pid].append((_CATEGORY, 0, term, category))
        self._keys = list(pattern_ids)
        self._actions = actions
        self._database = None
        if self._keys:
            self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            self._database.compile(
                expressions=[_expression(key) for key in self._keys],
                ids=list(range(len(self._keys))),
                elements=len(self._keys),
                flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(self._keys),
            )
        self._local = threading.local()

    def _scratch(self):
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        return scratch

    def found(self, normalised: str) -> set[int]:
        """Pattern ids occurring in an already normalised text."""
        if self._database is None or not normalised:
            return set()
        hits: set[int] = set()
        add = hits.add
        self._database.scan(
            normalised.encode("utf-8"),
            match_event_handler=lambda pid, _from, _to, _flags, _context: add(pid),
            scratch=self._scratch(),
        )
        return hits

    def match(self, normalised: str) -> Match:
        """Rules and categories of an already normalised text (`text.normalise`)."""
        hits = self.found(normalised)
        if not hits:
            return Match()
        included: dict[int, list[tuple[int, str]]] = {}
        excluded: set[int] = set()
        categories: set[str] = set()
        keywords: set[str] = set()
        keyword_terms: list[tuple[str, str]] = []
        for pid in hits:
            for what, index, term, category in self._actions[pid]:
                if what == _INCLUDE:
                    included.setdefault(index, []).append((pid, term))
                elif what == _EXCLUDE:
                    excluded.add(index)
                else:
                    categories.add(category)
                    keywords.add(self._keys[pid])
                    keyword_terms.append((category, term))
        result = Match(
            categories=sorted(categories, key=_CATEGORY_ORDER.__getitem__),
            keywords=frozenset(keywords),
            keyword_terms=[
                {"term": term, "category": category}
                for category, term in sorted(keyword_terms, key=lambda c: (_CATEGORY_ORDER[c[0]], c[1]))
            ],
        )
        specific, every = set(), set()
        for index in sorted(included):
            if index in excluded:
                continue
            rule = self.rules[index]
            result.rules.append(rule.pk)
            for pid, term in sorted(included[index], key=lambda hit: hit[1]):
                result.terms.append({"term": term, "kind": rule.kind, "rule": rule.pk})
                every.add(self._keys[pid])
                if rule.kind in SPECIFIC_KINDS:
                    specific.add(self._keys[pid])
        result.specific = frozenset(specific)
        result.all_terms = frozenset(every)
        return result


# --- per organisation, cached ------------------------------------------------------------------------

_cache: dict[int, tuple[str, Matcher]] = {}
_lock = threading.Lock()


def _rows(organization_id: int) -> list[tuple]:
    """The organisation's active rules and category keywords as they are stored, in a fixed order (one
    query, in plain SQL: it runs at every batch): ("category", pk, category, terms, "") and
    ("rule", pk, kind, terms, excluded)."""
    from django.db import connection

    from .models import CategoryRule, MonitoringRule

    sql = (
        f"SELECT 'rule', id, kind, terms, excluded_terms FROM {MonitoringRule._meta.db_table} "  # noqa: S608
        "WHERE organization_id = %s AND active = %s "
        f"UNION ALL SELECT 'category', id, category, terms, '' FROM {CategoryRule._meta.db_table} "
        "WHERE organization_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization_id, True, organization_id])
        return sorted(tuple(row) for row in cursor.fetchall())


def _compile(rows: list[tuple]) -> Matcher:
    rules = [
        RuleSpec(pk, kind, tuple(split_terms(terms)), tuple(split_terms(excluded)))
        for source, pk, kind, terms, excluded in rows
        if source == "rule"
    ]
    categories: dict[str, list[str]] = {key: list(terms) for key, terms in DEFAULT_CATEGORY_TERMS.items()}
    for source, _pk, category, terms, _excluded in rows:
        if source == "category" and category in categories:
            categories[category] += split_terms(terms)
    return Matcher(rules, categories)


def matcher_for(organization) -> Matcher:
    """The organisation's compiled matcher, rebuilt when its rules or category keywords changed."""
    organization_id = getattr(organization, "pk", organization)
    rows = _rows(organization_id)
    fingerprint = hashlib.sha1(repr(rows).encode("utf-8"), usedforsecurity=False).hexdigest()
    cached = _cache.get(organization_id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    matcher = _compile(rows)
    with _lock:
        _cache[organization_id] = (fingerprint, matcher)
    return matcher


def rules_changed(organization_id: int) -> None:
    """Forget the organisation's compiled matcher (the next batch compiles the rules again)."""
    with _lock:
        _cache.pop(getattr(organization_id, "pk", organization_id), None)
