"""The text scanner of the content review (内容审核): dictionary terms and personal data.

``Scanner(terms).scan(text)`` returns the findings of one text: every dictionary term found (禁用、敏感、
错误表述、过期表述、错别字, or personal data an organisation lists, such as a name) and every personal-data
number or address the detectors recognise. The dictionary is compiled once into a Hyperscan database
(one expression per term); a scan is one pass of Hyperscan over the text's UTF-16 bytes, plus the
detectors' pass (``detectors.py``).

Matching rules (what a reviewer sees):
- Terms match literally, except that ASCII letters match in either case ("App" finds "APP", "app").
  Two terms equal up to ASCII case are one term: the one given last wins (give the global defaults first
  and an organisation's own terms after them to override a default's category, severity or suggestion).
- Leftmost-longest: scanning from the start, at the first position where any term matches the longest
  term there is reported, and scanning resumes after it. So a longer term swallows a shorter one inside it
  or starting at the same place ("山西省文化厅" is reported, not "文化厅" inside it), and a term that starts
  inside an earlier match is not reported (its overlap is already highlighted).
- Exceptions: a term may have longer contexts in which it is not an error ("文化部" is outdated, "文化部门"
  is an ordinary word; "原文化部" names the former ministry correctly). An occurrence of a term inside one
  of its exceptions is ignored, before the leftmost-longest choice. ``DEFAULT_EXCEPTIONS`` apply unless
  other exceptions are given; they only concern their own terms.
- Offsets are Python str indices: ``text[f.start:f.end] == f.matched``.
"""

from __future__ import annotations

import bisect
import dataclasses
import operator
import re
import string
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import hyperscan

from gongkai.review.detectors import DETECTOR_SEVERITY, find_personal_data, mask_value

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "DETECTOR_LABELS",
    "SEVERITIES",
    "Finding",
    "Scanner",
    "Term",
    "apply_masks",
    "mask_value",
    "scan_personal_data",
]

Category = Literal["forbidden", "sensitive", "wrong", "outdated", "typo", "personal_data"]
Severity = Literal["blocking", "warning"]
CATEGORIES: tuple[str, ...] = ("forbidden", "sensitive", "wrong", "outdated", "typo", "personal_data")
CATEGORY_LABELS = {
    "forbidden": "禁用词",
    "sensitive": "敏感词",
    "wrong": "错误表述",
    "outdated": "过期表述",
    "typo": "错别字",
    "personal_data": "个人信息",
}
SEVERITIES: tuple[str, ...] = ("blocking", "warning")
DETECTOR_LABELS = {
    "dictionary": "词库",
    "id_card": "身份证号码",
    "mobile": "手机号码",
    "bank_card": "银行卡号",
    "email": "电子邮箱",
}


@dataclass(frozen=True)
class Term:
    """One dictionary entry; ``suggestion`` is the correct form shown to the reviewer."""

    text: str
    category: str
    severity: str
    suggestion: str = ""
    term_id: int | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r} for term {self.text!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r} for term {self.text!r}")


@dataclass(frozen=True)
class Finding:
    """One thing a reviewer must look at. For personal data the suggestion is the masked value."""

    category: str
    severity: str
    start: int
    end: int
    matched: str
    suggestion: str
    detector: str  # "dictionary" | "id_card" | "mobile" | "bank_card" | "email"
    term_id: int | None = None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def scan_personal_data(text: str) -> list[Finding]:
    """Findings of the personal-data detectors alone; the suggestion is the masked value."""
    findings = []
    for detector, start, end in find_personal_data(text):
        matched = text[start:end]
        severity, suggestion = DETECTOR_SEVERITY[detector], mask_value(detector, matched)
        findings.append(Finding("personal_data", severity, start, end, matched, suggestion, detector))
    return findings


def apply_masks(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with each personal-data finding replaced by its mask (the one-click fix).

    Other findings are left alone. The findings must come from scanning this very text: one whose span
    no longer holds what it matched raises ValueError rather than masking the wrong characters.
    """
    personal = sorted((f for f in findings if f.category == "personal_data"), key=lambda f: (f.start, -f.end))
    pieces, cursor = [], 0
    for finding in personal:
        if text[finding.start : finding.end] != finding.matched:
            raise ValueError(f"finding {finding.matched!r} at {finding.start} does not match the text")
        if finding.start < cursor:
            continue  # inside a span already masked
        pieces.append(text[cursor : finding.start])
        pieces.append(mask_value(finding.detector, finding.matched))
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces)


# Hyperscan scans the text as UTF-16-LE: a Chinese character is two bytes of high entropy (faster than
# UTF-8's three bytes that all start alike: about 1.7× on the benchmark), encoding a Python str to it is
# nearly a copy, and a byte offset is twice a str index unless the text has characters beyond U+FFFF.
_ENCODING = "utf-16-le"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _key(text: str) -> str:
    """How a term is matched: its text with ASCII letters in lower case."""
    return text.translate(_ASCII_LOWER)


def _expression(key: str) -> bytes:
    """A Hyperscan expression matching the UTF-16-LE bytes of ``key``, ASCII letters in either case.

    Every byte is escaped (the literal API would stop at the zero bytes of UTF-16); a letter is a class
    of its two cases, so no other byte becomes caseless (a CJK byte may equal an ASCII letter's code).
    """
    parts = []
    for char in key:
        if char in string.ascii_lowercase:
            parts.append(f"[\\x{ord(char.upper()):02x}\\x{ord(char):02x}]\\x00")
        else:
            parts.extend(f"\\x{byte:02x}" for byte in char.encode(_ENCODING, "surrogatepass"))
    return "".join(parts).encode("ascii")


def _byte_length(text: str) -> int:
    return len(text.encode(_ENCODING, "surrogatepass"))


def _char_offsets(text: str, data: bytes, byte_offsets: list[int]) -> list[int]:
    """Str indices of ascending UTF-16 byte offsets."""
    if len(data) == 2 * len(text):  # no character beyond U+FFFF: two bytes each
        return [offset >> 1 for offset in byte_offsets]
    # Each astral character is two UTF-16 units but one str index.
    ends = [match.start() + before + 2 for before, match in enumerate(_ASTRAL.finditer(text))]
    return [(offset >> 1) - bisect.bisect_right(ends, offset >> 1) for offset in byte_offsets]


_POSITION = operator.attrgetter("start", "end", "detector")


class Scanner:
    """A compiled dictionary. Build it once per dictionary version; ``scan`` is thread-safe."""

    def __init__(self, terms: Iterable[Term], *, exceptions: Mapping[str, Iterable[str]] | None = None):
        if exceptions is None:
            from gongkai.review.default_terms import DEFAULT_EXCEPTIONS

            exceptions = DEFAULT_EXCEPTIONS
        by_key: dict[str, Term] = {}
        for term in terms:
            if term.text:  # an empty term would match everywhere
                by_key[_key(term.text)] = term
        self._patterns: list[str] = list(by_key)
        self._terms: list[Term | None] = list(by_key.values())
        # For each pattern: the (term pattern id, byte offset) of each term occurrence it shields.
        self._shields: list[list[tuple[int, int]]] = [[] for _ in self._patterns]
        self._add_exceptions(exceptions)
        self._lengths = [_byte_length(pattern) for pattern in self._patterns]
        self._has_shields = any(self._shields)
        self._database = self._compile(self._patterns) if self._patterns else None
        self._local = threading.local()

    def _add_exceptions(self, exceptions: Mapping[str, Iterable[str]]) -> None:
        """Add each exception as a pattern that shields the occurrences of its term inside it."""
        pattern_ids = {pattern: pid for pid, pattern in enumerate(self._patterns)}
        for term_text, contexts in exceptions.items():
            term_key = _key(term_text)
            term_pid = pattern_ids.get(term_key)
            for context in contexts:
                context_key = _key(context)
                if term_key not in context_key or term_key == context_key:
                    raise ValueError(f"exception {context!r} does not contain term {term_text!r}")
                if term_pid is None:
                    continue  # the term is not in this dictionary
                pid = pattern_ids.get(context_key)
                if pid is None:  # a context that is not a term itself
                    pid = pattern_ids[context_key] = len(self._patterns)
                    self._patterns.append(context_key)
                    self._terms.append(None)
                    self._shields.append([])
                offset = context_key.find(term_key)
                while offset != -1:
                    self._shields[pid].append((term_pid, _byte_length(context_key[:offset])))
                    offset = context_key.find(term_key, offset + 1)

    @staticmethod
    def _compile(patterns: list[str]) -> hyperscan.Database:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(
            expressions=[_expression(pattern) for pattern in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=0,
        )
        return database

    def __len__(self) -> int:
        """The number of distinct terms."""
        return sum(term is not None for term in self._terms)

    # A compiled database can be cached (pickled) and loaded without compiling again.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_local"]
        state["_database"] = hyperscan.dumpb(self._database) if self._database is not None else None
        return state

    def __setstate__(self, state: dict) -> None:
        serialized = state["_database"]
        state["_database"] = (
            hyperscan.loadb(serialized, hyperscan.HS_MODE_BLOCK) if serialized is not None else None
        )
        state["_local"] = threading.local()
        self.__dict__.update(state)

    def _scratch(self) -> hyperscan.Scratch:
        """Hyperscan scratch space of the calling thread (one scratch cannot serve two scans at once)."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        return scratch

    def scan(self, text: str) -> list[Finding]:
        """Dictionary terms and personal data in ``text``, sorted by (start, end)."""
        findings = self.scan_terms(text) + scan_personal_data(text)
        findings.sort(key=_POSITION)
        return findings

    def scan_terms(self, text: str) -> list[Finding]:
        """Dictionary terms alone, leftmost-longest, sorted by start."""
        if self._database is None or not text:
            return []
        data = text.encode(_ENCODING, "surrogatepass")
        hits: list[tuple[int, int]] = []
        append = hits.append
        self._database.scan(
            data,
            match_event_handler=lambda pid, _from, to, _flags, _context: append((to, pid)),
            scratch=self._scratch(),
        )
        if not hits:
            return []
        return self._findings(text, data, self._leftmost_longest(hits))

    def _leftmost_longest(self, hits: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
        """(start, end, pattern id) of the matches kept, in byte offsets, ascending and disjoint.

        A match at an odd byte offset straddles two characters' bytes (UTF-16): not a match.
        """
        lengths, terms = self._lengths, self._terms
        shielded: set[tuple[int, int]] = set()
        if self._has_shields:
            shields = self._shields
            for end, pid in hits:
                for term_pid, offset in shields[pid]:
                    shielded.add((end - lengths[pid] + offset, term_pid))
        candidates = [
            (end - lengths[pid], end, pid)
            for end, pid in hits
            if terms[pid] is not None and not end & 1 and (end - lengths[pid], pid) not in shielded
        ]
        candidates.sort(key=lambda c: (c[0], -c[1]))
        kept, reached = [], 0
        for candidate in candidates:
            if candidate[0] >= reached:
                kept.append(candidate)
                reached = candidate[1]
        return kept

    def _findings(self, text: str, data: bytes, kept: list[tuple[int, int, int]]) -> list[Finding]:
        offsets = _char_offsets(text, data, [offset for start, end, _pid in kept for offset in (start, end)])
        findings, terms = [], self._terms
        for index, (_start, _end, pid) in enumerate(kept):
            term = terms[pid]
            start, end = offsets[2 * index], offsets[2 * index + 1]
            findings.append(
                Finding(
                    term.category,
                    term.severity,
                    start,
                    end,
                    text[start:end],
                    term.suggestion,
                    "dictionary",
                    term.term_id,
                )
            )
        return findings
