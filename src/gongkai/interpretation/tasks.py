from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import scheduled


@db_periodic_task(crontab(minute="15", hour="8"))
def interpretation_deadlines() -> int:
    """Daily at 08:15: interpretations near or past their deadline."""
    return scheduled.escalate_interpretation_deadlines()
