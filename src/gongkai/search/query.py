"""Running a search: which published items contain every term, and in what order.

Score: for each term, the fields it occurs in add their weight — title 10000, document number 1000,
summary 100, body 10, attachments 1 — so an item with the term in its title ranks above every item that
has it only in the body, whatever else. Equal scores go newest first (then by id), so the order is total
and the same on both databases. ``order="date"`` is newest first regardless of score.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
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


def hits_sql(terms: list[str]) -> tuple[str, list]:
    """SQL selecting (item_id, score) of every indexed item containing all ``terms`` (normalised)."""
    index = backends.current()
    parts: list[str] = []
    params: list = []
    for position, term in enumerate(terms):
        sql, term_params = index.term_hits_sql(term)
        parts.append(f"SELECT DISTINCT m.item_id, m.field, {position} AS t FROM ({sql}) m")
        params += term_params
    weight = "CASE d.field " + " ".join(f"WHEN {int(f)} THEN {w}" for f, w in WEIGHTS.items()) + " ELSE 0 END"
    sql = (
        f"SELECT d.item_id AS item_id, SUM({weight}) AS score "
        f"FROM ({' UNION ALL '.join(parts)}) d GROUP BY d.item_id HAVING COUNT(DISTINCT d.t) = {len(terms)}"
    )
    return sql, params


def matching(terms: list[str]) -> RawSQL:
    """For ``queryset.filter(pk__in=matching(terms))``."""
    sql, params = hits_sql(terms)
    return RawSQL(f"SELECT h.item_id FROM ({sql}) h", params)  # noqa: S611


def ranked(
    terms: list[str], items: QuerySet, *, order: str, limit: int, offset: int
) -> list[tuple[int, int]]:
    """(item id, score) of one page of the ``items`` that contain every term, in the given order."""
    sql, params = hits_sql(terms)
    base_sql, base_params = items.order_by().values("pk").query.sql_with_params()
    table = items.model._meta.db_table
    if order == "date":
        ordering = "i.published_at DESC, i.id DESC"
    else:
        ordering = "h.score DESC, i.published_at DESC, i.id DESC"
    query = (
        f"SELECT h.item_id, h.score FROM ({sql}) h JOIN {table} i ON i.id = h.item_id "
        f"WHERE h.item_id IN ({base_sql}) ORDER BY {ordering} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, *base_params, limit, offset])
        return [(row[0], int(row[1])) for row in cursor.fetchall()]
