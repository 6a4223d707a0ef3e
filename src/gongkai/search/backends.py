"""The two index backends: SQLite FTS5 and PostgreSQL tsvector + GIN.

Both store the same tokens (text.tokens) and answer the same question — which (item, field) pairs contain
a term — so that search gives the same results on both; the differences are storage details:

- SQLite: a contentless FTS5 table, one row per (item, field) with rowid ``item_id * 8 + field``; FTS5
  keeps every position, so a phrase of bigrams is matched exactly however long the field is.
- PostgreSQL: one row per (item, field) too, with the set of tokens as a GIN-indexed tsvector (made by
  ``array_to_tsvector`` and queried with tsquery literals, so no text-search configuration or locale plays
  a part) in a narrow table of its own, and the normalised text to confirm longer terms with ``strpos``
  (tsvector positions are capped at 16,383 and 256 per lexeme, so they cannot be used for exact phrases in
  long documents).

A search asks each backend for the ``item_id * 8 + field`` codes of the fields containing a term, as one
array (``term_codes``: one aggregated value, not a row per match, so that a term found in 100,000 fields
costs milliseconds), and does the rest in process (columns.py, query.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from django.db import connection

from . import text

FIELD_BITS = 3
FIELD_SLOTS = 1 << FIELD_BITS  # SQLite rowid = item_id * FIELD_SLOTS + field ("%" would clash with params)

Row = tuple[int, int, str]  # (item_id, field, normalised text)
NO_CODES = np.zeros(0, dtype=np.int64)
# Day numbers (date.toordinal()) of the SearchEntry dates, and the number standing for "no date".
NO_DAY = np.iinfo(np.int32).max


# --- SQLite ----------------------------------------------------------------------------------------


class SQLiteIndex:
    vendor = "sqlite"

    def _remove_rows(self, cursor, rows: Iterable[tuple[int, str]]) -> None:
        cursor.executemany(
            "INSERT INTO search_fts(search_fts, rowid, tokens) VALUES('delete', %s, %s)",
            [(rowid, text.tokens_text(norm)) for rowid, norm in rows],
        )

    def delete_items(self, item_ids: Sequence[int]) -> None:
        if not item_ids:
            return
        marks = ",".join(["%s"] * len(item_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, norm FROM search_searchtext WHERE item_id IN ({marks})", list(item_ids)
            )
            self._remove_rows(cursor, cursor.fetchall())
            cursor.execute(f"DELETE FROM search_searchtext WHERE item_id IN ({marks})", list(item_ids))

    def add(self, rows: Sequence[Row]) -> None:
        rows = [row for row in rows if row[2]]
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_searchtext (id, item_id, field, norm) VALUES (%s, %s, %s, %s)",
                [(item_id * FIELD_SLOTS + field, item_id, field, norm) for item_id, field, norm in rows],
            )
            cursor.executemany(
                "INSERT INTO search_fts(rowid, tokens) VALUES (%s, %s)",
                [(item_id * FIELD_SLOTS + field, text.tokens_text(norm)) for item_id, field, norm in rows],
            )

    def bulk_add(self, rows: Sequence[Row]) -> None:
        """During a rebuild: only the text rows; ``finish_bulk`` indexes them all in one statement.

        Filling FTS5 in one pass, apart from the reads of the items, is 3× faster than interleaving."""
        rows = [row for row in rows if row[2]]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO search_searchtext (id, item_id, field, norm) VALUES (%s, %s, %s, %s)",
                    [(item_id * FIELD_SLOTS + field, item_id, field, norm) for item_id, field, norm in rows],
                )

    def finish_bulk(self) -> None:
        # gongkai_tokens() is registered on every SQLite connection (register_sqlite_functions).
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_fts(rowid, tokens) SELECT id, gongkai_tokens(norm) FROM search_searchtext ORDER BY id"
            )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
            cursor.execute("DELETE FROM search_searchtext")
            # A bulk load: merge segments once at the end (optimize), not while inserting, and give
            # SQLite a bigger page cache meanwhile (FTS5 reads its segments back when it merges).
            cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES('automerge', 0)")
            cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES('crisismerge', 64)")
            cursor.execute("PRAGMA cache_size")
            self._cache_size = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size=-131072")

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
            cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES('automerge', 4)")
            cursor.execute("INSERT INTO search_fts(search_fts, rank) VALUES('crisismerge', 16)")
            if getattr(self, "_cache_size", None) is not None:
                cursor.execute(f"PRAGMA cache_size={int(self._cache_size)}")

    @staticmethod
    def _match(term: str) -> str:
        return f'"{term}"*' if len(term) == 1 else '"' + " ".join(text.term_tokens(term)) + '"'

    def term_hits_sql(self, term: str) -> tuple[str, list]:
        """SQL selecting (item_id, field) for every field containing ``term`` (normalised)."""
        return (
            f"SELECT rowid >> {FIELD_BITS} AS item_id, rowid & {FIELD_SLOTS - 1} AS field "
            "FROM search_fts WHERE search_fts MATCH %s",
            [self._match(term)],
        )

    def term_codes(self, term: str) -> np.ndarray:
        """``item_id * 8 + field`` of every field containing ``term``: the FTS5 rowids, as one string
        (group_concat in C, parsed by numpy in C: ~0.1 µs a match instead of a Python row each)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT group_concat(rowid) FROM search_fts WHERE search_fts MATCH %s", [self._match(term)]
            )
            value = cursor.fetchone()[0]
        return np.fromstring(value, dtype=np.int64, sep=",") if value else NO_CODES

    @staticmethod
    def day_sql(column: str) -> str:
        """``column`` (a DATE, stored as 'YYYY-MM-DD') as its day number, NO_DAY for NULL."""
        return f"COALESCE(CAST(julianday({column}) - 1721424.5 AS INTEGER), {NO_DAY})"


# --- PostgreSQL ------------------------------------------------------------------------------------


class PostgresIndex:
    """Two tables, one row per (item, field) in each:

    - ``search_vector (code = item_id * 8 + field, vector)``: the *set* of the field's tokens as a
      GIN-indexed tsvector (no positions, so none of tsvector's limits on positions apply), built
      server-side from the token string. Kept apart from the text so that its rows are narrow: a term
      found in most fields reads the rows the GIN index points to (it gives row addresses, not codes),
      and narrow rows are fewer pages to read.
    - ``search_searchtext (id, item_id, field, norm)``: the normalised text.

    A term of one or two characters is a single token, matched exactly by the GIN index; a longer term is
    the AND of its bigrams (GIN) confirmed by ``strpos`` on ``norm``, which is exactly "the term is a
    substring" — the same rule as the SQLite phrase query."""

    vendor = "postgresql"

    def delete_items(self, item_ids: Sequence[int]) -> None:
        if item_ids:
            codes = [item_id * FIELD_SLOTS + slot for item_id in item_ids for slot in range(FIELD_SLOTS)]
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_vector WHERE code = ANY(%s)", [codes])
                cursor.execute("DELETE FROM search_searchtext WHERE item_id = ANY(%s)", [list(item_ids)])

    def add(self, rows: Sequence[Row]) -> None:
        rows = [row for row in rows if row[2]]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO search_searchtext (item_id, field, norm) VALUES (%s, %s, %s)", rows
                )
                cursor.executemany(
                    "INSERT INTO search_vector (code, vector) "
                    "VALUES (%s, array_to_tsvector(string_to_array(%s, ' ')))",
                    [
                        (item_id * FIELD_SLOTS + field, text.tokens_text(norm))
                        for item_id, field, norm in rows
                    ],
                )

    def bulk_add(self, rows: Sequence[Row]) -> None:
        self.add(rows)

    def finish_bulk(self) -> None:
        pass

    def clear(self) -> None:
        """Empty the index for a rebuild. DELETE, not TRUNCATE: searches keep reading the old rows until
        the rebuild commits, instead of waiting for it. GIN insertions are batched meanwhile."""
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("DELETE FROM search_vector")
            cursor.execute("DELETE FROM search_searchtext")

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            # Move the batched insertions into the GIN tree now (searches would scan the pending list).
            cursor.execute("SELECT gin_clean_pending_list('search_vector_gin'::regclass)")
            cursor.execute("ANALYZE search_vector")
            cursor.execute("ANALYZE search_searchtext")

    def _codes_sql(self, term: str) -> tuple[str, list]:
        """SQL selecting ``code`` for every field containing ``term``."""
        if len(term) == 1:
            return "SELECT code FROM search_vector WHERE vector @@ %s::tsquery", [f"'{term}':*"]
        query = " & ".join(f"'{token}'" for token in dict.fromkeys(text.term_tokens(term)))
        if len(term) == 2:
            return "SELECT code FROM search_vector WHERE vector @@ %s::tsquery", [query]
        return (
            "SELECT v.code FROM search_vector v JOIN search_searchtext t "
            f"ON t.item_id = v.code >> {FIELD_BITS} AND t.field = v.code & {FIELD_SLOTS - 1} "
            "WHERE v.vector @@ %s::tsquery AND strpos(t.norm, %s) > 0",
            [query, term],
        )

    def term_hits_sql(self, term: str) -> tuple[str, list]:
        sql, params = self._codes_sql(term)
        return (
            f"SELECT c.code >> {FIELD_BITS} AS item_id, c.code & {FIELD_SLOTS - 1} AS field FROM ({sql}) c",
            params,
        )

    def term_codes(self, term: str) -> np.ndarray:
        """``item_id * 8 + field`` of every field containing ``term``, as one bytea of big-endian int8s
        (one value to transfer and convert, whatever the number of matches)."""
        sql, params = self._codes_sql(term)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT string_agg(int8send(c.code), ''::bytea) FROM ({sql}) c", params)
            value = cursor.fetchone()[0]
        return np.frombuffer(value, dtype=">i8").astype(np.int64) if value else NO_CODES

    @staticmethod
    def day_sql(column: str) -> str:
        return f"COALESCE({column} - DATE '0001-01-01' + 1, {NO_DAY})"


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: the SQL function a rebuild uses to tokenise inside SQLite.

    Registered when the connection opens: SQLite refuses to add a function while statements are active."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("gongkai_tokens", 1, text.tokens_text, deterministic=True)


def current() -> SQLiteIndex | PostgresIndex:
    if connection.vendor == "postgresql":
        return PostgresIndex()
    return SQLiteIndex()
