"""Periodic jobs of 公众参与 (the rules live in consultations.py, messages.py and interviews.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/5"))
def participation_consultation_states() -> int:
    """Every 5 minutes: open consultations whose day has come and close those past their last day."""
    from . import consultations

    return consultations.advance_states()


@db_periodic_task(crontab(minute="0", hour="8"))
def participation_deadlines() -> int:
    """Daily at 08:00: remind of feedback reports and messages due soon or late."""
    from . import consultations, messages

    return consultations.escalate_feedback() + messages.escalate()


@db_periodic_task(crontab(minute="*"))
def participation_interviews() -> int:
    """Every minute: start and end online interviews at their scheduled times."""
    from . import interviews

    return interviews.advance_states()
