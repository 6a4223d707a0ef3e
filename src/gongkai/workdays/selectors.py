"""Reads of the hand-entered calendar data."""

from __future__ import annotations

from datetime import date

from .models import CalendarOverride, PublishedYear


def overrides_between(first: date, last: date) -> dict[date, bool]:
    """Working status of every overridden day in [first, last], in one query."""
    rows = CalendarOverride.objects.filter(date__range=(first, last)).values_list("date", "is_workday")
    return dict(rows)


def hand_published_years() -> frozenset[int]:
    """Years marked as published by hand (not counting those chinesecalendar covers)."""
    return frozenset(PublishedYear.objects.values_list("year", flat=True))
