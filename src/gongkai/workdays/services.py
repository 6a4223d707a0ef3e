"""Writes to the working-day calendar. Each change is one audit event, recorded in its transaction.

There is no cross-call cache to invalidate: ``calendar.WorkdayCalendar`` reads overrides afresh for
each instance, so a change is visible to every process on its next calculation. Deadlines already
stored on other objects are not recomputed here; that is the owning app's decision.

``actor`` is the person making the change (None for the system); ``request``, when the change comes
from a page, gives the audit event its address. A call that changes nothing records nothing.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from gongkai.audit import services as audit

from .models import CalendarOverride, PublishedYear

if TYPE_CHECKING:
    from django.http import HttpRequest

    from gongkai.orgs.models import User


def _override_data(override: CalendarOverride) -> dict:
    return {"date": override.date.isoformat(), "is_workday": override.is_workday, "note": override.note}


@transaction.atomic
def set_override(
    day: date,
    is_workday: bool,
    note: str = "",
    actor: User | None = None,
    *,
    request: HttpRequest | None = None,
) -> CalendarOverride:
    """Make ``day`` a working day or a day off, replacing any earlier override for it."""
    existing = CalendarOverride.objects.select_for_update().filter(date=day).first()
    if existing is not None and existing.is_workday == is_workday and existing.note == note:
        return existing
    previous = _override_data(existing) if existing is not None else None
    override, created = CalendarOverride.objects.update_or_create(
        date=day,
        defaults={"is_workday": is_workday, "note": note, "updated_by": actor},
    )
    audit.record(
        action="workdays.override.set",
        actor=actor,
        target=override,
        data={**_override_data(override), "created": created, "previous": previous},
        request=request,
    )
    return override


@transaction.atomic
def delete_override(day: date, actor: User | None = None, *, request: HttpRequest | None = None) -> bool:
    """Remove the override for ``day`` so the library or fallback decides again. True if one existed."""
    override = CalendarOverride.objects.select_for_update().filter(date=day).first()
    if override is None:
        return False
    audit.record(
        action="workdays.override.deleted",
        actor=actor,
        target=override,
        data=_override_data(override),
        request=request,
    )
    override.delete()
    return True


@transaction.atomic
def mark_year_published(
    year: int,
    note: str | None = None,
    actor: User | None = None,
    *,
    request: HttpRequest | None = None,
) -> PublishedYear:
    """Record that ``year``'s official arrangement has been entered, so its deadlines are final.

    Marking a marked year again changes only its note (when one is given)."""
    published = PublishedYear.objects.select_for_update().filter(year=year).first()
    if published is None:
        published = PublishedYear.objects.create(year=year, note=note or "")
        previous_note = None
    elif note is not None and note != published.note:
        previous_note = published.note
        published.note = note
        published.save(update_fields=["note"])
    else:
        return published
    audit.record(
        action="workdays.year.published",
        actor=actor,
        target=published,
        data={"year": published.year, "note": published.note, "previous_note": previous_note},
        request=request,
    )
    return published


@transaction.atomic
def unmark_year_published(
    year: int, actor: User | None = None, *, request: HttpRequest | None = None
) -> bool:
    """Make deadlines in ``year`` provisional again. True if the year was marked."""
    published = PublishedYear.objects.select_for_update().filter(year=year).first()
    if published is None:
        return False
    audit.record(
        action="workdays.year.unpublished",
        actor=actor,
        target=published,
        data={"year": published.year, "note": published.note},
        request=request,
    )
    published.delete()
    return True
