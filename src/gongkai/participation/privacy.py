"""Citizens' words shown to the public or exported: the personal data the review engine's detectors find
(ID and card numbers, phones, e-mails) masked. Comments, messages and their exports share this."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def masked_text(text: str) -> str:
    """The text with the personal data the detectors find (ID and card numbers, phones, e-mails) masked."""
    from gongkai.review.scanner import apply_masks, scan_personal_data

    try:
        return apply_masks(text, scan_personal_data(text))
    except ValueError:  # never expected: the findings come from this very text
        logger.exception("masking a text failed")
        return "(内容含个人信息,已隐去)"
