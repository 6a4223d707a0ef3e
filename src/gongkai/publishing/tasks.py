"""Periodic jobs of the publishing workflow."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="15", hour="*"))
def escalate_publication_deadlines() -> int:
    """Hourly: warn about items near or past their 20-working-day publication deadline."""
    return services.escalate_publication_deadlines()
