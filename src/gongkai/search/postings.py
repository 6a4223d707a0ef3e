"""PostgreSQL: posting lists of the index's own, so that a term costs one index probe, not a heap page per
match.

A GIN index answers "which rows contain this token" with row addresses; turning 130,000 addresses into
codes reads every heap page they are on (~13,000 pages, 40–100 ms at 100,000 items). Here each token is
one row of ``search_posting`` whose values are the answer itself, read in one probe:

- ``token``: one character (every character of the normalised text) or one bigram;
- ``codes``: the sorted ``item_id * 8 + field`` codes of the fields containing it, little-endian uint32;
- bigrams only, for phrases: ``occurrences``, how many times the bigram occurs in each field of
  ``codes`` and at which character offsets, field by field, ascending — each array in the narrowest
  unsigned width its values fit (most fields are shorter than 65,536 characters: two bytes a position,
  a quarter of what a 64-bit ``code << 32 | position`` key takes to read). See ``_pack``.

A term of one or two characters is one row's ``codes``. A longer term is a phrase of its bigrams: the codes
of all its bigrams are intersected first (usually few fields are left), then the positions of those fields
only are matched — bigram ``i`` at offset ``p + i`` for all ``i`` — which is exactly "the term is a
substring of the field", the rule of text.py and of the SQLite phrase query.

The posting lists are a *base* built in one pass from ``search_searchtext`` (``build``) and swapped in whole;
items indexed since then live in the small GIN-indexed ``search_vector`` table (the *delta*, queried the old
way, cheap because it is small), and ``search_stale`` lists the items whose base postings no longer count
(re-indexed or removed since the base was built). backends.PostgresIndex combines the three.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np

CODE = np.dtype("<u4")  # codes as stored
_WIDTHS = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))
_HEADER = 8  # bytes: the counts' width, the positions' width, padding (so the arrays stay aligned)
MAX_CODE = np.iinfo(CODE).max  # item_id * 8 + field must fit: item ids below 536,870,912
CHUNK_ROWS = 2000  # rows of search_searchtext turned into arrays at a time
PARTITION_OCCURRENCES = 8_000_000  # bigram occurrences sorted at a time (16 bytes each while building)
_LOW = np.int64(0xFFFFFFFF)

Posting = tuple[str, bytes, bytes | None]  # (token, codes, occurrences)


class _Partitions:
    """The arrays of one build, split by first character so that a partition can be sorted alone."""

    def __init__(self, parts: int):
        self.parts = parts
        self.bigrams: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in range(parts)]
        self.chars: list[list[np.ndarray]] = [[] for _ in range(parts)]

    def add(self, chunk: list[tuple[int, str]]) -> None:
        codes = np.fromiter((code for code, _ in chunk), dtype=np.int64, count=len(chunk))
        if codes.size and (codes.min() < 0 or codes.max() > MAX_CODE):
            raise ValueError("search codes must fit in 32 bits (item ids below 536,870,912)")
        lengths = np.fromiter((len(norm) for _, norm in chunk), dtype=np.int64, count=len(chunk))
        # One string for the chunk, fields separated by NUL (a normalised text has letters and digits only).
        cps = np.frombuffer(("\0".join(norm for _, norm in chunk) + "\0").encode("utf-32-le"), dtype="<u4")
        cps = cps.astype(np.int64)
        field = np.repeat(np.arange(len(chunk)), lengths + 1)
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        position = (np.arange(cps.size, dtype=np.int64) - starts[field]).astype(CODE)
        code = codes[field].astype(CODE)
        pair = (cps[:-1] != 0) & (cps[1:] != 0)
        bigram = (cps[:-1][pair] << 21) | cps[1:][pair]  # code points are below 2**21
        bigram_code = code[:-1][pair]
        bigram_position = position[:-1][pair]
        char = cps != 0
        # (character, code) once per field: a field lies wholly in one chunk, so chunks never repeat a key.
        char_keys = np.unique((cps[char] << 32) | code[char].astype(np.int64))
        if self.parts == 1:
            self.bigrams[0].append((bigram, bigram_code, bigram_position))
            self.chars[0].append(char_keys)
            return
        bigram_part = (bigram >> 21) % self.parts
        char_part = (char_keys >> 32) % self.parts
        for part in range(self.parts):
            mask = bigram_part == part
            self.bigrams[part].append((bigram[mask], bigram_code[mask], bigram_position[mask]))
            self.chars[part].append(char_keys[char_part == part])

    def postings(self) -> Iterator[Posting]:
        for part in range(self.parts):
            yield from _char_postings(self.chars[part])
            yield from _bigram_postings(self.bigrams[part])
            self.chars[part] = []
            self.bigrams[part] = []


def _char_postings(pieces: list[np.ndarray]) -> Iterator[Posting]:
    if not pieces:
        return
    keys = np.sort(np.concatenate(pieces))
    if not keys.size:
        return
    chars = keys >> 32
    codes = (keys & _LOW).astype(CODE)
    starts = np.flatnonzero(np.r_[True, chars[1:] != chars[:-1]])
    ends = np.r_[starts[1:], keys.size]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        yield chr(int(chars[start])), codes[start:end].tobytes(), None


def _bigram_postings(pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Iterator[Posting]:
    if not pieces:
        return
    bigram = np.concatenate([p[0] for p in pieces])
    if not bigram.size:
        return
    # The pieces are in (code, position) order; a stable sort by bigram keeps it within each bigram.
    order = np.argsort(bigram, kind="stable")
    bigram = bigram[order]
    code = np.concatenate([p[1] for p in pieces])[order]
    position = np.concatenate([p[2] for p in pieces])[order]
    del order
    n = bigram.size
    new_token = np.r_[True, bigram[1:] != bigram[:-1]]
    token_starts = np.flatnonzero(new_token)
    pair_starts = np.flatnonzero(new_token | np.r_[True, code[1:] != code[:-1]])
    pair_codes = code[pair_starts]
    pair_counts = np.diff(np.r_[pair_starts, n])
    del code
    token_pairs = np.searchsorted(pair_starts, token_starts)
    most_counts = np.maximum.reduceat(pair_counts, token_pairs).tolist()
    most_positions = np.maximum.reduceat(position, token_starts).tolist()
    token_ends = np.r_[token_starts[1:], n].tolist()
    pair_ends = np.r_[token_pairs[1:], pair_starts.size].tolist()
    for start, end, first, last, most_count, most_position in zip(
        token_starts.tolist(),
        token_ends,
        token_pairs.tolist(),
        pair_ends,
        most_counts,
        most_positions,
        strict=True,
    ):
        value = int(bigram[start])
        yield (
            chr(value >> 21) + chr(value & 0x1FFFFF),
            pair_codes[first:last].tobytes(),
            _pack(pair_counts[first:last], most_count, position[start:end], most_position),
        )


def _width(most: int) -> int:
    return 0 if most < 1 << 8 else 1 if most < 1 << 16 else 2


def _pack(counts: np.ndarray, most_count: int, positions: np.ndarray, most_position: int) -> bytes:
    """``occurrences``: a header (the widths of the two arrays), the counts (padded to 8 bytes), the
    positions."""
    count_width, position_width = _width(most_count), _width(most_position)
    counts = counts.astype(_WIDTHS[count_width]).tobytes()
    padding = b"\0" * (-len(counts) % 8)
    header = bytes((count_width, position_width)) + b"\0" * (_HEADER - 2)
    return header + counts + padding + positions.astype(_WIDTHS[position_width]).tobytes()


def build(rows: Iterable[tuple[int, str]], *, characters: int) -> Iterator[Posting]:
    """The posting rows of ``rows`` ((code, normalised text), in ascending code order, texts not empty).

    ``characters`` (an estimate of the total length) decides how many partitions are sorted one after the
    other; all the arrays are held meanwhile (16 bytes per character of text)."""
    partitions = _Partitions(max(1, math.ceil(characters / PARTITION_OCCURRENCES)))
    chunk: list[tuple[int, str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            partitions.add(chunk)
            chunk = []
    if chunk:
        partitions.add(chunk)
    return partitions.postings()


# --- Reading ---------------------------------------------------------------------------------------


TEXT_COST = 4096  # bytes of positions read instead of the text of one candidate field: about as slow


def cover(term: str, cost: dict[str, int]) -> list[int]:
    """The cheapest offsets of bigrams of ``term`` (3+ characters) that cover each of its characters.

    A term occurs at ``p`` exactly when these bigrams occur at ``p + offset``: each character is checked
    by a bigram that contains it, so the others add nothing. ``cost[token]`` is what reading a bigram
    costs. A chain from offset 0 to ``len(term) - 2`` in steps of one or two: ``best[o] = cost[o] +
    min(best[o - 1], best[o - 2])``."""
    last = len(term) - 2
    best: list[tuple[int, list[int]]] = []
    for offset in range(last + 1):
        own = cost[term[offset : offset + 2]]
        if offset == 0:
            best.append((own, [0]))
            continue
        before = min(best[max(0, offset - 2) : offset], key=lambda pair: pair[0])
        best.append((before[0] + own, [*before[1], offset]))
    return best[last][1]


def match(term: str, load_sizes, load_codes, load_positions, confirm) -> np.ndarray:
    """The sorted codes of the base fields containing ``term`` (normalised, not empty).

    Reading is left to the caller (SQL in backends.PostgresIndex, a dict in the tests):
    ``load_sizes(tokens)`` gives ``{token: (bytes of codes, bytes of occurrences)}`` of the tokens that
    have postings (cheap: no list is read), ``load_codes(tokens)`` ``{token: codes}``,
    ``load_positions(tokens)`` ``{token: occurrences as stored}`` and ``confirm(term, among)`` the codes of ``among`` whose text
    contains ``term``. A longer term reads the cheapest bigrams that cover it (``cover``); the fields they
    all occur in are confirmed on their text when they are few, on the positions of the bigrams when
    they are many (whichever reads less)."""
    if len(term) <= 2:
        return load_codes([term]).get(term, codes_of(None))
    bigrams = [term[i : i + 2] for i in range(len(term) - 1)]
    sizes = load_sizes(list(dict.fromkeys(bigrams)))
    if len(sizes) < len(set(bigrams)):
        return codes_of(None)
    cost = {token: sum(size) for token, size in sizes.items()}
    # The cheapest cover, plus the rarest bigram if it is much rarer than all of those: it narrows the
    # fields and the starts for little to read (otherwise it would only add a check of every start).
    offsets = cover(term, cost)
    rarest = min(range(len(bigrams)), key=lambda offset: cost[bigrams[offset]])
    if cost[bigrams[rarest]] * 4 < min(cost[bigrams[offset]] for offset in offsets):
        offsets = sorted({*offsets, rarest})
    chosen = list(dict.fromkeys(bigrams[offset] for offset in offsets))
    codes = load_codes(chosen)
    among = candidates(list(codes.values()))
    if not among.size:
        return among
    if among.size * TEXT_COST < sum(sizes[token][1] for token in chosen):
        return np.sort(np.asarray(confirm(term, among), dtype=CODE))
    wanted = _table(among, int(among[-1]) + 1)
    keys = {token: keys_of(value, codes[token], wanted) for token, value in load_positions(chosen).items()}
    return phrase([(offset, bigrams[offset]) for offset in offsets], keys)


def codes_of(value: bytes | None) -> np.ndarray:
    return np.frombuffer(value, dtype=CODE) if value else np.zeros(0, dtype=CODE)


def keys_of(value: bytes | None, codes: np.ndarray, wanted: np.ndarray | None = None) -> np.ndarray:
    """A bigram's occurrences (see ``_pack``) as sorted keys ``code << 32 | position`` (int64); with
    ``wanted`` (a boolean table by code), only those in the wanted fields."""
    if not value:
        return np.zeros(0, dtype=np.int64)
    count_dtype, position_dtype = _WIDTHS[value[0]], _WIDTHS[value[1]]
    counts = np.frombuffer(value, dtype=count_dtype, count=codes.size, offset=_HEADER)
    start = _HEADER + codes.size * count_dtype.itemsize
    start += -start % 8
    positions = np.frombuffer(value, dtype=position_dtype, offset=start)
    if wanted is not None:
        keep = np.zeros(codes.size, dtype=bool)
        inside = codes < wanted.size
        keep[inside] = wanted[codes[inside]]
        positions = positions[np.repeat(keep, counts)]
        codes, counts = codes[keep], counts[keep]
    return (np.repeat(codes.astype(np.int64), counts) << 32) | positions


def _within(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``sorted_set`` (sorted, unique), as a boolean array (binary search:
    for the 64-bit position keys, whose range is too wide for a table)."""
    if not sorted_set.size:
        return np.zeros(values.size, dtype=bool)
    at = np.searchsorted(sorted_set, values)
    at[at == sorted_set.size] = 0
    return sorted_set[at] == values


def _table(codes: np.ndarray, size: int) -> np.ndarray:
    """A boolean table of ``size`` entries, true at ``codes``: membership of codes (at most 8 × the
    largest item id) by one lookup each, 4–5× faster than a binary search."""
    table = np.zeros(size, dtype=bool)
    table[codes] = True
    return table


def _unique_sorted(values: np.ndarray) -> np.ndarray:
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def candidates(code_lists: list[np.ndarray]) -> np.ndarray:
    """The codes present in every list (each sorted, unique), sorted: the smallest list, looked up in a
    table of each other one."""
    lists = sorted(code_lists, key=len)
    found = lists[0]
    for other in lists[1:]:
        if not found.size:
            break
        size = int(max(found[-1], other[-1])) + 1
        found = found[_table(other, size)[found]]
    return found


def phrase(at: list[tuple[int, str]], keys: dict[str, np.ndarray]) -> np.ndarray:
    """The sorted codes of the fields where each ``(offset, bigram)`` of ``at`` occurs at ``start + offset``
    for one start.

    ``keys[token]``: the token's occurrences (``code << 32 | position``, sorted), in the candidate fields
    only (``keys_of`` with ``wanted``). The rarest bigram's occurrences give the possible starts, and each
    other bigram keeps those where it occurs at its offset (a binary search of ``start + offset``)."""
    anchor, anchor_token = min(at, key=lambda pair: keys[pair[1]].size)
    anchored = keys[anchor_token]
    anchored = anchored[(anchored & _LOW) >= anchor]
    starts = anchored - anchor  # a phrase cannot start before the field (checked above)
    for offset, token in at:
        if offset == anchor or not starts.size:
            continue
        starts = starts[_within(starts + offset, keys[token])]
    return _unique_sorted(starts >> 32)
