"""Citizens' words shown to the public or exported: the personal data the review engine's detectors find
(ID and card numbers, mobiles, e-mails) and landline numbers masked. Comments, messages and their exports share this."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# Landlines: 010 and 02x take an 8-digit number, the other area codes (0 + 3–9 + two digits) 7 or 8
# digits; in brackets (either width) or not, with a dash, a space or nothing between the parts, full-width
# digits folded first (same offsets). The review detectors leave landlines alone because an office's own
# published number is meant to be public, but in a citizen's words a number is theirs. The middle part is
# masked, the last four digits stay. Digits or letters on either side mean it is something else (a
# tracking number, a serial number, a document number).
_SEP = r"[-－—– \u3000]"
_EDGE_BEFORE = r"(?<![0-9A-Za-z.])"
_EDGE_AFTER = r"(?![0-9A-Za-z.])"
_LANDLINES = (
    re.compile(
        rf"{_EDGE_BEFORE}([(（]0(?:10|2\d)[)）]{_SEP}?|0(?:10|2\d){_SEP}?)(\d{{4}}){_SEP}?\d{{4}}{_EDGE_AFTER}"
    ),
    re.compile(
        rf"{_EDGE_BEFORE}([(（]0[3-9]\d\d[)）]{_SEP}?|0[3-9]\d\d{_SEP}?)(\d{{3,4}}){_SEP}?\d{{4}}{_EDGE_AFTER}"
    ),
)


def _mask_landlines(text: str) -> str:
    from gongkai.review.detectors import fold

    folded = fold(text)
    spans = sorted(m.span(2) for pattern in _LANDLINES for m in pattern.finditer(folded))
    if not spans:
        return text
    out, cursor = [], 0
    for start, end in spans:
        if start < cursor:
            continue
        out += [text[cursor:start], "*" * (end - start)]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def masked_text(text: str) -> str:
    """The text with the personal data the detectors find (ID and card numbers, mobiles, e-mails) and
    landline numbers masked."""
    from gongkai.review.scanner import apply_masks, scan_personal_data

    try:
        return _mask_landlines(apply_masks(text, scan_personal_data(text)))
    except ValueError:  # never expected: the findings come from this very text
        logger.exception("masking a text failed")
        return "(内容含个人信息,已隐去)"
