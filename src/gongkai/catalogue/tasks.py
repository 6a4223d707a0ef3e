"""Periodic jobs of the basic catalogue (the duties themselves are in health.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import health


@db_periodic_task(crontab(minute="0", hour="7"))
def catalogue_health() -> int:
    """Daily at 07:00: warn departments about their empty or overdue columns, the office about totals."""
    return health.notify_all()
