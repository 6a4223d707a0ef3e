"""Periodic jobs of the publishing workflow (the duties themselves are in scheduled.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import scheduled


@db_periodic_task(crontab(minute="15", hour="*"))
def publication_deadlines() -> tuple[int, int]:
    """Hourly: keep deadlines in step with the calendar, then warn about those near or past."""
    return scheduled.recompute_publication_deadlines(), scheduled.escalate_publication_deadlines()


@db_periodic_task(crontab(minute="*/10"))
def overdue_post_reviews() -> int:
    """Every ten minutes: urgent publications whose after-the-fact review is late."""
    return scheduled.escalate_overdue_post_reviews()
