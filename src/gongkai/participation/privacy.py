"""Citizens' words shown to the public or exported: the personal data the review engine's detectors find
(ID and card numbers, mobiles, e-mails) and landline numbers masked. Comments, messages and their exports share this."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# Landlines (区号 0 + 2–3 digits, in brackets or not, then a 7–8 digit number, with a dash or a space or
# nothing between): the review detectors leave them alone because an office's own published number is
# meant to be public, but in a citizen's words a number is theirs. The number's last four stay.
_LANDLINE = re.compile(r"(?<![\d.])(\(0\d{2,3}\)\s?|0\d{2,3}[-－\s]?)(\d{3,4})(\d{4})(?![\d.])")


def _mask_landlines(text: str) -> str:
    return _LANDLINE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def masked_text(text: str) -> str:
    """The text with the personal data the detectors find (ID and card numbers, mobiles, e-mails) and
    landline numbers masked."""
    from gongkai.review.scanner import apply_masks, scan_personal_data

    try:
        return _mask_landlines(apply_masks(text, scan_personal_data(text)))
    except ValueError:  # never expected: the findings come from this very text
        logger.exception("masking a text failed")
        return "(内容含个人信息,已隐去)"
