"""Personal-data detectors: resident ID numbers, mobile numbers, bank card numbers, e-mail addresses.

A published document must not leak a citizen's 身份证号 or 银行卡号 (blocking); mobile numbers and e-mail
addresses are often an office's own published contact, so they are warnings the reviewer acknowledges.

Numbers are validated, not just shaped: an ID needs a real province code, a real birth date and (18 digits)
the ISO 7064 MOD 11-2 check character; a bank card needs the Luhn check. A number inside a longer run of
digits is never reported (no ID in the middle of a 20-digit serial number). Values already masked with ``*``
contain no run long enough to be found again. Full-width digits (１３８…), as Word's full-width mode types
them, are read as digits.

How the text is searched, for speed: one pass of a cheap pattern finds the rare runs of digits that could
hold a number; the precise patterns then run only over those runs (with one character of context on each
side, enough for every boundary check), and over the surroundings of each ``@``. Offsets are Python str
indices into the text given.
"""

from __future__ import annotations

import bisect
import datetime
import operator
import re
from typing import NamedTuple

DETECTOR_SEVERITY = {
    "id_card": "blocking",
    "bank_card": "blocking",
    "mobile": "warning",
    "email": "warning",
}

# GB/T 2260 first two digits: provinces, Taiwan (71), Hong Kong (81), Macao (82), the 居住证 of Taiwan
# residents (83) and the 外国人永久居留身份证 (91).
PROVINCE_CODES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)]
    + [71, 81, 82, 83, 91]
)
# GB 11643-1999: ISO 7064 MOD 11-2 weights of the first 17 digits, and the check character by remainder.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
_ID_WEIGHT_OFFSET = 48 * sum(ID_WEIGHTS)
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


class Detection(NamedTuple):
    detector: str  # "id_card" | "mobile" | "bank_card" | "email"
    start: int
    end: int


# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space fold one-to-one onto ASCII, so offsets into
# the folded text are offsets into the original.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def fold(text: str) -> str:
    """Full-width digits, letters and signs as ASCII; same length, same offsets."""
    return text.translate(_FOLD) if _FULL_WIDTH.search(text) else text


# A maximal run of digits and separators that starts and ends with a digit and is at least 11 characters
# long: every number below lies inside one (apart from a leading "+" or a trailing "X").
_CANDIDATE_RUN = re.compile("[0-9０-９][0-9０-９ \\-\u3000－]{9,}[0-9０-９]")
# Characters kept on each side of a run: the "+" of +86 before it, an ID's final X after it. Boundary
# checks need no more: a run is maximal, so the character next to it is neither digit nor separator.
_CONTEXT = 1

_NO_DIGIT_BEFORE = r"(?<![0-9])"
_NO_DIGIT_AFTER = r"(?![0-9])"
# A number written in groups is complete: no further digit group before or after it.
_NO_GROUP_BEFORE = r"(?<![0-9])(?<![0-9][ -])"
_NO_GROUP_AFTER = r"(?![0-9])(?![ -][0-9])"

# A final X ends the number whatever follows (an ID and a phone number run together are both found).
_ID_18 = re.compile(_NO_DIGIT_BEFORE + r"[0-9]{17}(?:[0-9]" + _NO_DIGIT_AFTER + "|[Xx])")
_ID_15 = re.compile(_NO_DIGIT_BEFORE + r"[0-9]{15}" + r"(?![0-9Xx])")
_MOBILE = re.compile(
    # +86 / 0086 / 86 country code, then 11 digits as one run or as 3-4-4 groups with one separator.
    _NO_DIGIT_BEFORE + r"(?:(?:\+|00)?86[ -]?)?1[3-9][0-9]{9}" + _NO_DIGIT_AFTER + "|"
    + _NO_GROUP_BEFORE + r"(?:(?:\+|00)?86[ -]?)?1[3-9][0-9]([ -])[0-9]{4}\1[0-9]{4}" + _NO_GROUP_AFTER
)  # fmt: skip
_BANK_CARD = re.compile(
    # 16–19 digits as one run, or in groups of four (the last group may be shorter).
    _NO_DIGIT_BEFORE + r"(?:62|[345])[0-9]{14,17}" + _NO_DIGIT_AFTER + "|"
    + _NO_GROUP_BEFORE + r"(?:62[0-9]{2}|[345][0-9]{3})([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{4}(?:\1[0-9]{1,3})?"
    + _NO_GROUP_AFTER
)  # fmt: skip
_EMAIL_LOCAL_MAX, _EMAIL_DOMAIN_MAX = 64, 253
_EMAIL = re.compile(
    # RFC 5322 dot-atom local part (without "*", the masking character), a dotted host name and a
    # letter TLD. Not preceded by a local-part character or "*": "a***@example.com" is already masked.
    r"(?<![A-Za-z0-9._%+*'-])"
    r"[A-Za-z0-9_%+'-]{1,64}(?:\.[A-Za-z0-9_%+'-]{1,64})*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9-])(?!\.[A-Za-z0-9])"
)


_NOT_DIGIT_OR_X = re.compile("[^0-9X]")


def digits_of(value: str) -> str:
    """The digits (and an ID's X) of a number as written, without separators or a + sign."""
    return _NOT_DIGIT_OR_X.sub("", fold(value).upper())


def id_check_character(first17: str) -> str:
    """The 18th character of a resident ID number, from its first 17 digits."""
    if len(first17) != 17:
        raise ValueError("an ID number has 17 digits before its check character")
    # Over the ASCII codes: each digit's code is 48 more than its value.
    total = sum(map(operator.mul, first17.encode("ascii"), ID_WEIGHTS)) - _ID_WEIGHT_OFFSET
    return ID_CHECK_CHARACTERS[total % 11]


def _birth_date(year: int, month: int, day: int, today: datetime.date) -> bool:
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return False
    return EARLIEST_BIRTH_DATE <= born <= today


def _valid_id(number: str, today: datetime.date) -> bool:
    """``number``: 18 ASCII digits (the last may be X) or 15 ASCII digits, upper case."""
    if int(number[:2]) not in PROVINCE_CODES:
        return False
    if len(number) == 18:
        return _birth_date(int(number[6:10]), int(number[10:12]), int(number[12:14]), today) and (
            id_check_character(number[:17]) == number[17]
        )
    return _birth_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]), today)


_ID_SHAPE = re.compile("[0-9]{17}[0-9X]|[0-9]{15}")


def is_valid_resident_id(number: str, *, today: datetime.date | None = None) -> bool:
    """A 居民身份证号码: 18 characters (GB 11643-1999, check character) or 15 digits (before 1999)."""
    number = fold(number).upper()
    return bool(_ID_SHAPE.fullmatch(number)) and _valid_id(number, today or datetime.date.today())


# Digit characters to their value, and to the digit sum of twice their value (Luhn's doubled digits).
_VALUE = bytes.maketrans(b"0123456789", bytes(range(10)))
_DOUBLED = bytes.maketrans(b"0123456789", bytes(2 * d - 9 if d > 4 else 2 * d for d in range(10)))


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a card number."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    code = digits.encode("ascii")
    return (sum(code[-1::-2].translate(_VALUE)) + sum(code[-2::-2].translate(_DOUBLED))) % 10 == 0


def is_valid_bank_card(digits: str) -> bool:
    """16–19 digits of a UnionPay (62), Visa (4), Mastercard (5) or JCB/Amex (3) card passing Luhn."""
    issuer = digits[:1] in ("3", "4", "5") or digits[:2] == "62"
    return 16 <= len(digits) <= 19 and issuer and luhn_valid(digits)


class _Windows:
    """The candidate runs of a text with their context, joined into one short string (folded to ASCII).

    "\n" joins them: it belongs to no number, so no match spans two windows.
    """

    def __init__(self, text: str):
        self.origins: list[int] = []  # where each window starts in the joined string
        self.starts: list[int] = []  # where the same window starts in the text
        parts, offset, size = [], 0, len(text)
        for match in _CANDIDATE_RUN.finditer(text):
            start, end = max(0, match.start() - _CONTEXT), min(size, match.end() + _CONTEXT)
            self.origins.append(offset)
            self.starts.append(start)
            parts.append(text[start:end])
            offset += end - start + 1
        self.joined = fold("\n".join(parts))

    def span(self, match: re.Match) -> tuple[int, int]:
        """Where a match in the joined string lies in the text."""
        start = match.start()
        index = bisect.bisect_right(self.origins, start) - 1
        shift = self.starts[index] - self.origins[index]
        return start + shift, match.end() + shift


def _numbers(text: str, today: datetime.date) -> list[Detection]:
    windows = _Windows(text)
    if not windows.starts:
        return []
    joined, found, ids = windows.joined, [], set()
    for pattern in (_ID_18, _ID_15):
        for match in pattern.finditer(joined):
            if _valid_id(match.group().upper(), today):
                span = windows.span(match)
                ids.add(span)
                found.append(Detection("id_card", *span))
    # The pattern is the whole rule for a mobile number.
    found.extend(Detection("mobile", *windows.span(match)) for match in _MOBILE.finditer(joined))
    for match in _BANK_CARD.finditer(joined):
        span = windows.span(match)
        if span not in ids and is_valid_bank_card(_NOT_DIGIT_OR_X.sub("", match.group())):
            found.append(Detection("bank_card", *span))
    return found


def _email_windows(text: str) -> list[tuple[int, int]]:
    """Stretches of text around each @ wide enough for a whole address, merged where they overlap."""
    size, windows = len(text), []
    for at in sorted(_positions(text, "@") + _positions(text, "＠")):
        start, end = max(0, at - _EMAIL_LOCAL_MAX - 2), min(size, at + _EMAIL_DOMAIN_MAX + 2)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _positions(text: str, char: str) -> list[int]:
    """Where ``char`` occurs (str.find is far faster than a regex over text that rarely has it)."""
    found, at = [], text.find(char)
    while at != -1:
        found.append(at)
        at = text.find(char, at + 1)
    return found


def _emails(text: str) -> list[Detection]:
    found = []
    for start, end in _email_windows(text):
        window = fold(text[start:end])
        for match in _EMAIL.finditer(window):
            # A match at a cut edge of the window would be the tail or head of something longer.
            if (match.start() == 0 and start > 0) or (match.end() == len(window) and end < len(text)):
                continue
            found.append(Detection("email", start + match.start(), start + match.end()))
    return found


_POSITION = operator.itemgetter(1, 2, 0)  # (start, end, detector) of a Detection


def find_personal_data(text: str, *, today: datetime.date | None = None) -> list[Detection]:
    """Every ID, mobile, bank card and e-mail in ``text``, sorted by (start, end, detector)."""
    found = _numbers(text, today or datetime.date.today()) + _emails(text)
    return sorted(set(found), key=_POSITION)


def _mask_positions(value: str, positions: list[int]) -> str:
    chars = list(value)
    for position in positions:
        chars[position] = "*"
    return "".join(chars)


def mask_value(detector: str, value: str) -> str:
    """The published form of a personal value: what stays readable, the rest as ``*``.

    ID and bank card: first 4 and last 4 characters (110105194912310025 → 1101**********0025); mobile:
    the middle four of the 11 digits (13812345678 → 138****5678, a country code and separators stay);
    e-mail: first character of the local part (alice@example.com → a***@example.com); a dictionary term of
    personal data (a name): first character (张三丰 → 张**).
    """
    if value.isascii() and value.isalnum():  # the usual case: digits only, no separators
        if detector in ("id_card", "bank_card") and len(value) > 8:
            return value[:4] + "*" * (len(value) - 8) + value[-4:]
        if detector == "mobile" and len(value) == 11:
            return value[:3] + "****" + value[7:]
    folded = fold(value)
    if detector in ("id_card", "bank_card"):
        keep = [i for i, char in enumerate(folded) if char.isdigit() or char in "Xx"]
        return _mask_positions(value, keep[4:-4])
    if detector == "mobile":
        digits = [i for i, char in enumerate(folded) if char.isdigit()]
        return _mask_positions(value, digits[-11:][3:7])
    if detector == "email":
        at = folded.rfind("@")
        return value[:1] + "***" + value[at:] if at > 0 else value
    if detector == "dictionary":
        return value[:1] + "*" * (len(value) - 1)
    raise ValueError(f"no mask for detector {detector!r}")
