"""Polling sources: fetch what is new, hand it to the pipeline, and adapt each source's schedule.

A source that yields new entries is polled more often (the interval halves, down to its minimum); one
that did not change is polled less often (×1.5, up to its maximum). A failure backs off
(base × 2^failures, up to the maximum) and after MAX_SOURCE_FAILURES failures in a row the source is
disabled and its organisation's office editors and concern monitors are told. A success resets the
failures and starts again from the base interval.

Fetching happens outside any transaction; recording what was seen, ingesting it, rescheduling, the
audit event and the notifications happen in one transaction, with the source row locked so two pollers
of the same source never ingest the same entry twice.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from gongkai.audit import services as audit

from .constants import MAX_SOURCE_FAILURES, SourceKind
from .entries import Entry
from .fetch import FetchResult, fetch
from .models import SeenEntry, Source

logger = logging.getLogger(__name__)

_CHUNK = 500  # keys per IN (…) query


@dataclass
class PollOutcome:
    source: Source
    fetched: int = 0  # entries the source yielded
    new: int = 0  # entries not seen before, handed to the pipeline
    created: int = 0  # mentions the pipeline created
    relevant: int = 0  # entries the pipeline found relevant
    not_modified: bool = False
    partial: bool = False
    error: str = ""  # Chinese; '' when the poll succeeded
    warnings: list[str] = field(default_factory=list)
    disabled: bool = False  # this poll disabled the source

    @property
    def ok(self) -> bool:
        return not self.error


def seen_key(key: str) -> str:
    """What SeenEntry stores for an entry key (links and paths can be long): its SHA-1."""
    return hashlib.sha1(key.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _seen_among(source: Source, hashes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        found.update(SeenEntry.objects.filter(source=source, key__in=chunk).values_list("key", flat=True))
    return found


def _unseen(source: Source, entries: list[Entry]) -> list[tuple[str, Entry]]:
    """The entries whose key the source has not yielded before, each key once."""
    keyed: dict[str, Entry] = {}
    for entry in entries:
        if entry.key:
            keyed.setdefault(seen_key(entry.key), entry)
    known = _seen_among(source, list(keyed))
    return [(h, entry) for h, entry in keyed.items() if h not in known]


def next_interval(source: Source, *, changed: bool) -> int:
    """The interval after a successful poll: halved on change, ×1.5 otherwise, within the bounds.
    After failures the base interval is the starting point (the backoff says nothing about change)."""
    low = max(1, source.min_interval_minutes)
    high = max(low, source.max_interval_minutes)
    current = source.base_interval_minutes if source.consecutive_failures else source.interval_minutes
    current = max(1, current)
    proposed = current // 2 if changed else math.ceil(current * 1.5)
    return min(high, max(low, proposed))


def backoff_interval(source: Source, failures: int) -> int:
    """The interval after the `failures`-th failure in a row: base × 2^failures, at most the maximum."""
    high = max(1, source.max_interval_minutes)
    base = max(1, source.base_interval_minutes)
    if failures >= 40:  # 2**40 minutes is past any maximum
        return high
    return max(1, min(high, base * 2**failures))


def _ingest(source: Source, entries: list[Entry], now: datetime.datetime, requested_by=None):
    from gongkai.concerns import pipeline  # written alongside; imported late on purpose

    return pipeline.ingest(source.organization, entries, source=source, now=now, requested_by=requested_by)


def _notify_disabled(source: Source, error: str) -> None:
    from gongkai.console.services import notify
    from gongkai.orgs.constants import Role
    from gongkai.publishing.services import members_of

    recipients = [
        m.user
        for m in members_of(source.organization_id)
        if m.has_role(Role.OFFICE_EDITOR) or m.has_role(Role.CONCERN_MONITOR)
    ]
    notify(
        recipients,
        organization=source.organization_id,
        kind="concerns.source_disabled",
        message=(
            f"舆情来源“{source.name}”连续 {source.consecutive_failures} 次巡查失败,已自动停用。"
            f"最近一次错误:{error[:200]} 请检查地址后重新启用。"
        )[:500],
        url="/console/concerns/sources/",
    )


def poll_source(
    source: Source, *, now: datetime.datetime | None = None, client=None, actor=None
) -> PollOutcome:
    """Poll one source now (whether or not it is due) and record the outcome on it; ``actor`` is the person
    who asked for it (立即巡查), None for the scheduled job: its events and what the poll creates name them."""
    now = now or timezone.now()
    known: set[str] | None = None
    if source.kind == SourceKind.WEB_LIST:
        # Article pages already seen are not fetched again.
        known = set(SeenEntry.objects.filter(source=source).values_list("key", flat=True))
    result: FetchResult = fetch(
        source, client=client, seen=(lambda key: seen_key(key) in known) if known is not None else None
    )
    outcome = PollOutcome(
        source=source,
        fetched=len(result.entries),
        not_modified=result.not_modified,
        partial=result.partial,
        error=result.error,
        warnings=list(result.warnings),
    )
    try:
        _record(source, result, outcome, now, actor)
    except Exception:  # the pipeline or a write failed: nothing of this poll is kept; count it as a failure
        logger.exception("poll of source %s could not be recorded", source.pk)
        outcome.new = outcome.created = outcome.relevant = 0
        outcome.error = "处理抓取结果时发生内部错误,已记录日志,下次巡查重试。"
        _record(source, FetchResult(error=outcome.error), outcome, now, actor)
    return outcome


def _record(
    source: Source, result: FetchResult, outcome: PollOutcome, now: datetime.datetime, actor=None
) -> None:
    with transaction.atomic():
        locked = (
            Source.objects.select_for_update(of=("self",)).select_related("organization").get(pk=source.pk)
        )
        new = _unseen(locked, result.entries)
        outcome.new = len(new)
        if new:
            SeenEntry.objects.bulk_create(
                [SeenEntry(source=locked, key=h, seen_at=now) for h, _ in new], ignore_conflicts=True
            )
            ingested = _ingest(locked, [entry for _, entry in new], now, actor)
            outcome.created = len(getattr(ingested, "created", None) or [])
            outcome.relevant = int(getattr(ingested, "relevant", 0) or 0)

        locked.last_polled_at = now
        if result.error:
            locked.consecutive_failures += 1
            locked.interval_minutes = backoff_interval(locked, locked.consecutive_failures)
            locked.last_error = result.error[:500]
        else:
            locked.interval_minutes = next_interval(locked, changed=bool(new))
            locked.consecutive_failures = 0
            locked.last_error = ";".join(w for w in result.warnings if w)[:500]
            locked.last_success_at = now
            if new:
                locked.last_changed_at = now
            if result.partial:
                # What was left out (cut off, failed, over the article cap) must be fetched next time even
                # if the document itself does not change: no validators, so no 304.
                locked.etag = locked.last_modified = ""
            elif result.etag or result.last_modified or not result.not_modified:
                locked.etag = (result.etag or "")[:200]
                locked.last_modified = (result.last_modified or "")[:100]
        locked.next_poll_at = now + datetime.timedelta(minutes=locked.interval_minutes)

        if result.error or new:
            audit.record(
                action="concerns.source_polled",
                actor=actor,
                target=locked,
                organization=locked.organization_id,
                data={
                    "new": outcome.new,
                    "created": outcome.created,
                    "relevant": outcome.relevant,
                    "partial": result.partial,
                    "error": result.error,
                    "warnings": result.warnings[:5],
                    "failures": locked.consecutive_failures,
                },
            )
        if result.error and locked.enabled and locked.consecutive_failures >= MAX_SOURCE_FAILURES:
            locked.enabled = False
            locked.disabled_at = now
            reason = f"连续 {locked.consecutive_failures} 次巡查失败,已自动停用。最近一次错误:{result.error}"
            locked.disabled_reason = reason[:500]
            audit.record(
                action="concerns.source_disabled",  # the rule disables it, whoever asked for the poll
                target=locked,
                organization=locked.organization_id,
                data={"failures": locked.consecutive_failures, "error": result.error},
            )
            _notify_disabled(locked, result.error)
            outcome.disabled = True
        locked.save()

    # The caller's instance follows what was recorded.
    for name in (
        "enabled",
        "interval_minutes",
        "next_poll_at",
        "last_polled_at",
        "last_success_at",
        "last_changed_at",
        "consecutive_failures",
        "last_error",
        "disabled_at",
        "disabled_reason",
        "etag",
        "last_modified",
    ):
        setattr(source, name, getattr(locked, name))
    outcome.source = source


def due_sources(*, now: datetime.datetime | None = None, limit: int | None = None):
    now = now or timezone.now()
    queryset = (
        Source.objects.filter(enabled=True, next_poll_at__lte=now)
        .select_related("organization")
        .order_by("next_poll_at", "pk")
    )
    return queryset[:limit] if limit else queryset


def poll_due(*, now: datetime.datetime | None = None, limit: int | None = None) -> list[PollOutcome]:
    """Poll once every enabled source whose time has come, the longest waiting first."""
    now = now or timezone.now()
    return [poll_source(source, now=now) for source in list(due_sources(now=now, limit=limit))]
