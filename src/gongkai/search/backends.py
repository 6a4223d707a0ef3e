"""The two index backends: SQLite FTS5 and PostgreSQL tsvector + GIN.

Both store the same tokens (text.tokens) and answer the same question — which (item, field) pairs contain
a term — so that search gives the same results on both; the differences are storage details:

- SQLite: a contentless FTS5 table, one row per (item, field) with rowid ``item_id * 8 + field``; FTS5
  keeps every position, so a phrase of bigrams is matched exactly however long the field is.
- PostgreSQL: a tsvector keeps at most 256 positions per lexeme and positions up to 16,383, so fields are
  cut into chunks of CHUNK characters overlapping by text.MAX_TERM - 1 (every term of up to MAX_TERM
  characters lies wholly inside some chunk), and a chunk in which some bigram would repeat more than
  MAX_POSITIONS times is halved until none does. tsvector and tsquery are written as literals, so the
  database's text-search configuration and locale play no part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection

from . import text

FIELD_BITS = 3
FIELD_SLOTS = 1 << FIELD_BITS  # SQLite rowid = item_id * FIELD_SLOTS + field ("%" would clash with params)
CHUNK = 1000
OVERLAP = text.MAX_TERM - 1
MAX_POSITIONS = 255

Row = tuple[int, int, str]  # (item_id, field, normalised text)


# --- SQLite ----------------------------------------------------------------------------------------


class SQLiteIndex:
    vendor = "sqlite"

    def _remove_rows(self, cursor, rows: Iterable[tuple[int, str]]) -> None:
        cursor.executemany(
            "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES('delete', %s, %s)",
            [(rowid, " ".join(text.tokens(norm))) for rowid, norm in rows],
        )

    def delete_items(self, item_ids: Sequence[int]) -> None:
        if not item_ids:
            return
        marks = ",".join(["%s"] * len(item_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, norm FROM search_searchchunk WHERE item_id IN ({marks})", list(item_ids)
            )
            self._remove_rows(cursor, cursor.fetchall())
            cursor.execute(f"DELETE FROM search_searchchunk WHERE item_id IN ({marks})", list(item_ids))

    def add(self, rows: Sequence[Row]) -> None:
        rows = [row for row in rows if row[2]]
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_searchchunk (id, item_id, field, seq, norm) VALUES (%s, %s, %s, 0, %s)",
                [(item_id * FIELD_SLOTS + field, item_id, field, norm) for item_id, field, norm in rows],
            )
            cursor.executemany(
                "INSERT INTO search_fts(rowid, tokens) VALUES (%s, %s)",
                [
                    (item_id * FIELD_SLOTS + field, " ".join(text.tokens(norm)))
                    for item_id, field, norm in rows
                ],
            )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
            cursor.execute("DELETE FROM search_searchchunk")

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")

    def term_hits_sql(self, term: str) -> tuple[str, list]:
        """SQL selecting (item_id, field) for every field containing ``term`` (normalised)."""
        match = f'"{term}"*' if len(term) == 1 else '"' + " ".join(text.term_tokens(term)) + '"'
        return (
            f"SELECT rowid >> {FIELD_BITS} AS item_id, rowid & {FIELD_SLOTS - 1} AS field "
            "FROM search_fts WHERE search_fts MATCH %s",
            [match],
        )


# --- PostgreSQL ------------------------------------------------------------------------------------


def _chunks(norm: str) -> list[str]:
    """Overlapping pieces of at most CHUNK characters, none with a bigram repeated > MAX_POSITIONS times."""
    if len(norm) <= CHUNK:
        pieces = [norm]
    else:
        step = CHUNK - OVERLAP
        pieces = [norm[start : start + CHUNK] for start in range(0, len(norm) - OVERLAP, step)]
    out: list[str] = []
    while pieces:
        piece = pieces.pop(0)
        if len(piece) > 2 * OVERLAP + 2 and max(Counter(text.tokens(piece)).values()) > MAX_POSITIONS:
            half = len(piece) // 2
            pieces[:0] = [piece[: half + OVERLAP], piece[half:]]
            continue
        out.append(piece)
    return out


def _tsvector_literal(norm: str) -> str:
    positions: dict[str, list[str]] = {}
    for position, token in enumerate(text.tokens(norm), 1):
        positions.setdefault(token, []).append(str(position))
    return " ".join(f"'{token}':{','.join(where)}" for token, where in positions.items())


class PostgresIndex:
    vendor = "postgresql"

    def delete_items(self, item_ids: Sequence[int]) -> None:
        if item_ids:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_searchchunk WHERE item_id = ANY(%s)", [list(item_ids)])

    def add(self, rows: Sequence[Row]) -> None:
        values = []
        for item_id, field, norm in rows:
            for seq, piece in enumerate(_chunks(norm) if norm else []):
                values.append((item_id, field, seq, _tsvector_literal(piece)))
        if values:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO search_searchchunk (item_id, field, seq, norm, vector) "
                    "VALUES (%s, %s, %s, '', %s::tsvector)",
                    values,
                )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE search_searchchunk")

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchchunk")

    def term_hits_sql(self, term: str) -> tuple[str, list]:
        if len(term) == 1:
            query = f"'{term}':*"
        else:
            query = " <-> ".join(f"'{token}'" for token in text.term_tokens(term))
        return "SELECT item_id, field FROM search_searchchunk WHERE vector @@ %s::tsquery", [query]


def current() -> SQLiteIndex | PostgresIndex:
    if connection.vendor == "postgresql":
        return PostgresIndex()
    return SQLiteIndex()
