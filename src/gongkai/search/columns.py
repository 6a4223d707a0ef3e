"""An in-process, columnar copy of the SearchEntry rows: what search filters, counts, orders and pages by.

A broad query matches most of the items; joining its matches with SearchEntry in SQL and grouping them
cost ~1 µs per match per pass (twice: once for the facets, once for the page). Here the rows live in numpy
arrays, one per column, loaded once per process, so those passes are vectorised over the matches.

- Positions: the rows are kept in ``(published_at, item_id)`` order as the database sorts them, so a
  row's position is its rank by date: "newest first, then highest id" is "highest position first", with
  no conversion of timestamps (and exactly the database's own order on either backend).
- Freshness: ``current()`` reads the token of IndexGeneration (one query), which the indexer changes in
  the same transaction as every change of the index, and reloads the copy when the token differs. The
  token is read *before* the rows, so a copy is never labelled newer than it is. The copy cannot show
  anything by itself anyway: the page shown is read from the published items (portal.selectors.search).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from django.db import connection

from . import backends

NO_ID = -1  # a NULL catalogue entry or topic

# Item ids are looked up in a direct table (item id -> position) unless the largest id exceeds
# SLACK * rows + BASE (very sparse ids), in which case by binary search.
DIRECT_LOOKUP_SLACK = 4
DIRECT_LOOKUP_BASE = 1 << 20


@dataclass(frozen=True)
class Dimension:
    """One facet column: per position, the index (``codes``) of its value in ``values`` (sorted)."""

    codes: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, column: np.ndarray) -> Dimension:
        values, codes = np.unique(column, return_inverse=True)
        return cls(codes.astype(np.int32).ravel(), values)

    def allows(self, wanted) -> np.ndarray:
        """Per code: whether its value is one of ``wanted``."""
        return np.isin(self.values, np.fromiter((int(w) for w in wanted), dtype=np.int64))

    def counts(self, positions: np.ndarray) -> dict[int, int]:
        """How many of ``positions`` have each value (values with none and NULL left out)."""
        tally = np.bincount(self.codes[positions], minlength=len(self.values))
        return {
            int(self.values[code]): int(tally[code])
            for code in np.flatnonzero(tally)
            if self.values[code] != NO_ID
        }


@dataclass(frozen=True)
class Columns:
    token: int | None  # the IndexGeneration token this copy was loaded under
    item_ids: np.ndarray  # int64, by position
    organization: Dimension
    year: Dimension
    entry: Dimension
    topic: Dimension
    abolished: np.ndarray  # int32 day numbers (date.toordinal()), backends.NO_DAY for none
    expires: np.ndarray
    lookup: np.ndarray  # item id -> position (-1 if absent), or, when ids are sparse, positions by id
    sorted_ids: np.ndarray | None  # the ids in ascending order when ``lookup`` is by binary search

    @property
    def size(self) -> int:
        return len(self.item_ids)

    def positions(self, item_ids: np.ndarray) -> np.ndarray:
        """The position of each of ``item_ids``, -1 for ids not in the copy."""
        if self.sorted_ids is not None:
            if not len(self.sorted_ids):
                return np.full(len(item_ids), -1, dtype=np.int64)
            at = np.minimum(np.searchsorted(self.sorted_ids, item_ids), len(self.sorted_ids) - 1)
            return np.where(self.sorted_ids[at] == item_ids, self.lookup[at], -1)
        if len(item_ids) and item_ids.min() >= 0 and item_ids.max() < len(self.lookup):
            return self.lookup[item_ids]
        out = np.full(len(item_ids), -1, dtype=self.lookup.dtype)
        inside = (item_ids >= 0) & (item_ids < len(self.lookup))
        out[inside] = self.lookup[item_ids[inside]]
        return out

    def validity(self, positions: np.ndarray, today: int) -> np.ndarray:
        """Per position: 0 valid, 1 abolished, 2 expired on day number ``today`` (the same rule as
        query.VALIDITY and InformationItem.validity_on: abolished wins over expired)."""
        abolished = self.abolished[positions] <= today
        expired = ~abolished & (self.expires[positions] <= today)
        return abolished.astype(np.int8) + 2 * expired.astype(np.int8)


ENTRY_COLUMNS = (
    "item_id",
    "organization_id",
    "year",
    f"COALESCE(catalogue_entry_id, {NO_ID})",
    f"COALESCE(topic_id, {NO_ID})",
)


def load(token: int | None = None) -> Columns:
    """Read every SearchEntry row into a new copy (a few hundred milliseconds for 100,000 rows)."""
    index = backends.current()
    columns = [*ENTRY_COLUMNS, index.day_sql("abolished_on"), index.day_sql("expires_on")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM search_searchentry ORDER BY published_at, item_id"  # noqa: S608
        )
        rows = cursor.fetchall()
    width = len(columns)
    table = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width)
    table = table.reshape(len(rows), width)
    item_ids = np.ascontiguousarray(table[:, 0])
    size = len(item_ids)
    max_id = int(item_ids.max()) if size else 0
    if max_id <= DIRECT_LOOKUP_SLACK * size + DIRECT_LOOKUP_BASE:
        lookup = np.full(max_id + 1, -1, dtype=np.int32)
        lookup[item_ids] = np.arange(size, dtype=np.int32)
        sorted_ids = None
    else:  # very sparse ids: a direct table would be mostly empty
        lookup = np.argsort(item_ids, kind="stable").astype(np.int32)
        sorted_ids = item_ids[lookup]
    return Columns(
        token=token,
        item_ids=item_ids,
        organization=Dimension.of(table[:, 1]),
        year=Dimension.of(table[:, 2]),
        entry=Dimension.of(table[:, 3]),
        topic=Dimension.of(table[:, 4]),
        abolished=table[:, 5].astype(np.int32),
        expires=table[:, 6].astype(np.int32),
        lookup=lookup,
        sorted_ids=sorted_ids,
    )


def generation() -> int | None:
    """The committed (or, inside a transaction, this transaction's) token of the index; None when the
    row is missing (only after a test database flush), in which case every search reloads."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM search_indexgeneration WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else int(row[0])


_copies: dict[tuple[str, str], Columns] = {}


def current() -> Columns:
    """This process's copy for the default connection's database, reloaded if the index has changed."""
    key = (connection.alias, str(connection.settings_dict.get("NAME")))
    token = generation()
    copy = _copies.get(key)
    if copy is None or token is None or copy.token != token:
        copy = load(token)
        _copies[key] = copy
    return copy
