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

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from django.db import connection

from . import postings, text

FIELD_BITS = 3
FIELD_SLOTS = 1 << FIELD_BITS  # SQLite rowid = item_id * FIELD_SLOTS + field ("%" would clash with params)

Row = tuple[int, int, str]  # (item_id, field, normalised text)
NO_CODES = np.zeros(0, dtype=np.int64)
# Day numbers (date.toordinal()) of the SearchEntry dates, and the number standing for "no date".
NO_DAY = np.iinfo(np.int32).max


# --- SQLite ----------------------------------------------------------------------------------------


class SQLiteIndex:
    vendor = "sqlite"
    MERGE_AT = 1

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

    def delta_size(self) -> int:
        return 0  # FTS5 merges its own segments

    def merge(self) -> int:
        return 0

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

POSTING_TABLE = (
    'CREATE TABLE {name} (token text COLLATE "C" PRIMARY KEY, codes bytea NOT NULL, occurrences bytea)'
)
# Stored out of line and uncompressed: read whole, as fast as possible (sorted integers compress poorly).
POSTING_STORAGE = (
    "ALTER TABLE {name} ALTER COLUMN codes SET STORAGE EXTERNAL, "
    "ALTER COLUMN occurrences SET STORAGE EXTERNAL"
)


class PostgresIndex:
    """Four tables (postings.py explains the design):

    - ``search_searchtext (id, item_id, field, norm)``: the normalised text of every indexed field, the
      source of everything else and the definition of a match (``strpos``);
    - ``search_posting (token, codes, occurrences)``: the *base*, posting lists built in one pass
      (``merge``) — a term is one or a few rows;
    - ``search_vector (code = item_id * 8 + field, vector)``: the *delta*, fields indexed since the base was
      built, as GIN-indexed sets of tokens (``array_to_tsvector``: no text-search configuration or locale
      plays a part), confirmed by ``strpos`` for terms of three or more characters;
    - ``search_stale (item_id)``: items indexed again or removed since the base was built, whose base
      postings no longer count.

    The matches of a term are its base codes less those of stale items, plus its delta codes. ``merge``
    (after a rebuild, every night, and when the delta grows past ``MERGE_AT`` fields) folds the delta into
    a new base, swapped in whole in the transaction that empties the delta."""

    vendor = "postgresql"
    MERGE_AT = 5000  # delta fields (or stale items) beyond which the ten-minute job merges

    def delete_items(self, item_ids: Sequence[int]) -> None:
        if item_ids:
            codes = [item_id * FIELD_SLOTS + slot for item_id in item_ids for slot in range(FIELD_SLOTS)]
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO search_stale (item_id) SELECT unnest(%s::int[]) ON CONFLICT DO NOTHING",
                    [list(item_ids)],
                )
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
        """During a rebuild: only the text; ``finish_bulk`` builds the base from it."""
        rows = [row for row in rows if row[2]]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO search_searchtext (item_id, field, norm) VALUES (%s, %s, %s)", rows
                )

    def finish_bulk(self) -> None:
        self.merge()

    def clear(self) -> None:
        """Empty the index for a rebuild. DELETE, not TRUNCATE: searches keep reading the old rows until
        the rebuild commits, instead of waiting for it."""
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_vector")
            cursor.execute("DELETE FROM search_stale")
            cursor.execute("DELETE FROM search_searchtext")

    def optimize(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_vector")
            cursor.execute("ANALYZE search_searchtext")

    def delta_size(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT GREATEST((SELECT count(*) FROM search_vector), (SELECT count(*) FROM search_stale))"
            )
            return cursor.fetchone()[0]

    def merge(self) -> int:
        """Build the base again from all of ``search_searchtext`` and empty the delta; returns the number
        of tokens. Call inside a transaction that holds the index generation row (index.merge), so that no
        update interleaves. The new base is written to a table of its own and renamed into place at the
        end: searches meanwhile read the old one and wait only for the swap."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(pg_total_relation_size('search_searchtext'), 0) / 3"
            )  # about 3 bytes a character of Chinese text: only decides how the build is partitioned
            characters = cursor.fetchone()[0]
            cursor.execute("DROP TABLE IF EXISTS search_posting_next")
            cursor.execute(POSTING_TABLE.format(name="search_posting_next"))
            cursor.execute(POSTING_STORAGE.format(name="search_posting_next"))
            tokens = 0
            # All the text is read (and the server-side cursor closed) before the COPY starts.
            built = postings.build(_text_rows(cursor.cursor.connection), characters=characters)
            with cursor.cursor.copy(
                "COPY search_posting_next (token, codes, occurrences) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["text", "bytea", "bytea"])
                for row in built:
                    copy.write_row(row)
                    tokens += 1
            cursor.execute("DROP TABLE search_posting")
            cursor.execute("ALTER TABLE search_posting_next RENAME TO search_posting")
            cursor.execute("ALTER INDEX search_posting_next_pkey RENAME TO search_posting_pkey")
            # TRUNCATE, not DELETE: a GIN index keeps pointing at deleted rows until a vacuum, and every
            # delta lookup would visit them. Its lock, like the swap's, is held only until the commit.
            cursor.execute("TRUNCATE search_vector, search_stale")
            cursor.execute("ANALYZE search_posting")
        return tokens

    def _delta_sql(self, term: str) -> tuple[str, list]:
        """SQL selecting ``code`` for every delta field containing ``term``."""
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
        """The reference: every field whose text contains ``term``, by the definition itself (a scan of
        the text, no index). For tests and the benchmark's check; searches use ``term_codes``."""
        return (
            "SELECT item_id, field FROM search_searchtext WHERE strpos(norm, %s) > 0",
            [term],
        )

    def term_codes(self, term: str) -> np.ndarray:
        """``item_id * 8 + field`` of every field containing ``term``: base less stale, plus delta.

        Read in binary (psycopg's ``binary=True``): a bytea of half a megabyte in the text format is a
        megabyte of hex to make and parse, 4–5× the time."""
        delta_sql, delta_params = self._delta_sql(term)
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own, for binary results

            def fetch(sql: str, params: list) -> list[tuple]:
                cursor.execute(sql, params, binary=True)
                return cursor.fetchall()

            # The delta's codes and the stale items come with the first read of the postings (one round
            # trip less): uncorrelated subqueries, evaluated once whatever the number of rows.
            extra = {
                "sql": (
                    f", (SELECT string_agg(int8send(d.code), ''::bytea) FROM ({delta_sql}) d), "
                    "(SELECT string_agg(int4send(item_id), ''::bytea) FROM search_stale)"
                ),
                "params": delta_params,
                "delta": None,
                "stale": None,
            }

            def fetch_postings(columns: str, tokens: list[str]) -> list[tuple]:
                sql, params = extra.pop("sql", ""), extra.pop("params", [])
                rows = fetch(
                    f"SELECT t.token, {columns}{sql} FROM unnest(%s::text[]) t(token) "
                    "LEFT JOIN search_posting p ON p.token = t.token",
                    [*params, tokens],  # the subqueries' placeholders come first in the text
                )
                if sql:
                    extra["delta"], extra["stale"] = rows[0][-2:] if rows else (None, None)
                    rows = [row[:-2] for row in rows]
                return [row for row in rows if row[1] is not None]

            def load_sizes(tokens: list[str]) -> dict[str, tuple[int, int]]:
                # octet_length of an uncompressed out-of-line value is read from its pointer
                rows = fetch_postings(
                    "octet_length(p.codes), COALESCE(octet_length(p.occurrences), 0)", tokens
                )
                return {token: (codes, occurrences) for token, codes, occurrences in rows}

            def load_codes(tokens: list[str]) -> dict[str, np.ndarray]:
                return {token: postings.codes_of(value) for token, value in fetch_postings("p.codes", tokens)}

            def load_positions(tokens: list[str]) -> dict[str, bytes]:
                rows = fetch("SELECT token, occurrences FROM search_posting WHERE token = ANY(%s)", [tokens])
                return dict(rows)

            def confirm(term: str, among: np.ndarray) -> list[int]:
                codes = among.astype(np.int64)
                rows = fetch(
                    f"SELECT item_id * {FIELD_SLOTS} + field FROM search_searchtext "
                    f"WHERE item_id = ANY(%s) AND item_id * {FIELD_SLOTS} + field = ANY(%s) "
                    "AND strpos(norm, %s) > 0",
                    [np.unique(codes >> FIELD_BITS).tolist(), codes.tolist(), term],
                )
                return [code for (code,) in rows]

            base = postings.match(term, load_sizes, load_codes, load_positions, confirm).astype(np.int64)
            if "sql" in extra:  # no posting was read (cannot happen today): read the delta on its own
                fetch_postings("p.codes", [""])  # one row, no such token
        delta, stale = extra["delta"], extra["stale"]
        if stale and base.size:
            stale_ids = np.frombuffer(stale, dtype=">i4").astype(np.int64)
            base = base[~np.isin(base >> FIELD_BITS, stale_ids)]
        if not delta:
            return base
        return np.concatenate((base, np.frombuffer(delta, dtype=">i8").astype(np.int64)))

    @staticmethod
    def day_sql(column: str) -> str:
        return f"COALESCE({column} - DATE '0001-01-01' + 1, {NO_DAY})"


def _text_rows(connection_) -> Iterator[tuple[int, str]]:
    """Every (code, norm) of search_searchtext in code order, through a server-side cursor."""
    with connection_.cursor(name="gongkai_search_text") as cursor:
        cursor.itersize = 2000
        cursor.execute(
            f"SELECT item_id * {FIELD_SLOTS} + field, norm FROM search_searchtext WHERE norm <> '' "
            "ORDER BY item_id, field"
        )
        yield from cursor


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: the SQL function a rebuild uses to tokenise inside SQLite.

    Registered when the connection opens: SQLite refuses to add a function while statements are active."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("gongkai_tokens", 1, text.tokens_text, deterministic=True)


def current() -> SQLiteIndex | PostgresIndex:
    if connection.vendor == "postgresql":
        return PostgresIndex()
    return SQLiteIndex()
