"""How text becomes searchable: one normalisation, overlapping character bigrams, and query terms.

The rule the public sees: a query term is found wherever its *normalised* form is a substring of the
normalised text of a field. Normalising = Unicode NFKC (full-width letters and digits become ASCII),
lower case, and dropping everything that is not a letter or a digit (spaces, punctuation and all
brackets). So 晋市文旅发〔2026〕3号, 晋市文旅发[2026]3号 and 晋市文旅发(2026)3号 are the same, and so are
“文化 旅游” typed with or without the space inside one term.

Both index backends tokenise each field into its overlapping bigrams (文化旅游 → 文化 化旅 旅游, plus the last
character alone). On SQLite a term of two or more characters is the *phrase* of its bigrams, which occurs
exactly where the term occurs as a substring; on PostgreSQL the bigrams find candidates and the
normalised text confirms the substring (backends.py). Either way any substring of two or more characters
is found, with no dictionary and no segmentation errors; a one-character term is a prefix query on the
tokens. No word segmenter is involved (DESIGN.md named
rjieba; see docs/architecture.md for why bigrams instead).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import compress
from operator import add

_DROP = re.compile(r"[\W_]+")  # \W is Unicode-aware: keeps exactly the characters str.isalnum() accepts

MAX_TERM = 64  # normalised characters per term: a longer term is cut (the index guarantees up to this)
MAX_TERMS = 8
MAX_QUERY = 200  # characters of the raw query


def normalize(text: str) -> str:
    """The searchable form of ``text``: NFKC, lower case, letters and digits only."""
    if not text:
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


_KEPT: dict[str, str] = {}  # character -> what normalising it alone keeps (memo of normalize_with_map)
_KEPT_MAX = 200_000


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` one character at a time, with the index in ``text`` of each kept character.

    Used to put highlights back on the original text (the page's titles and snippets). What each
    character becomes is remembered, so a snippet's block costs a dictionary lookup per character, not a
    normalisation."""
    kept_of = _KEPT
    chars = set(text)
    missing = chars.difference(kept_of)
    if missing:
        found = {char: _DROP.sub("", unicodedata.normalize("NFKC", char).lower()) for char in missing}
        if len(kept_of) + len(found) <= _KEPT_MAX:
            kept_of.update(found)
        else:  # the memo is full (hostile input): a dictionary for this text alone
            kept_of = {**found, **{char: kept_of[char] for char in chars - missing}}
    kept = [kept_of[char] for char in text]
    norm = "".join(kept)
    if len(norm) + kept.count("") == len(kept):  # the usual case: one character or none each
        return norm, list(compress(range(len(kept)), kept))
    return norm, [i for i, piece in enumerate(kept) for _ in piece]


def tokens(norm: str) -> list[str]:
    """The index tokens of a normalised text: its overlapping bigrams, then its last character alone."""
    if not norm:
        return []
    return [norm[i : i + 2] for i in range(len(norm) - 1)] + [norm[-1]]


def tokens_text(norm: str) -> str:
    """``" ".join(tokens(norm))``, built faster (this is the indexing hot path)."""
    if not norm:
        return ""
    return " ".join(map(add, norm, norm[1:])) + " " + norm[-1] if len(norm) > 1 else norm


def term_tokens(term: str) -> list[str]:
    """The tokens a normalised term must match consecutively (one token for a one-character term)."""
    if len(term) == 1:
        return [term]
    return [term[i : i + 2] for i in range(len(term) - 1)]


@dataclass
class ParsedQuery:
    raw: str = ""
    terms: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(raw: str | None) -> ParsedQuery:
    """Split a user's query into terms (space-separated; all must match). Never raises."""
    raw = " ".join((raw or "").split())
    parsed = ParsedQuery()
    if len(raw) > MAX_QUERY:
        parsed.messages.append(f"检索词过长,只按前{MAX_QUERY}个字检索。")
        raw = raw[:MAX_QUERY]
    parsed.raw = raw
    cut = False
    for piece in raw.split(" "):
        term = normalize(piece)
        if not term:
            continue
        if len(term) > MAX_TERM:
            term, cut = term[:MAX_TERM], True
        if term not in parsed.terms:
            parsed.terms.append(term)
    if cut:
        parsed.messages.append(f"单个检索词最长{MAX_TERM}个字,超出部分已忽略。")
    if len(parsed.terms) > MAX_TERMS:
        parsed.terms = parsed.terms[:MAX_TERMS]
        parsed.messages.append(f"最多同时使用{MAX_TERMS}个检索词,其余已忽略。")
    if raw and not parsed.terms:
        parsed.messages.append("检索词只含标点或空格,请输入文字或数字。")
    return parsed
