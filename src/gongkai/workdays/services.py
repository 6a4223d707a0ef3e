"""Writes to the working-day calendar.

There is no cross-call cache to invalidate: ``calendar.WorkdayCalendar`` reads overrides afresh for
each instance, so a change is visible to every process on its next calculation. Deadlines already
stored on other objects are not recomputed here; that is the owning app's decision.

``actor`` is taken by every write so the audit trail can be wired in without changing callers;
for now only ``set_override`` records it (as ``updated_by``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from .models import CalendarOverride, PublishedYear

if TYPE_CHECKING:
    from gongkai.orgs.models import User


@transaction.atomic
def set_override(day: date, is_workday: bool, note: str = "", actor: User | None = None) -> CalendarOverride:
    """Make ``day`` a working day or a day off, replacing any earlier override for it."""
    override, _created = CalendarOverride.objects.update_or_create(
        date=day,
        defaults={"is_workday": is_workday, "note": note, "updated_by": actor},
    )
    return override


@transaction.atomic
def delete_override(day: date, actor: User | None = None) -> bool:
    """Remove the override for ``day`` so the library or fallback decides again. True if one existed."""
    deleted, _ = CalendarOverride.objects.filter(date=day).delete()
    return deleted > 0


@transaction.atomic
def mark_year_published(year: int, note: str = "", actor: User | None = None) -> PublishedYear:
    """Record that ``year``'s official arrangement has been entered, so its deadlines are final."""
    published, _created = PublishedYear.objects.get_or_create(year=year, defaults={"note": note})
    return published


@transaction.atomic
def unmark_year_published(year: int, actor: User | None = None) -> bool:
    """Make deadlines in ``year`` provisional again. True if the year was marked."""
    deleted, _ = PublishedYear.objects.filter(year=year).delete()
    return deleted > 0
