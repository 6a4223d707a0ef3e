"""Running a search: which published items contain every term, in what order, and the facet counts.

Score: for each term, the fields it occurs in add their weight — title 10000, document number 1000,
summary 100, body 10, attachments 1 — so an item with the term in its title ranks above every item that
has it only in the body, whatever else. Equal scores go newest first (then by id), so the order is total
and the same on both databases. ``order="date"`` is newest first regardless of score.

Filtering, ordering and counting read the SearchEntry rows (one per indexed item), never the item tables,
so the cost of a search is the index lookup plus one pass over its matches.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models.expressions import RawSQL

from . import backends
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
    """For ``queryset.filter(pk__in=matching(terms))``."""
    sql, params = hits_sql(terms)
    return RawSQL(f"SELECT h.item_id FROM ({sql}) h", params)  # noqa: S611


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
