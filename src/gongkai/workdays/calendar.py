"""The Chinese working-day calendar and deadline arithmetic.

Whether a day is a working day is decided in this order:

1. a ``CalendarOverride`` row for that day (hand-entered, always wins);
2. the ``chinese_calendar`` package, for the years it has data for (2004-2026 in 1.11.0);
3. a fallback for other years: weekends off, the fixed-date statutory holidays off
   (1 Jan, 1-2 May, 1-3 Oct). The lunar holidays and 调休 days cannot be known before the State
   Council publishes the arrangement, so they are not counted; a deadline that depends on such a
   year is therefore marked provisional unless a ``PublishedYear`` row says the year has been
   entered by hand.

Overrides are read once per calendar year per ``WorkdayCalendar`` instance. The module-level
functions use a fresh instance per call, so an override saved by any process is seen by the next
call; code computing many deadlines at once (a list, a periodic job) should create one
``WorkdayCalendar`` and reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from django.utils.translation import gettext_lazy as _

from . import selectors
from .constants import FIXED_DATE_HOLIDAYS

LIBRARY_FIRST_YEAR: int = min(chinese_calendar.holidays).year
LIBRARY_LAST_YEAR: int = max(chinese_calendar.holidays).year

PROVISIONAL_LABEL = _("%(date)s(暂定)")

ONE_DAY = timedelta(days=1)


def library_covers(year: int) -> bool:
    """Whether the installed chinese_calendar package has the official arrangement for ``year``."""
    return LIBRARY_FIRST_YEAR <= year <= LIBRARY_LAST_YEAR


def fallback_is_workday(d: date) -> bool:
    """Best guess for a year without official data: weekdays, minus the fixed-date holidays."""
    return d.weekday() < 5 and (d.month, d.day) not in FIXED_DATE_HOLIDAYS


@dataclass(frozen=True)
class Deadline:
    """A due date, and whether it may still move when the year's holidays are published."""

    due: date
    provisional: bool = False

    @property
    def label(self) -> str:
        """The date as shown to users, e.g. ``2027-01-15(暂定)`` when provisional."""
        text = self.due.isoformat()
        return str(PROVISIONAL_LABEL) % {"date": text} if self.provisional else text

    def __str__(self) -> str:
        return self.label


class WorkdayCalendar:
    """Working-day questions, with database reads memoised for the lifetime of the instance."""

    def __init__(self) -> None:
        self._overrides: dict[int, dict[date, bool]] = {}
        self._hand_published: frozenset[int] | None = None

    def _overrides_in(self, year: int) -> dict[date, bool]:
        if year not in self._overrides:
            self._overrides[year] = selectors.overrides_between(date(year, 1, 1), date(year, 12, 31))
        return self._overrides[year]

    def is_workday(self, d: date) -> bool:
        """Whether people work on ``d``: override, else chinese_calendar, else the fallback."""
        override = self._overrides_in(d.year).get(d)
        if override is not None:
            return override
        if library_covers(d.year):
            return chinese_calendar.is_workday(d)
        return fallback_is_workday(d)

    def is_year_published(self, year: int) -> bool:
        """Whether the official arrangement for ``year`` is known (library data or a PublishedYear)."""
        if library_covers(year):
            return True
        if self._hand_published is None:
            self._hand_published = selectors.hand_published_years()
        return year in self._hand_published

    def add_workdays(self, start: date, n: int) -> Deadline:
        """The date ``n`` working days after ``start``; ``start`` itself is day 0 and never counted.

        ``n == 0`` returns ``start`` unchanged. The result is provisional when any day examined
        (after ``start`` up to the due date) lies in a year that is not published.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start
        remaining = n
        while remaining:
            day += ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return Deadline(due=day, provisional=self._any_unpublished(start + ONE_DAY, day))

    def workdays_between(self, start: date, end: date) -> int:
        """Number of working days in (start, end]; negative (the count in (end, start]) if end < start."""
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        day = start + ONE_DAY
        while day <= end:
            count += self.is_workday(day)
            day += ONE_DAY
        return count

    def _any_unpublished(self, first: date, last: date) -> bool:
        if first > last:
            return False
        return any(not self.is_year_published(year) for year in range(first.year, last.year + 1))


def is_workday(d: date) -> bool:
    """Whether ``d`` is a Chinese working day (see the module docstring for the sources)."""
    return WorkdayCalendar().is_workday(d)


def is_year_published(year: int) -> bool:
    """True if chinese_calendar covers ``year`` or a PublishedYear row exists for it."""
    return WorkdayCalendar().is_year_published(year)


def add_workdays(start: date, n: int) -> Deadline:
    """The deadline ``n`` working days after ``start`` (``start`` is day 0). Raises ValueError if n < 0."""
    return WorkdayCalendar().add_workdays(start, n)


def workdays_between(start: date, end: date) -> int:
    """Number of working days in (start, end]; the inverse of :func:`add_workdays`."""
    return WorkdayCalendar().workdays_between(start, end)
