"""The legal time limits of a case (R5) as Clock rows: started at detection, stopped by responses,
escalated at the organisation's points, breaches recorded.

- 特别重大 / 重大: authoritative information within 5 hours, a press conference within 24 hours
  (国办发〔2016〕80号); otherwise a response within 48 hours (国办发〔2016〕61号).
- The clocks run in real hours, not working days: a concern does not wait for Monday.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from .constants import CLOCK_LIMITS, OPEN_STATUSES, RESPONSE_MEETS, clocks_for
from .models import Case, CaseEvent, Clock


def sync(case: Case, *, actor=None) -> list[Clock]:
    """Make the case's clocks match its severity (call inside the transaction that changed it).

    Clocks start at detection whatever the moment the severity was set: raising a case to 重大 after
    six hours finds its 5-hour limit already passed, as the law means it. A clock that no longer
    applies is removed unless it was met or breached (history is kept)."""
    wanted = set(clocks_for(case.severity))
    existing = {c.kind: c for c in case.clocks.all()}
    for kind, clock in existing.items():
        if kind not in wanted and clock.met_at is None and clock.breached_at is None:
            clock.delete()
    for kind in wanted - set(existing):
        clock = Clock.objects.create(
            case=case,
            kind=kind,
            started_at=case.detected_at,
            due_at=case.detected_at + CLOCK_LIMITS[kind],
        )
        existing[kind] = clock
        met_at = _earliest_response(case, kind)
        if met_at is not None:
            meet(clock, met_at)
    return [existing[k] for k in sorted(wanted, key=lambda k: existing[k].due_at)]


def _earliest_response(case: Case, kind: str) -> datetime.datetime | None:
    times = [
        r.responded_at
        for r in case.responses.all()
        if r.responded_at is not None and kind in RESPONSE_MEETS.get(r.channel, ())
    ]
    return min(times) if times else None


def meet(clock: Clock, at: datetime.datetime) -> bool:
    """Stop a clock at the moment of the response; a late response records the breach too."""
    if clock.met_at is not None and clock.met_at <= at:
        return False
    clock.met_at = at
    fields = ["met_at"]
    if at > clock.due_at and clock.breached_at is None:
        clock.breached_at = clock.due_at
        fields.append("breached_at")
    clock.save(update_fields=fields)
    CaseEvent.objects.create(
        case_id=clock.case_id,
        at=timezone.now(),
        kind="clock.met",
        text=f"时限“{clock.get_kind_display()}”已完成({'超时' if at > clock.due_at else '按时'})",
        data={"clock": clock.kind, "met_at": at.isoformat(), "on_time": at <= clock.due_at},
    )
    return True


def meet_for_response(case: Case, channel: str, at: datetime.datetime) -> list[Clock]:
    kinds = RESPONSE_MEETS.get(channel, ())
    return [c for c in case.clocks.filter(kind__in=kinds) if meet(c, at)]


def percent_elapsed(clock: Clock, now: datetime.datetime) -> float:
    total = (clock.due_at - clock.started_at).total_seconds()
    if total <= 0:
        return 100.0
    return max(0.0, (now - clock.started_at).total_seconds() * 100.0 / total)


def reached_point(clock: Clock, now: datetime.datetime, points: list[int]) -> int:
    """The highest escalation point the clock has reached and not yet announced (0 = none)."""
    elapsed = percent_elapsed(clock, now)
    reached = [p for p in points if p <= elapsed and p > clock.escalated_percent]
    return max(reached) if reached else 0


def state(clock: Clock, now: datetime.datetime | None = None) -> dict:
    """What the case page and the inbox show of a clock: remaining time, colour and label."""
    now = now or timezone.now()
    if clock.met_at is not None:
        on_time = clock.met_at <= clock.due_at
        return {
            "level": "done" if on_time else "late",
            "label": "按时完成" if on_time else "超时完成",
            "remaining": None,
        }
    remaining = clock.due_at - now
    percent = percent_elapsed(clock, now)
    if remaining.total_seconds() <= 0:
        return {"level": "overdue", "label": f"已超时 {_span(-remaining)}", "remaining": remaining}
    level = "near" if percent >= 50 else "normal"
    return {"level": level, "label": f"剩余 {_span(remaining)}", "remaining": remaining}


def _span(delta: datetime.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days}天{hours}小时"
    if hours:
        return f"{hours}小时{minutes}分"
    return f"{minutes}分钟"


def open_clocks():
    return Clock.objects.filter(met_at__isnull=True, case__status__in=OPEN_STATUSES).select_related(
        "case", "case__organization", "case__department"
    )
