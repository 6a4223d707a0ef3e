"""Periodic jobs of 政务舆情 (the rules are in polling.py and services.py)."""

import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import (
    notify,  # noqa: F401  (its e-mail and group-robot tasks register with the worker)
    services,
)

SEEN_KEEP_DAYS = 90


@db_periodic_task(crontab(minute="*"))
@lock_task("concerns-poll")
def concerns_poll() -> int:
    """Every minute: poll the sources that are due (each on its own adaptive schedule)."""
    from . import polling

    return len(polling.poll_due())


@db_periodic_task(crontab(minute="*/5"))
def concerns_escalation() -> int:
    """Every 5 minutes: announce the response clocks that reached a point (50%, 80%, 100%) and record breaches
    (first catching up website responses published while their after-commit signal was lost)."""
    services.catch_up_published_responses()
    return services.escalate()


@db_periodic_task(crontab(minute="30", hour="3"))
def concerns_forget_seen() -> int:
    """Nightly: forget entries seen more than 90 days ago (feeds do not repeat them that late)."""
    from .models import SeenEntry

    cutoff = timezone.now() - datetime.timedelta(days=SEEN_KEEP_DAYS)
    return SeenEntry.objects.filter(seen_at__lt=cutoff).delete()[0]
