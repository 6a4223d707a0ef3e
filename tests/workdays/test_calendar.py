"""The working-day calendar, around the 2026 arrangement published by the State Council (DOMAIN.md)."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.workdays import services
from gongkai.workdays.calendar import (
    Deadline,
    WorkdayCalendar,
    add_workdays,
    fallback_is_workday,
    is_workday,
    is_year_published,
    workdays_between,
)

from .factories import CalendarOverrideFactory, PublishedYearFactory

pytestmark = pytest.mark.django_db

PUBLISH_WITHIN = 20  # 政府信息公开条例 第26条


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


HOLIDAYS_2026 = [
    *days(date(2026, 1, 1), date(2026, 1, 3)),  # 元旦
    *days(date(2026, 2, 15), date(2026, 2, 23)),  # 春节
    *days(date(2026, 4, 4), date(2026, 4, 6)),  # 清明
    *days(date(2026, 5, 1), date(2026, 5, 5)),  # 劳动节
    *days(date(2026, 6, 19), date(2026, 6, 21)),  # 端午
    *days(date(2026, 9, 25), date(2026, 9, 27)),  # 中秋
    *days(date(2026, 10, 1), date(2026, 10, 7)),  # 国庆
]
MAKEUP_WORKDAYS_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


# --- is_workday -------------------------------------------------------------------------------


@pytest.mark.parametrize("day", HOLIDAYS_2026, ids=str)
def test_2026_public_holidays_are_days_off(day):
    assert not is_workday(day)


@pytest.mark.parametrize("day", MAKEUP_WORKDAYS_2026, ids=str)
def test_2026_makeup_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_workday(day)


def test_whole_of_2026_matches_the_published_arrangement():
    for day in days(date(2026, 1, 1), date(2026, 12, 31)):
        expected = (day.weekday() < 5 or day in MAKEUP_WORKDAYS_2026) and day not in HOLIDAYS_2026
        assert is_workday(day) is expected, day


def test_override_wins_over_the_library_for_a_local_holiday():
    monday = date(2026, 11, 30)
    assert is_workday(monday)
    CalendarOverrideFactory(date=monday, is_workday=False, note="地方节日")
    assert not is_workday(monday)


def test_unpublished_year_falls_back_to_weekends_and_fixed_date_holidays():
    assert not is_workday(date(2027, 1, 1))  # 元旦, a Friday
    assert not is_workday(date(2027, 1, 2))  # Saturday
    assert is_workday(date(2027, 1, 4))  # Monday
    # In 2030 the fixed dates fall on weekdays: 1 Jan is a Tuesday, 1 May a Wednesday, 1 Oct a Tuesday.
    assert [fallback_is_workday(date(2030, 1, d)) for d in (1, 2)] == [False, True]
    assert [fallback_is_workday(date(2030, 5, d)) for d in (1, 2, 3)] == [False, False, True]
    assert [fallback_is_workday(date(2030, 10, d)) for d in (1, 2, 3, 4)] == [False, False, False, True]
    # 春节 2027 (6 Feb) cannot be known: counted as ordinary working days until entered by hand.
    assert is_workday(date(2027, 2, 8))


# --- is_year_published ------------------------------------------------------------------------


def test_years_the_library_covers_are_published():
    assert is_year_published(2004)
    assert is_year_published(2026)


def test_next_year_is_unpublished_until_marked():
    assert not is_year_published(2027)
    PublishedYearFactory(year=2027)
    assert is_year_published(2027)


# --- add_workdays -----------------------------------------------------------------------------


def test_item_formed_on_friday_before_makeup_sunday_is_due_that_sunday():
    assert add_workdays(date(2026, 9, 18), 1) == Deadline(date(2026, 9, 20), provisional=False)


def test_makeup_saturday_counts_as_a_working_day():
    # Fri 9 Oct -> Sat 10 Oct (调休) -> Mon 12 Oct.
    assert add_workdays(date(2026, 10, 9), 1).due == date(2026, 10, 10)
    assert add_workdays(date(2026, 10, 9), 2).due == date(2026, 10, 12)


def test_publish_deadline_across_national_day():
    # 9/29, 9/30, [10/1-10/7 off], 10/8, 10/9, 10/10 (Sat), then three full weeks -> Fri 30 Oct.
    deadline = add_workdays(date(2026, 9, 28), PUBLISH_WITHIN)
    assert deadline == Deadline(date(2026, 10, 30), provisional=False)


def test_publish_deadline_across_spring_festival():
    # 2/11-2/13, 2/14 (Sat), [2/15-2/23 off], 2/24-2/27, 2/28 (Sat), 3/2-3/13, 3/16.
    assert add_workdays(date(2026, 2, 10), PUBLISH_WITHIN).due == date(2026, 3, 16)


def test_start_day_is_day_zero_and_not_counted():
    monday = date(2026, 3, 2)
    assert add_workdays(monday, 1).due == date(2026, 3, 3)
    assert add_workdays(monday, 0) == Deadline(monday, provisional=False)


def test_zero_working_days_returns_start_even_on_a_holiday():
    assert add_workdays(date(2026, 10, 1), 0).due == date(2026, 10, 1)


def test_negative_working_days_are_rejected():
    with pytest.raises(ValueError):
        add_workdays(date(2026, 3, 2), -1)


def test_deadline_reaching_into_unpublished_year_is_provisional():
    # 12/16-12/31 give 12 days, 1 Jan 2027 is off, then 1/4-1/8 and 1/11-1/13.
    deadline = add_workdays(date(2026, 12, 15), PUBLISH_WITHIN)
    assert deadline == Deadline(date(2027, 1, 13), provisional=True)
    assert str(deadline) == "2027-01-13(暂定)"


def test_deadline_ending_on_last_day_of_published_year_is_not_provisional():
    deadline = add_workdays(date(2026, 12, 30), 1)
    assert deadline == Deadline(date(2026, 12, 31), provisional=False)
    assert str(deadline) == "2026-12-31"


def test_override_making_a_2027_day_a_holiday_moves_the_deadline():
    services.set_override(date(2027, 1, 4), is_workday=False, note="2027年元旦调休")
    assert add_workdays(date(2026, 12, 15), PUBLISH_WITHIN).due == date(2027, 1, 14)


def test_override_making_a_2027_weekend_a_working_day_brings_the_deadline_forward():
    services.set_override(date(2027, 1, 9), is_workday=True, note="调休上班")
    assert add_workdays(date(2026, 12, 15), PUBLISH_WITHIN).due == date(2027, 1, 12)


def test_deleting_an_override_restores_the_fallback():
    services.set_override(date(2027, 1, 4), is_workday=False, note="")
    assert services.delete_override(date(2027, 1, 4))
    assert not services.delete_override(date(2027, 1, 4))
    assert add_workdays(date(2026, 12, 15), PUBLISH_WITHIN).due == date(2027, 1, 13)


def test_set_override_replaces_the_earlier_one_for_the_same_day():
    services.set_override(date(2027, 1, 4), is_workday=False, note="first")
    override = services.set_override(date(2027, 1, 4), is_workday=True, note="corrected")
    assert override.note == "corrected"
    assert is_workday(date(2027, 1, 4))


def test_published_year_removes_the_provisional_mark():
    PublishedYearFactory(year=2027)
    assert add_workdays(date(2026, 12, 15), PUBLISH_WITHIN) == Deadline(date(2027, 1, 13), provisional=False)


def test_unmarking_a_published_year_makes_deadlines_provisional_again():
    services.mark_year_published(2027, note="测试")
    assert services.unmark_year_published(2027)
    assert add_workdays(date(2026, 12, 15), PUBLISH_WITHIN).provisional


# --- workdays_between -------------------------------------------------------------------------


def test_workdays_between_counts_the_end_but_not_the_start():
    assert workdays_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert workdays_between(date(2026, 3, 2), date(2026, 3, 3)) == 1
    assert workdays_between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # weekend skipped


def test_workdays_between_across_national_day():
    assert workdays_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert workdays_between(date(2026, 9, 28), date(2026, 10, 30)) == PUBLISH_WITHIN


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 2, 10), date(2026, 3, 16)),
        (date(2026, 9, 18), date(2026, 10, 12)),
        (date(2026, 12, 15), date(2027, 1, 13)),
    ],
)
def test_workdays_between_is_antisymmetric(start, end):
    assert workdays_between(end, start) == -workdays_between(start, end)


def test_workdays_between_matches_add_workdays_across_spring_festival():
    assert workdays_between(date(2026, 2, 10), date(2026, 3, 16)) == PUBLISH_WITHIN


# --- one calendar for many calculations ---------------------------------------------------------


def test_a_calendar_instance_reads_each_years_overrides_once(django_assert_num_queries):
    calendar = WorkdayCalendar()
    with django_assert_num_queries(2):  # overrides for 2026, then for 2027 (published years: 1 more)
        calendar.workdays_between(date(2026, 1, 1), date(2027, 12, 31))
    with django_assert_num_queries(1):  # the PublishedYear table, read once
        for start in days(date(2026, 12, 1), date(2026, 12, 31)):
            calendar.add_workdays(start, PUBLISH_WITHIN)


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_workdays_between_inverts_add_workdays(start, n):
    deadline = add_workdays(start, n)
    assert workdays_between(start, deadline.due) == n
    if n:
        assert is_workday(deadline.due)
