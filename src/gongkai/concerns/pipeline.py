"""From fetched or entered texts to mentions, cases and alerts (issue 6 items 2–3).

`ingest(organization, entries)` takes a batch of `Entry`s (from a source, the platform's own channels or a
person) and, in one transaction:

1. **Relevance** (`matching`): an entry is kept when one of the organisation's monitoring rules matches
   it; entries of the platform's own channels (error reports, consultation comments, messages) are
   addressed to the bureau already, so a category keyword is enough for them; ``force`` keeps everything
   (manual entry). Each kept entry is tagged with the key categories whose keywords occur in it.
2. **Exact duplicates**: an entry whose normalised URL (or platform record) is already stored, in this
   batch or before, is not stored again; nor is a text without link or record whose content is already
   stored. The same content under another link is stored (its spread counts), marked `duplicate_of` the
   first copy with similarity 1.
3. **Near duplicates** (`dedupe`): a rewritten repost of a mention of the last 30 days (or of an earlier
   entry of the batch) is marked `duplicate_of` that mention's original, with the estimated similarity.
4. **Grouping**: each new mention joins one case. A duplicate joins its original's case. Otherwise it
   joins the best case about the same matter among the open ones with a mention in the last
   `GROUP_WINDOW_DAYS` days and the closed ones still inside their watch window (joining those reopens
   them, R7), where "the same matter" means either
   (a) they share a venue, event or leader term, and a category keyword (what happened: 踩踏, 退票…) or
       wording (similarity ≥ `GROUP_SIMILARITY` with one of the case's recent mentions), or
   (b) they share any rule term and their wording is close (similarity ≥ `LOOSE_SIMILARITY`).
   The best case shares the most venue/event/leader terms, then keywords, then wording, then is the
   most recently active. Otherwise the mention opens a new case; later mentions of the same batch may
   join that new case, so a batch about one matter ends in one case.
5. **Burst**: the organisation's mentions of the last `Policy.burst_window_minutes` are counted against
   the average per window of the `Policy.burst_baseline_hours` before it; at least
   max(`burst_min_mentions`, `burst_factor` × baseline) raises an `Alert` (at most one per window),
   announced to the office editors and the 舆情 monitors.
6. One audit event for the batch (``concerns.mentions_ingested``) when it stored anything.

Batches of one organisation are serialised (a row lock on its `Policy`), so two sources polled at the same
time cannot store the same page twice or miss each other's reposts.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit

from . import dedupe, matching, services, text
from .constants import CaseStatus, Channel
from .entries import Entry
from .models import Alert, Case, Mention, Policy

MENTIONS = Mention._meta.db_table
ALERTS = Alert._meta.db_table

logger = logging.getLogger(__name__)

__all__ = [
    "GROUP_SIMILARITY",
    "GROUP_WINDOW_DAYS",
    "LOOSE_SIMILARITY",
    "PLATFORM_CHANNELS",
    "IngestResult",
    "clear_caches",
    "enter_manual",
    "ingest",
]

PLATFORM_CHANNELS = frozenset({Channel.ERROR_REPORT, Channel.COMMENT, Channel.MESSAGE})
CHANNELS = frozenset(Channel.values)
GROUP_WINDOW_DAYS = 14  # an open case whose last mention is older takes no new mentions by similarity
GROUP_SIMILARITY = 0.2
LOOSE_SIMILARITY = 0.4
PROFILE_SIGNATURES = 20  # a case's most recent signatures compared with a new mention

MAX_TITLE = 500
MAX_URL = 1000
MAX_AUTHOR = 200
MAX_TEXT = 200_000
SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024
SCREENSHOT_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def _select(sql: str, params: list) -> list[tuple]:
    """Rows of a hot read in plain SQL: these run once or twice per batch, where building the same
    query with the ORM costs several times what the database takes to answer it (bench/RESULTS.md).
    Only table names and placeholders are put into the SQL text, every value is a parameter; only
    numbers and text come back; datetimes go in through `_when`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _when(value: datetime.datetime):
    """A datetime as the database stores it (UTC text on SQLite)."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass
class IngestResult:
    """What a batch did.

    ``relevant``: entries kept by the rules (or forced); ``skipped``: entries dropped as irrelevant (or
    empty); ``duplicates``: relevant entries that repeat another — the exact copies that were not stored
    and the stored ones marked `duplicate_of`; ``created``: the mentions stored, each with its case.
    """

    created: list[Mention] = field(default_factory=list)
    relevant: int = 0
    duplicates: int = 0
    skipped: int = 0
    cases_opened: list[Case] = field(default_factory=list)
    cases_joined: list[Case] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class _Item:
    """One relevant entry on its way to becoming a mention."""

    key: int  # negative: its place in the batch
    entry: Entry
    title: str
    body: str
    url: str
    url_key: str
    origin_key: str
    content_hash: str
    match: matching.Match
    empty: bool = False  # a link with no text: its content says nothing about what it duplicates
    signature: np.ndarray | None = None
    duplicate_of: int | None = None  # a stored mention's pk, or the key of an earlier item of the batch
    similarity: float | None = None
    matched_case: int | None = None  # the case of the stored mention it duplicates
    batch_original: int | None = None  # the key of the batch item it duplicates
    mention: Mention | None = None


# --- ingest ------------------------------------------------------------------------------------------


def ingest(
    organization,
    entries: Iterable[Entry],
    *,
    source=None,
    now: datetime.datetime | None = None,
    force: bool = False,
    requested_by=None,
) -> IngestResult:
    """Match, de-duplicate, store and group a batch of entries for `organization` (see the module).
    ``requested_by``: the person who asked for this batch (立即巡查), named in its audit events and the cases
    it opens or reopens; the mentions themselves stay machine-collected (no 录入人)."""
    return _ingest(
        organization,
        list(entries),
        source=source,
        now=now or timezone.now(),
        force=force,
        requested_by=requested_by,
    )


def _clean(value, limit: int) -> str:
    value = "" if value is None else str(value)
    return value.replace("\x00", "").strip()[:limit]


def _aware(value):
    if value is None or not isinstance(value, datetime.datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _prepare(organization, entries: list[Entry], force: bool, result: IngestResult) -> list[_Item]:
    matcher = matching.matcher_for(organization)
    items = []
    for position, entry in enumerate(entries):
        if entry.channel not in CHANNELS:
            raise ValueError(f"unknown channel {entry.channel!r}")
        title = _clean(entry.title, MAX_TITLE)
        body = _clean(entry.text, MAX_TEXT)
        url = _clean(entry.url, MAX_URL)
        normalised = text.content(title, body)
        if not normalised and not url:
            result.skipped += 1
            continue
        # A title the platform wrote ("网民纠错(错别字)") says where a record came from, not what it says.
        labelled = bool(entry.extra.get("title_is_label")) if isinstance(entry.extra, dict) else False
        match = matcher.match(text.content("", body) if labelled else normalised)
        platform = entry.channel in PLATFORM_CHANNELS
        if not (match.relevant or force or (platform and match.categories)):
            result.skipped += 1
            continue
        result.relevant += 1
        origin_key = _clean(entry.origin_key, 80)
        items.append(
            _Item(
                key=-(position + 1),
                entry=entry,
                title=title,
                body=body,
                url=url,
                # A platform record names its page, which many records share: the record is the identity.
                url_key="" if origin_key else text.url_key(url),
                origin_key=origin_key,
                content_hash=text.content_hash(normalised),
                match=match,
                signature=text.signature(normalised),
                empty=not normalised,
            )
        )
    return items


def _existing(organization_id: int, items: list[_Item]) -> tuple[dict, dict, dict]:
    """Stored mentions sharing a URL key, an origin key or a content hash with the items: three maps
    value → (pk, duplicate_of_id, case_id) of the first one stored.

    One query per 300 items, written so that each branch uses its own index (SQLite's MULTI-INDEX OR):
    the partial unique indexes on (organisation, URL key) and (organisation, origin key) — hence the
    "not empty" terms, which the indexes' condition requires — and the content-hash index, whose branch
    leaves the organisation to Python (with it, SQLite would rather walk the organisation's index)."""
    by_url: dict[str, tuple] = {}
    by_origin: dict[str, tuple] = {}
    by_hash: dict[str, tuple] = {}
    for start in range(0, len(items), 300):
        chunk = items[start : start + 300]
        urls = sorted({i.url_key for i in chunk if i.url_key})
        origins = sorted({i.origin_key for i in chunk if i.origin_key})
        hashes = sorted({i.content_hash for i in chunk if not i.empty})
        branches, params = [], []
        if hashes:
            branches.append(f"content_hash IN ({_marks(hashes)})")
            params += hashes
        if urls:
            branches.append(f"(organization_id = %s AND url_key IN ({_marks(urls)}) AND NOT (url_key = ''))")
            params += [organization_id, *urls]
        if origins:
            branches.append(
                f"(organization_id = %s AND origin_key IN ({_marks(origins)}) AND NOT (origin_key = ''))"
            )
            params += [organization_id, *origins]
        if not branches:
            continue
        rows = _select(
            "SELECT id, organization_id, url_key, origin_key, content_hash, duplicate_of_id, case_id "  # noqa: S608
            f"FROM {MENTIONS} WHERE {' OR '.join(branches)}",
            params,
        )
        for pk, org_id, url_key, origin_key, content_hash, duplicate_of_id, case_id in sorted(rows):
            if org_id != organization_id:
                continue
            row = (pk, duplicate_of_id, case_id)
            if url_key in urls:
                by_url.setdefault(url_key, row)
            if origin_key in origins:
                by_origin.setdefault(origin_key, row)
            if content_hash in hashes:
                by_hash.setdefault(content_hash, row)
    return by_url, by_origin, by_hash


def _ingest(
    organization,
    entries: list[Entry],
    *,
    source=None,
    now: datetime.datetime,
    force: bool = False,
    actor=None,
    audited: bool = True,
    requested_by=None,
) -> IngestResult:
    """``actor`` enters the mentions by hand (their 录入人); ``requested_by`` only asked for the batch.
    Either is the actor of the batch's events."""
    event_actor = actor or requested_by
    result = IngestResult()
    if not entries:
        return result
    items = _prepare(organization, entries, force, result)
    if not items:
        return result
    with transaction.atomic():
        policy = _lock_policy(organization)
        kept, view = _deduplicate(organization.pk, items, now, result)
        if not kept:
            return result
        _store(organization, kept, source=source, now=now, actor=actor, result=result)
        view.remember_on_commit(
            {item.key: (item.mention.pk, item.content_hash) for item in kept if item.mention is not None}
        )
        _group(
            organization,
            [item for item in kept if item.mention is not None],
            now=now,
            actor=event_actor,
            result=result,
        )
        if result.created:
            alert = _check_burst(organization, policy, now)
            if alert is not None:
                result.alerts.append(alert)
            if audited:
                audit.record(
                    action="concerns.mentions_ingested",
                    actor=event_actor,
                    target=source,
                    organization=organization,
                    data={
                        "source": getattr(source, "pk", None),
                        "relevant": result.relevant,
                        "created": len(result.created),
                        "duplicates": result.duplicates,
                        "skipped": result.skipped,
                        "cases_opened": [case.pk for case in result.cases_opened],
                        "cases_joined": [case.pk for case in result.cases_joined],
                        "alerts": [alert.pk for alert in result.alerts],
                    },
                )
    return result


def _lock_policy(organization) -> Policy:
    """The organisation's policy (its burst settings), its row locked until the batch commits: batches of
    one organisation run one after the other (on SQLite the write transaction does it already)."""
    from django.db import connection

    sql = (
        f"SELECT id, burst_window_minutes, burst_baseline_hours, burst_factor, burst_min_mentions "  # noqa: S608
        f"FROM {Policy._meta.db_table} WHERE organization_id = %s"
    )
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    rows = _select(sql, [organization.pk])
    if not rows:
        services.policy_for(organization)  # created with the defaults when first needed
        rows = _select(sql, [organization.pk])
    pk, window, span, factor, minimum = rows[0]
    return Policy(
        pk=pk,
        organization_id=organization.pk,
        burst_window_minutes=window,
        burst_baseline_hours=span,
        burst_factor=factor,
        burst_min_mentions=minimum,
    )


# --- duplicates --------------------------------------------------------------------------------------


def _deduplicate(
    organization_id: int, items: list[_Item], now: datetime.datetime, result: IngestResult
) -> tuple[list[_Item], dedupe.IndexView]:
    """Drop exact copies; mark the others' `duplicate_of`. Returns the items to store, in batch order,
    and the index the batch used."""
    by_url, by_origin, by_hash = _existing(organization_id, items)
    view = dedupe.recent_index(organization_id, now)
    seen_urls: set[str] = set()
    seen_origins: set[str] = set()
    batch_hash: dict[str, _Item] = {}
    by_key: dict[int, _Item] = {}
    kept: list[_Item] = []
    for item in items:
        if (item.url_key and (item.url_key in by_url or item.url_key in seen_urls)) or (
            item.origin_key and (item.origin_key in by_origin or item.origin_key in seen_origins)
        ):
            result.duplicates += 1
            continue
        anonymous = not item.url_key and not item.origin_key
        stored = None if item.empty else by_hash.get(item.content_hash)
        earlier = None if item.empty else batch_hash.get(item.content_hash)
        if anonymous and (stored or earlier):
            result.duplicates += 1  # nothing but the text to tell them apart: the same mention
            continue
        if stored is not None:
            pk, root, case_id = stored
            item.duplicate_of, item.similarity, item.matched_case = root or pk, 1.0, case_id
        elif earlier is not None:
            _copy_of(item, earlier, 1.0)
        elif item.signature is not None:
            near = view.best(item.signature)
            if near is not None and near.key < 0:
                _copy_of(item, by_key[near.key], near.similarity)
            elif near is not None:
                item.duplicate_of, item.similarity = near.key, near.similarity
        if item.signature is not None:
            view.add_pending(item.key, item.signature, now)
        seen_urls.add(item.url_key)
        seen_origins.add(item.origin_key)
        batch_hash.setdefault(item.content_hash, item)
        by_key[item.key] = item
        kept.append(item)
    _resolve_stored(organization_id, kept, view)
    result.duplicates += sum(item.duplicate_of is not None for item in kept)
    return kept, view


def _copy_of(item: _Item, earlier: _Item, similarity: float) -> None:
    """`item` repeats `earlier`, an item of the same batch: it points at `earlier`'s original."""
    item.similarity = similarity
    item.batch_original = earlier.key
    if earlier.duplicate_of is not None:  # a copy itself: of a stored mention, or of another item
        item.duplicate_of, item.matched_case = earlier.duplicate_of, earlier.matched_case
    else:
        item.duplicate_of = earlier.key


def _resolve_stored(organization_id: int, items: list[_Item], view: dedupe.IndexView) -> None:
    """Near duplicates of stored mentions point at their original (the first copy) and learn its case."""
    wanted = sorted(
        {
            i.duplicate_of
            for i in items
            if i.duplicate_of and i.duplicate_of > 0 and i.matched_case is None and i.batch_original is None
        }
    )
    rows: dict[int, tuple] = {}
    if wanted:
        sql = (
            f"SELECT id, content_hash, duplicate_of_id, case_id FROM {MENTIONS} "  # noqa: S608
            f"WHERE organization_id = %s AND id IN ({_marks(wanted)})"
        )
        for pk, content_hash, duplicate_of_id, case_id in _select(sql, [organization_id, *wanted]):
            rows[pk] = (content_hash, duplicate_of_id, case_id)
    stale = False
    by_key = {item.key: item for item in items}
    for item in items:
        if item.batch_original is not None:  # a copy of an earlier item: it follows that item's outcome
            earlier = by_key[item.batch_original]
            item.duplicate_of = earlier.duplicate_of if earlier.duplicate_of is not None else earlier.key
            item.matched_case = earlier.matched_case
            continue
        if not item.duplicate_of or item.duplicate_of < 0 or item.matched_case is not None:
            continue
        row = rows.get(item.duplicate_of)
        expected = view.content_hash_of(item.duplicate_of)
        if row is None or (expected and row[0] != expected):
            stale = True  # the cached index is out of date: not a duplicate after all
            item.duplicate_of = item.similarity = None
            continue
        _hash, root, case_id = row
        item.matched_case = case_id
        item.duplicate_of = root or item.duplicate_of
    if stale:
        dedupe.forget(organization_id)


# --- storing -----------------------------------------------------------------------------------------


def _mention(organization, item: _Item, *, source, now, actor) -> Mention:
    entry = item.entry
    return Mention(
        organization=organization,
        source=source,
        channel=entry.channel,
        url=item.url,
        url_key=item.url_key,
        origin_key=item.origin_key,
        title=item.title,
        text=item.body,
        author=_clean(entry.author, MAX_AUTHOR),
        published_at=_aware(entry.published_at),
        detected_at=now,
        content_hash=item.content_hash,
        signature=text.signature_bytes(item.signature),
        matched_terms=item.match.stored_terms(),
        categories=list(item.match.categories),
        duplicate_of_id=item.duplicate_of if item.duplicate_of and item.duplicate_of > 0 else None,
        similarity=item.similarity,
        created_by=actor,
    )


def _store(organization, items: list[_Item], *, source, now, actor, result: IngestResult) -> None:
    """Originals and copies of stored mentions first, then copies of this batch's originals."""
    by_key = {item.key: item for item in items}
    first = [i for i in items if not (i.duplicate_of and i.duplicate_of < 0)]
    second = [i for i in items if i.duplicate_of and i.duplicate_of < 0]
    for group in (first, second):
        for item in group:
            if item.duplicate_of and item.duplicate_of < 0:
                original = by_key[item.duplicate_of].mention
                item.duplicate_of = original.pk if original is not None else None
                if original is None:
                    item.similarity = None
            item.mention = _mention(organization, item, source=source, now=now, actor=actor)
        _insert(group)
    result.created = [item.mention for item in items if item.mention is not None]


def _insert(items: list[_Item]) -> None:
    """One INSERT for the group. No savepoint and no retry: under the policy lock nobody else stores
    this organisation's mentions, and the exact duplicates were looked up under it."""
    mentions = [item.mention for item in items]
    if mentions:
        Mention.objects.bulk_create(mentions)


# --- grouping ----------------------------------------------------------------------------------------


@dataclass
class _Profile:
    """What grouping knows of a case: its terms, keywords and recent signatures."""

    pk: int | None = None  # None: a case this batch opens
    specific: set[str] = field(default_factory=set)
    terms: set[str] = field(default_factory=set)
    keywords: set[str] = field(default_factory=set)
    signatures: list[np.ndarray] = field(default_factory=list)
    stamp: tuple = ()  # (created_at, mention_count) of the case it describes
    activity: datetime.datetime | None = None
    items: list[_Item] = field(default_factory=list)  # the batch's mentions joining it
    _matrix: np.ndarray | None = field(default=None, repr=False)

    def copy(self) -> _Profile:
        return _Profile(
            pk=self.pk,
            specific=set(self.specific),
            terms=set(self.terms),
            keywords=set(self.keywords),
            signatures=list(self.signatures),
            stamp=self.stamp,
            activity=self.activity,
        )

    def absorb(self, specific, terms, keywords, signature) -> None:
        self.specific.update(specific)
        self.terms.update(terms)
        self.keywords.update(keywords)
        if signature is not None:
            self.signatures.append(signature)
            if len(self.signatures) > PROFILE_SIGNATURES:
                del self.signatures[0]
            self._matrix = None

    def similarity(self, signature: np.ndarray | None) -> float:
        """The highest estimated similarity of `signature` with the case's recent mentions."""
        if signature is None or not self.signatures:
            return 0.0
        if self._matrix is None:
            self._matrix = np.stack(self.signatures)
        return float(np.count_nonzero(self._matrix == signature, axis=1).max()) / text.BINS


# Per organisation: case pk → profile. A cached profile's terms and signatures are never changed in place:
# a batch works on copies, which replace the cached ones once it commits (so a rolled-back batch leaves
# nothing behind); a profile is used only while its stamp equals the case's (created_at, mention_count).
_profiles: dict[int, dict[int, _Profile]] = {}


def clear_caches() -> None:
    """Forget the compiled matchers, the signature indexes and the case profiles of this process."""
    for organization_id in list(matching._cache):
        matching.rules_changed(organization_id)
    dedupe.clear()
    _profiles.clear()


def _candidates(organization, now: datetime.datetime) -> dict[int, tuple]:
    """Cases a mention may join now: pk → (stamp, last activity)."""
    window = now - datetime.timedelta(days=GROUP_WINDOW_DAYS)
    found = {}
    rows = services.grouping_candidates(organization, now).values_list(
        "pk", "created_at", "mention_count", "status", "last_mention_at", "detected_at"
    )
    for pk, created_at, count, status, last, detected in rows:
        activity = last or detected
        if status == CaseStatus.CLOSED or activity >= window:
            found[pk] = ((created_at, count), activity)
    return found


def _case_profiles(organization, now: datetime.datetime) -> dict[int, _Profile]:
    """Profiles of the candidate cases, from the process cache where still current."""
    candidates = _candidates(organization, now)
    cached = _profiles.setdefault(organization.pk, {})
    stale = [pk for pk, (stamp, _a) in candidates.items() if pk not in cached or cached[pk].stamp != stamp]
    fresh: dict[int, _Profile] = {pk: _Profile(pk=pk) for pk in stale}
    for start in range(0, len(stale), 500):
        rows = (
            Mention.objects.filter(case_id__in=stale[start : start + 500])
            .order_by("pk")
            .values_list("case_id", "matched_terms", "signature")
        )
        for case_id, terms, data in rows:
            specific, every, keywords = matching.stored_term_sets(terms)
            fresh[case_id].absorb(specific, every, keywords, text.signature_from_bytes(data))
    profiles = {}
    for pk, (stamp, activity) in candidates.items():
        profile = fresh.get(pk) or cached[pk]
        if pk in fresh:
            profile.stamp = stamp
        profiles[pk] = profile
        profile.activity = activity

    def remember() -> None:
        for pk in [pk for pk in cached if pk not in candidates]:
            del cached[pk]  # no longer a candidate (closed, past its window): reloaded if it comes back
        cached.update(fresh)

    transaction.on_commit(remember)  # they may have seen rows of this batch's transaction
    return profiles


def _score(item: _Item, profile: _Profile) -> tuple | None:
    """How well `item` fits a case (higher is better), or None when it is not the same matter."""
    match = item.match
    if not (match.all_terms & profile.terms):
        return None
    shared_specific = len(match.specific & profile.specific)
    shared_keywords = len(match.keywords & profile.keywords)
    similarity = profile.similarity(item.signature)
    if shared_specific and (shared_keywords or similarity >= GROUP_SIMILARITY):
        return (shared_specific, shared_keywords, similarity)
    if similarity >= LOOSE_SIMILARITY:
        return (0, shared_keywords, similarity)
    return None


def _best(item: _Item, profiles: dict[int, _Profile], by_term: dict[str, set[int]], pending: list[_Profile]):
    options: list[tuple[tuple, datetime.datetime, int, _Profile]] = []
    pks: set[int] = set()
    for term in item.match.all_terms:
        pks.update(by_term.get(term, ()))
    for pk in pks:
        score = _score(item, profiles[pk])
        if score is not None:
            options.append((score, profiles[pk].activity, pk, profiles[pk]))
    for number, profile in enumerate(pending):
        score = _score(item, profile)
        if score is not None:
            options.append((score, profile.activity, -number, profile))
    if not options:
        return None
    return max(options, key=lambda option: option[:3])[3]


def _group(organization, items: list[_Item], *, now, actor, result: IngestResult) -> None:
    """Put every new mention in a case: its original's, the best matching one, or a new one."""
    if not items:
        return
    profiles = _case_profiles(organization, now)
    by_term: dict[str, set[int]] = {}
    for pk, profile in profiles.items():
        for term in profile.terms:
            by_term.setdefault(term, set()).add(pk)
    touched: dict[int, _Profile] = {}  # copies of the cached profiles of the cases joined
    pending: list[_Profile] = []  # the cases this batch opens
    joined_by: dict[int, _Profile] = {}  # item key → the profile it joined
    for item in items:
        target = None
        if item.batch_original is not None:
            target = joined_by.get(item.batch_original)
        elif item.matched_case in profiles:
            target = profiles[item.matched_case]
        if target is None:
            target = _best(item, profiles, by_term, pending)
        if target is None:
            target = _Profile(activity=now)
            pending.append(target)
        elif target.pk is not None and target.pk not in touched:
            target = touched[target.pk] = target.copy()
            profiles[target.pk] = target
        target.absorb(item.match.specific, item.match.all_terms, item.match.keywords, item.signature)
        target.activity = now
        target.items.append(item)
        joined_by[item.key] = target

    updates: list[_Profile] = []
    joined = services.join_cases(
        {profile.pk: [i.mention for i in profile.items] for profile in touched.values()},
        now=now,
        actor=actor,
    )
    for profile, case in zip(touched.values(), joined, strict=True):
        result.cases_joined.append(case)
        profile.stamp, profile.items = (case.created_at, case.mention_count), []
        updates.append(profile)
    for profile in pending:
        first = profile.items[0]
        case = services.open_case(
            organization=organization,
            title=first.title or first.body[:60] or first.url,
            detected_at=now,
            mentions=[i.mention for i in profile.items],
            categories={c for i in profile.items for c in i.match.categories},
            actor=actor,
        )
        result.cases_opened.append(case)
        profile.pk, profile.stamp, profile.items = case.pk, (case.created_at, case.mention_count), []
        updates.append(profile)
    cached = _profiles.setdefault(organization.pk, {})
    transaction.on_commit(lambda: cached.update({p.pk: p for p in updates}))


# --- bursts ------------------------------------------------------------------------------------------


def _monitors(organization_id: int) -> list:
    """The office editors and the 舆情 monitors (whole accounts: the announcement e-mails them too)."""
    from gongkai.orgs.constants import Role
    from gongkai.orgs.models import User
    from gongkai.publishing.services import members_of

    ids = [
        m.user_id
        for m in members_of(organization_id)
        if m.has_role(Role.OFFICE_EDITOR) or m.has_role(Role.CONCERN_MONITOR)
    ]
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def burst_threshold(policy: Policy, baseline: float) -> float:
    """How many mentions in one window make a burst, given the baseline (mentions per window)."""
    return max(float(policy.burst_min_mentions), policy.burst_factor * baseline)


def _check_burst(organization, policy: Policy, now: datetime.datetime) -> Alert | None:
    """An alert when the last window holds a burst and none was raised within it (see the module)."""
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from . import notify

    window = datetime.timedelta(minutes=policy.burst_window_minutes)
    span = datetime.timedelta(hours=policy.burst_baseline_hours)
    if window <= datetime.timedelta(0):
        return None
    start = now - window
    count, alerts, before = _select(
        f"SELECT (SELECT COUNT(*) FROM {MENTIONS} WHERE organization_id = %s AND detected_at > %s "  # noqa: S608
        "AND detected_at <= %s), "
        f"(SELECT COUNT(*) FROM {ALERTS} WHERE organization_id = %s AND raised_at > %s AND raised_at <= %s), "
        f"(SELECT COUNT(*) FROM {MENTIONS} WHERE organization_id = %s AND detected_at > %s "
        "AND detected_at <= %s)",
        [
            *(organization.pk, _when(start), _when(now)),
            *(organization.pk, _when(start), _when(now)),
            *(organization.pk, _when(start - span), _when(start)),
        ],
    )[0]
    if count < policy.burst_min_mentions or alerts:
        return None  # too few, or already raised in this window (one alert per window)
    baseline = before / (span / window) if span > window else 0.0
    if count < burst_threshold(policy, baseline):
        return None
    mentions = Mention.objects.filter(organization=organization)
    top = (
        mentions.filter(detected_at__gt=start, detected_at__lte=now, case__isnull=False)
        .values("case")
        .annotate(n=Count("pk"))
        .order_by("-n", "-case")
        .first()
    )
    case = Case.objects.filter(pk=top["case"]).first() if top else None
    alert = Alert.objects.create(
        organization=organization,
        raised_at=now,
        window_minutes=policy.burst_window_minutes,
        count=count,
        baseline=round(baseline, 3),
        case=case,
    )
    audit.record(
        action="concerns.alert_raised",
        target=alert,
        organization=organization,
        data={
            "count": count,
            "baseline": round(baseline, 3),
            "window_minutes": policy.burst_window_minutes,
            "case": getattr(case, "pk", None),
        },
    )
    try:
        url = reverse("concerns:case", args=[case.pk]) if case else reverse("concerns:cases")
    except NoReverseMatch:
        url = ""
    text_ = (
        f"最近 {policy.burst_window_minutes} 分钟收录相关信息 {count} 条,平时同样时长约 {baseline:.1f} 条。"
    )
    if case is not None:
        text_ += f"最集中的事件:{case.title}。"
    notify.announce(
        organization,
        kind="concerns.alert",
        title=f"舆情突增预警:{policy.burst_window_minutes} 分钟内 {count} 条",
        text=text_ + "请及时研判。",
        url=url,
        recipients=_monitors(organization.pk),
        urgent=True,
    )
    return alert


# --- manual entry ------------------------------------------------------------------------------------


def _screenshot(upload) -> tuple[bytes, str]:
    """The screenshot's bytes (metadata removed) and extension, or a Chinese ValidationError."""
    import filetype

    from gongkai.publishing.scrub import scrub

    size = getattr(upload, "size", None)
    if size is not None and size > SCREENSHOT_MAX_BYTES:
        raise ValidationError({"screenshot": "截图不能超过 5 MB。"})
    with contextlib.suppress(AttributeError, OSError):
        upload.seek(0)
    data = upload.read(SCREENSHOT_MAX_BYTES + 1)
    if len(data) > SCREENSHOT_MAX_BYTES:
        raise ValidationError({"screenshot": "截图不能超过 5 MB。"})
    if not data:
        raise ValidationError({"screenshot": "截图文件是空的。"})
    kind = filetype.guess(data)
    extension = SCREENSHOT_TYPES.get(getattr(kind, "mime", ""))
    if extension is None:
        raise ValidationError({"screenshot": "截图只能是 PNG、JPEG、GIF 或 WebP 图片(按文件内容识别)。"})
    try:
        cleaned, _notes = scrub(data, extension)
    except Exception:  # a damaged image: keep it as it came rather than lose the evidence
        logger.warning("screenshot metadata could not be scrubbed", exc_info=True)
        cleaned = data
    return cleaned, extension


def enter_manual(
    *,
    user,
    organization,
    url: str = "",
    title: str = "",
    text: str = "",
    screenshot=None,
    published_at: datetime.datetime | None = None,
) -> Mention:
    """A mention entered by a person (link, text, screenshot): always relevant, grouped like the others."""
    from django.core.files.base import ContentFile
    from django.core.validators import URLValidator

    from gongkai.publishing.exceptions import require

    from . import permissions

    require(permissions.enter_mention_failures(user, organization.pk))
    url, title, body = (url or "").strip(), (title or "").strip(), (text or "").strip()
    errors = {}
    if not url and not body:
        errors["text"] = "请至少填写链接或内容。"
    if url:
        if len(url) > MAX_URL:
            errors["url"] = f"链接不能超过 {MAX_URL} 个字符。"
        else:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                errors["url"] = "链接无效,请填写以 http:// 或 https:// 开头的完整地址。"
    if len(title) > MAX_TITLE:
        errors["title"] = f"标题不能超过 {MAX_TITLE} 个字。"
    if len(body) > MAX_TEXT:
        errors["text"] = f"内容不能超过 {MAX_TEXT} 个字。"
    now = timezone.now()
    if published_at is not None:
        published_at = _aware(published_at)
        if published_at is None or published_at > now + datetime.timedelta(minutes=5):
            errors["published_at"] = "发布时间不能晚于现在。"
    if errors:
        raise ValidationError(errors)
    image = _screenshot(screenshot) if screenshot is not None else None
    entry = Entry(title=title, text=body, url=url, published_at=published_at, channel=Channel.MANUAL)
    with transaction.atomic():
        result = _ingest(organization, [entry], now=now, force=True, actor=user, audited=False)
        if not result.created:
            raise ValidationError("该信息已经收录(链接或内容相同),无需重复录入。")
        mention = result.created[0]
        if image is not None:
            data, extension = image
            mention.screenshot.save(f"screenshot.{extension}", ContentFile(data), save=False)
            Mention.objects.filter(pk=mention.pk).update(screenshot=mention.screenshot.name)
        audit.record(
            action="concerns.mention_entered",
            actor=user,
            target=mention,
            organization=organization,
            data={
                "url": mention.url,
                "title": mention.title[:100],
                "case": mention.case_id,
                "duplicate_of": mention.duplicate_of_id,
                "screenshot": bool(image),
            },
        )
    return mention
