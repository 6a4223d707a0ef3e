"""Near-duplicates: which recent mention a new text repeats (a repost, rewritten or not).

Exact duplicates (the same normalised URL, the same platform record, the same content) are found by the
pipeline with indexed lookups; this module finds the rewritten ones. A mention's signature
(`text.signature`: 128 MinHash values of its character 3-grams) is compared with the signatures of the
organisation's mentions of the last `WINDOW_DAYS` days through locality-sensitive hashing: the first 126
values form 42 bands of 3; two texts become candidates when one band is equal, which happens with
probability 1 − (1 − J³)⁴² for Jaccard similarity J (0.98 at J = 0.45, 0.94 at 0.4, 0.04 at 0.1). A
candidate is a duplicate when its estimated similarity (share of the 128 values that agree) reaches
`THRESHOLD`, chosen on the labelled set of `bench/concerns.py` (curve in bench/RESULTS.md).

The index of an organisation's recent signatures is kept in the process between batches. It only ever
holds rows read from the database, and rows read during a batch join it after that batch's transaction
commits (`transaction.on_commit`), so a rolled-back batch leaves nothing behind. Each batch reads the
rows added since (by primary key: batches of one organisation are serialised by the pipeline, so keys
grow in commit order) and, in the same query, checks that the newest row it knows is still there with
the same content, reloading everything otherwise.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from . import text

__all__ = ["THRESHOLD", "WINDOW_DAYS", "IndexView", "SignatureIndex", "clear", "forget", "recent_index"]

THRESHOLD = 0.45
WINDOW_DAYS = 30
MAX_INDEXED = 20_000  # mentions per organisation kept in memory (the most recent)
ROWS = 3
BANDS = text.BINS // ROWS  # 42 bands of 3 values (126 of the 128)
_BAND_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BAND_SALT = np.arange(BANDS, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)


def band_keys(signature: np.ndarray) -> list[int]:
    """One integer per band (the band's number is mixed in, so equal values in two bands differ)."""
    rows = signature[: BANDS * ROWS].reshape(BANDS, ROWS).astype(np.uint64)
    return ((rows * _BAND_MULTIPLIERS).sum(axis=1, dtype=np.uint64) ^ _BAND_SALT).tolist()


@dataclass
class Indexed:
    signature: np.ndarray
    content_hash: str
    detected_at: datetime.datetime
    bands: list[int]


class SignatureIndex:
    """Signatures under integer keys (mention ids), with LSH buckets."""

    def __init__(self) -> None:
        self.entries: dict[int, Indexed] = {}
        self.buckets: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, key: int, signature: np.ndarray, content_hash: str, detected_at: datetime.datetime) -> None:
        if key not in self.entries:
            self.add_entry(key, Indexed(signature, content_hash, detected_at, band_keys(signature)))

    def add_entry(self, key: int, entry: Indexed) -> None:
        if key in self.entries:
            return
        self.entries[key] = entry
        buckets = self.buckets
        for band in entry.bands:
            bucket = buckets.get(band)
            if bucket is None:
                buckets[band] = [key]
            else:
                bucket.append(key)

    def remove(self, key: int) -> None:
        entry = self.entries.pop(key, None)
        if entry is None:
            return
        for band in entry.bands:
            bucket = self.buckets.get(band)
            if bucket is not None:
                bucket.remove(key)
                if not bucket:
                    del self.buckets[band]

    def candidates(self, bands: list[int]) -> set[int]:
        found: set[int] = set()
        buckets = self.buckets
        for band in bands:
            bucket = buckets.get(band)
            if bucket:
                found.update(bucket)
        return found

    def evict(self, *, before: datetime.datetime, keep: int) -> None:
        """Drop the oldest entries (in the order added) detected before `before`, and beyond `keep`.

        Entries are added in the order of their ids, which is nearly the order of detection: an old one
        left behind a newer one is dropped later; queries ignore entries outside the window anyway."""
        old = []
        excess = len(self.entries) - keep
        for key, entry in self.entries.items():
            if len(old) < excess or entry.detected_at < before:
                old.append(key)
            else:
                break
        for key in old:
            self.remove(key)


@dataclass
class _State:
    index: SignatureIndex = field(default_factory=SignatureIndex)
    max_pk: int = 0
    max_hash: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


_states: dict[int, _State] = {}
_states_lock = threading.Lock()


def clear() -> None:
    """Forget every organisation's index (tests, or after bulk changes to mentions)."""
    with _states_lock:
        _states.clear()


def forget(organization_id: int) -> None:
    with _states_lock:
        _states.pop(organization_id, None)


@dataclass
class Duplicate:
    key: int  # a mention id, or a negative key of a mention of the current batch
    similarity: float


class IndexView:
    """The index as one batch sees it: the cached rows, the rows read for this batch, the batch's own."""

    def __init__(self, organization_id: int, state: _State, fresh: SignatureIndex, since: datetime.datetime):
        self.organization_id = organization_id
        self._state = state
        self._fresh = fresh  # rows read from the database for this batch
        self._pending = SignatureIndex()  # the batch's own new mentions, under negative keys
        self._since = since

    def add_pending(self, key: int, signature: np.ndarray, detected_at: datetime.datetime) -> None:
        self._pending.add(key, signature, "", detected_at)

    def best(self, signature: np.ndarray, *, threshold: float = THRESHOLD) -> Duplicate | None:
        """The most similar indexed mention at or above `threshold` (ties: the oldest), else None."""
        bands = band_keys(signature)
        found: list[tuple[int, Indexed]] = []
        for index in (self._state.index, self._fresh, self._pending):
            if not index.entries:
                continue
            for key in index.candidates(bands):
                entry = index.entries[key]
                if entry.detected_at >= self._since or key < 0:
                    found.append((key, entry))
        if not found:
            return None
        matrix = np.stack([entry.signature for _key, entry in found])
        scores = np.count_nonzero(matrix == signature, axis=1) / text.BINS
        best_score = scores.max()
        if best_score < threshold:
            return None
        winners = [found[i][0] for i in np.flatnonzero(scores == best_score)]
        # Stored mentions first, oldest first; then the batch's own, earliest first.
        stored = [key for key in winners if key > 0]
        key = min(stored) if stored else max(winners)
        return Duplicate(key=key, similarity=round(float(best_score), 4))

    def content_hash_of(self, key: int) -> str:
        for index in (self._state.index, self._fresh):
            entry = index.entries.get(key)
            if entry is not None:
                return entry.content_hash
        return ""

    def remember_on_commit(self, stored: dict[int, tuple[int, str]]) -> None:
        """Once the batch commits, the rows read for it and the batch's own mentions join the cached
        index. `stored`: batch key → (mention id, content hash) of the mentions the batch stored. Under
        the pipeline's lock no other batch of the organisation ran since the rows were read, so after
        this the cache holds every row up to the newest id it knows."""
        fresh, pending, state, since = self._fresh, self._pending, self._state, self._since
        entries = dict(fresh.entries)
        for key, (pk, content_hash) in stored.items():
            entry = pending.entries.get(key)
            if entry is not None:
                entries[pk] = Indexed(entry.signature, content_hash, entry.detected_at, entry.bands)
        if not entries:
            return
        newest = max(entries)

        def merge() -> None:
            with state.lock:
                if newest <= state.max_pk:
                    return  # another batch of this process merged them already
                for key in sorted(entries):
                    state.index.add_entry(key, entries[key])
                state.max_pk, state.max_hash = newest, entries[newest].content_hash
                state.index.evict(before=since, keep=MAX_INDEXED)

        transaction.on_commit(merge)


def _read(organization_id: int, since: datetime.datetime, after: int) -> list[tuple]:
    """(pk, signature, content hash, detected_at) of the organisation's mentions after `after` detected
    since `since`, newest first, and the row `after` itself whatever its age (to check it is still there).

    Plain SQL (it runs at every batch; the ORM would take longer to build it than the database to answer):
    the table name is the only thing put into the text."""
    from django.db import connection

    from .models import Mention

    sql = (
        f"SELECT id, signature, content_hash, detected_at FROM {Mention._meta.db_table} "  # noqa: S608
        "WHERE organization_id = %s AND id >= %s AND signature IS NOT NULL AND (detected_at >= %s OR id = %s) "
        "ORDER BY id DESC LIMIT %s"
    )
    params = [organization_id, after, connection.ops.adapt_datetimefield_value(since), after, MAX_INDEXED + 1]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for pk, data, content_hash, detected_at in rows:
        if isinstance(detected_at, str):  # a backend without the converter
            detected_at = datetime.datetime.fromisoformat(detected_at)
        if detected_at.tzinfo is None:  # SQLite keeps UTC without the zone
            detected_at = detected_at.replace(tzinfo=datetime.UTC)
        found.append((pk, data, content_hash, detected_at))
    return found


def recent_index(organization_id: int, now: datetime.datetime) -> IndexView:
    """The organisation's signatures of the last `WINDOW_DAYS` days, for one batch (one query, or two when
    the cached index turns out to be out of date)."""
    since = now - datetime.timedelta(days=WINDOW_DAYS)
    with _states_lock:
        state = _states.get(organization_id)
        if state is None:
            state = _states[organization_id] = _State()
    rows = _read(organization_id, since, state.max_pk)
    if state.max_pk:
        known = [row for row in rows if row[0] == state.max_pk]
        if [row[2] for row in known] != [state.max_hash]:
            # The newest row the cache knows is gone or changed (a rolled-back batch, a deletion): reload.
            with _states_lock:
                state = _states[organization_id] = _State()
            rows = _read(organization_id, since, 0)
        else:
            rows = [row for row in rows if row[0] != state.max_pk]
    fresh = SignatureIndex()
    for pk, data, content_hash, detected_at in rows[:MAX_INDEXED]:
        values = text.signature_from_bytes(data)
        if values is not None:
            fresh.add(pk, values, content_hash, detected_at)
    return IndexView(organization_id, state, fresh, since)
