"""Highlighted titles and snippets: the original text, escaped, with each hit of a term in <mark>.

Hits are found on the normalised text (the same rule as the search itself) and mapped back to the
original characters, so a hit on 晋市文旅发〔2026〕3号 typed as [2026] highlights the real brackets too.
"""

from __future__ import annotations

from html import unescape

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .text import normalize, normalize_with_map

SNIPPET = 120  # characters shown around the first hit
_BLOCK = 4000
_BLOCK_OVERLAP = 200


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    norm, where = normalize_with_map(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = norm.find(term)
        while start != -1:
            spans.append((where[start], where[start + len(term) - 1] + 1))
            start = norm.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    at = 0
    for start, end in spans:
        out.append(escape(text[at:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


def highlight(text: str, terms: list[str]) -> SafeString:
    """The whole (short) text with its hits marked, e.g. a title."""
    return mark_safe(_render(text, _spans(text, terms) if terms else []))  # noqa: S308 (escaped above)


def _first_block(text: str, terms: list[str]) -> int | None:
    """Where (roughly) the first hit is, without mapping a long text character by character."""
    for start in range(0, max(len(text), 1), _BLOCK - _BLOCK_OVERLAP):
        norm = normalize(text[start : start + _BLOCK])
        if any(term in norm for term in terms):
            return start
    return None


def snippet(text: str, terms: list[str], width: int = SNIPPET) -> SafeString | None:
    """About ``width`` characters around the first hit in ``text``, hits marked; None if no hit."""
    text = " ".join(text.split())
    if not terms or not text:
        return None
    block = _first_block(text, terms)
    if block is None:
        return None
    piece = text[block : block + _BLOCK]
    spans = _spans(piece, terms)
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(piece), start + width)
    shown = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
    prefix = "…" if block + start > 0 else ""
    suffix = "…" if block + end < len(text) else ""
    return mark_safe(prefix + _render(piece[start:end], shown) + suffix)  # noqa: S308 (escaped in _render)


def plain_snippet(value: SafeString | None) -> str:
    """The snippet without its markup (the API returns both)."""
    if value is None:
        return ""
    return unescape(str(value).replace("<mark>", "").replace("</mark>", ""))
