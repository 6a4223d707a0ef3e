"""Periodic jobs of the reports app (the rules are in annual.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import (
    annual,
    digest,  # noqa: F401  (its Monday digest task registers with the worker)
)


@db_periodic_task(crontab(month="1", minute="0", hour="9"))
def annual_report_reminder() -> int:
    """Every January day at 09:00: on (or, after a missed run, just after) 10, 20, 25 and 30 January, tell the
    office editors and leaders whose previous year's report is not published yet (once per date)."""
    return annual.remind()
