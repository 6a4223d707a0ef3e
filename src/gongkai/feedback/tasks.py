"""Periodic jobs of 网民纠错 (the rules are in services.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="0", hour="8"))
def feedback_escalation() -> int:
    """Daily at 08:00: remind the office (and the lead department's head) of reports due today or overdue."""
    return services.escalate()
