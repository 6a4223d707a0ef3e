"""Running a search: which published items contain every term, in what order, and the facet counts.

Score: for each term, the fields it occurs in add their weight — title 10000, document number 1000,
summary 100, body 10, attachments 1 — so an item with the term in its title ranks above every item that
has it only in the body, whatever else. Equal scores go newest first (then by id), so the order is total
and the same on both databases. ``order="date"`` is newest first regardless of score.

Filtering, ordering and counting read the SearchEntry rows (one per indexed item), never the item tables.
``run`` is what the search page and the API use: the index gives only the ``item_id * 8 + field`` codes of
each term's matches (one aggregated value per term), and scoring, filters, the total, the facet counts
and the page are computed in process over the columnar copy of SearchEntry (columns.py), in one pass.
``facet_rows`` and ``ranked`` do the same in SQL (a join with SearchEntry each): they are the reference
that ``run`` is tested against, on both databases; ``matching`` serves the list page's keyword filter.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models.expressions import RawSQL

from . import backends, columns
from .models import Field

WEIGHTS = {
    Field.TITLE: 10000,
    Field.DOCUMENT_NUMBER: 1000,
    Field.SUMMARY: 100,
    Field.BODY: 10,
    Field.ATTACHMENTS: 1,
}
ORDERS = {"relevance": "相关度", "date": "发布时间"}
ENTRY = "search_searchentry"
FIELD_WEIGHT = np.zeros(backends.FIELD_SLOTS, dtype=np.float64)  # by field code; other codes weigh 0
for _field, _weight in WEIGHTS.items():
    FIELD_WEIGHT[int(_field)] = _weight
VALIDITY_CODES = ("valid", "abolished", "expired")  # the codes of columns.Columns.validity
FACET_KEYS = ("year", "entry", "topic", "org", "validity")


def hits_sql(terms: list[str]) -> tuple[str, list]:
    """SQL selecting (item_id, score) of every indexed item containing all ``terms`` (normalised)."""
    index = backends.current()
    weight = "CASE d.field " + " ".join(f"WHEN {int(f)} THEN {w}" for f, w in WEIGHTS.items()) + " ELSE 0 END"
    if len(terms) == 1:
        sql, params = index.term_hits_sql(terms[0])
        return (
            f"SELECT d.item_id AS item_id, SUM({weight}) AS score FROM ({sql}) d GROUP BY d.item_id",
            params,
        )
    parts: list[str] = []
    params = []
    for position, term in enumerate(terms):
        sql, term_params = index.term_hits_sql(term)
        parts.append(f"SELECT m.item_id, m.field, {position} AS t FROM ({sql}) m")
        params += term_params
    sql = (
        f"SELECT d.item_id AS item_id, SUM({weight}) AS score "
        f"FROM ({' UNION ALL '.join(parts)}) d GROUP BY d.item_id HAVING COUNT(DISTINCT d.t) = {len(terms)}"
    )
    return sql, params


def matching(terms: list[str]) -> RawSQL:
    """For ``queryset.filter(pk__in=matching(terms))``. On PostgreSQL the ids are found in process (the
    posting lists are not SQL-readable) and passed as one array."""
    index = backends.current()
    if index.vendor != "postgresql":
        sql, params = hits_sql(terms)
        return RawSQL(f"SELECT h.item_id FROM ({sql}) h", params)  # noqa: S611
    found: np.ndarray | None = None
    for term in terms:
        items = np.unique(index.term_codes(term) >> backends.FIELD_BITS)
        found = items if found is None else np.intersect1d(found, items, assume_unique=True)
    ids = [] if found is None else found.tolist()
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])  # noqa: S611


@dataclass
class EntryFilter:
    """What the matches are narrowed to (the list page's filters, as ids)."""

    organization_ids: list[int]
    today: datetime.date
    entry_ids: set[int] = field(default_factory=set)
    topic_ids: set[int] = field(default_factory=set)
    year: int | None = None
    validity: str = ""

    def where(self) -> tuple[str, list]:
        conditions = [_in("e.organization_id", self.organization_ids)]
        params: list = []
        if self.entry_ids:
            conditions.append(_in("e.catalogue_entry_id", self.entry_ids))
        if self.topic_ids:
            conditions.append(_in("e.topic_id", self.topic_ids))
        if self.year:
            conditions.append("e.year = %s")
            params.append(self.year)
        if self.validity:
            conditions.append(f"{VALIDITY} = %s")
            params += [self.today, self.today, self.validity]
        return " AND ".join(conditions), params


def _in(column: str, ids) -> str:
    ids = sorted(int(i) for i in ids)  # integers only: safe to write into the SQL
    return f"{column} IN ({','.join(map(str, ids))})" if ids else "1 = 0"


VALIDITY = (
    "(CASE WHEN e.abolished_on IS NOT NULL AND e.abolished_on <= %s THEN 'abolished' "
    "WHEN e.expires_on IS NOT NULL AND e.expires_on <= %s THEN 'expired' ELSE 'valid' END)"
)


def ranked(
    terms: list[str], where: EntryFilter, *, order: str, limit: int, offset: int
) -> list[tuple[int, int]]:
    """(item id, score) of one page of the matches, in the given order."""
    sql, params = hits_sql(terms)
    condition, condition_params = where.where()
    if order == "date":
        ordering = "e.published_at DESC, e.item_id DESC"
    else:
        ordering = "h.score DESC, e.published_at DESC, e.item_id DESC"
    query = (
        f"SELECT h.item_id, h.score FROM ({sql}) h JOIN {ENTRY} e ON e.item_id = h.item_id "
        f"WHERE {condition} ORDER BY {ordering} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, *condition_params, limit, offset])
        return [(row[0], int(row[1])) for row in cursor.fetchall()]


@dataclass(frozen=True)
class FacetRow:
    year: int
    entry_id: int | None
    topic_id: int | None
    organization_id: int
    validity: str
    count: int


def facet_rows(terms: list[str], where: EntryFilter) -> list[FacetRow]:
    """The matches grouped by year, catalogue entry, topic, organisation and validity (one pass)."""
    sql, params = hits_sql(terms)
    condition, condition_params = where.where()
    query = (
        f"SELECT e.year, e.catalogue_entry_id, e.topic_id, e.organization_id, {VALIDITY} AS v, COUNT(*) "
        f"FROM ({sql}) h JOIN {ENTRY} e ON e.item_id = h.item_id WHERE {condition} "
        "GROUP BY e.year, e.catalogue_entry_id, e.topic_id, e.organization_id, v"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [where.today, where.today, *params, *condition_params])
        return [FacetRow(*row) for row in cursor.fetchall()]


def tally(rows: list[FacetRow]) -> dict[str, Counter]:
    """``facet_rows`` as counts per facet (NULL catalogue entries and topics left out), the shape ``run``
    gives."""
    out: dict[str, Counter] = {key: Counter() for key in FACET_KEYS}
    for row in rows:
        for key, value in zip(
            FACET_KEYS, (row.year, row.entry_id, row.topic_id, row.organization_id, row.validity), strict=True
        ):
            if value is not None:
                out[key][value] += row.count
    return out


@dataclass(frozen=True)
class Found:
    total: int
    tallies: dict[str, Counter]  # by FACET_KEYS: value -> how many of the matches have it
    page: list[tuple[int, int]]  # (item id, score) of the page asked for, in order


def run(terms: list[str], where: EntryFilter, *, order: str, limit: int, offset: int) -> Found:
    """The matches of ``terms`` narrowed by ``where``: their number, facet counts and one page, in the
    order and with the scores of ``ranked`` and the counts of ``facet_rows``, from one index lookup per
    term and no join."""
    if not terms:
        return Found(0, {key: Counter() for key in FACET_KEYS}, [])
    copy = columns.current()
    index = backends.current()
    size = copy.size
    present = np.ones(size, dtype=bool)
    score = np.zeros(size, dtype=np.int64)
    for term in terms:
        codes = index.term_codes(term)
        positions = copy.positions(codes >> backends.FIELD_BITS)
        known = positions >= 0  # items indexed after the copy was loaded are left out, like the join did
        positions = positions[known]
        has = np.zeros(size, dtype=bool)
        has[positions] = True
        present &= has
        weights = FIELD_WEIGHT[codes[known] & (backends.FIELD_SLOTS - 1)]
        score += np.bincount(positions, weights=weights, minlength=size).astype(np.int64)
        if not present.any():
            break
    matches = np.flatnonzero(present)  # ascending position: oldest first
    if len(matches):
        matches = matches[_allowed(copy, where, matches)]
    validity = copy.validity(matches, where.today.toordinal())
    tallies = {
        "year": Counter(copy.year.counts(matches)),
        "entry": Counter(copy.entry.counts(matches)),
        "topic": Counter(copy.topic.counts(matches)),
        "org": Counter(copy.organization.counts(matches)),
        "validity": Counter(
            {
                code: int(n)
                for code, n in zip(VALIDITY_CODES, np.bincount(validity, minlength=3), strict=True)
                if n
            }
        ),
    }
    chosen = _page(matches, score, size, order=order, limit=limit, offset=offset)
    page = [(int(copy.item_ids[p]), int(score[p])) for p in chosen]
    return Found(len(matches), tallies, page)


def _allowed(copy: columns.Columns, where: EntryFilter, matches: np.ndarray) -> np.ndarray:
    """Which of ``matches`` pass the filters (EntryFilter.where, in numpy)."""
    keep = copy.organization.allows(where.organization_ids)[copy.organization.codes[matches]]
    if where.entry_ids:
        keep &= copy.entry.allows(where.entry_ids)[copy.entry.codes[matches]]
    if where.topic_ids:
        keep &= copy.topic.allows(where.topic_ids)[copy.topic.codes[matches]]
    if where.year:
        keep &= copy.year.allows([where.year])[copy.year.codes[matches]]
    if where.validity:
        wanted = VALIDITY_CODES.index(where.validity) if where.validity in VALIDITY_CODES else -1
        keep &= copy.validity(matches, where.today.toordinal()) == wanted
    return keep


def _page(matches: np.ndarray, score: np.ndarray, size: int, *, order: str, limit: int, offset: int):
    """The positions of one page: by date, highest position first; by relevance, highest score first and
    then highest position (score * size + position is a unique key with that order)."""
    offset, limit = max(0, offset), max(0, limit)
    end = offset + limit
    if offset >= len(matches) or not limit:
        return matches[:0]
    if order == "date":
        return matches[::-1][offset:end]
    keys = -(score[matches] * size + matches)  # ascending keys = the order shown
    if end < len(matches):
        best = np.argpartition(keys, end - 1)[:end]
        best = best[np.argsort(keys[best])]
    else:
        best = np.argsort(keys)
    return matches[best[offset:end]]
