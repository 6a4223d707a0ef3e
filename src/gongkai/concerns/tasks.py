"""Periodic jobs of 政务舆情 (the rules are in polling.py and services.py)."""

import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import (
    notify,  # (its e-mail and group-robot tasks register with the worker)
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


@db_periodic_task(crontab(minute="*/5"))
def concerns_outbox() -> int:
    """Every 5 minutes: the outbox of e-mails and group-robot messages (notify.py). Sends what is unsent,
    older than 2 minutes (younger ones are their after-commit task's) and due: a message whose task was
    never queued (the process died between the commit and the enqueue, the queue was down) or whose
    task or retries the queue lost; it gives up after notify.MAX_ATTEMPTS attempts, the reason kept on the
    message (and, for a robot, on the robot as before).

    Personal data minimisation: messages sent (or given up) more than 90 days ago are deleted — they hold
    addresses and texts about people, kept only as long as needed to see what was sent."""
    sent = notify.deliver_due()
    notify.purge_outbox()
    return sent


@db_periodic_task(crontab(minute="30", hour="3"))
def concerns_forget_seen() -> int:
    """Nightly: forget entries seen more than 90 days ago (feeds do not repeat them that late)."""
    from .models import SeenEntry

    cutoff = timezone.now() - datetime.timedelta(days=SEEN_KEEP_DAYS)
    return SeenEntry.objects.filter(seen_at__lt=cutoff).delete()[0]
