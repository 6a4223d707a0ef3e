"""Periodic job of the search index."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import backends, index


@db_periodic_task(crontab(minute="*/10"))
def repair_search_index() -> int:
    """Every ten minutes: make sure every published item, up to date, and nothing else is in the index
    (an after-commit update lost to a crash is made good here)."""
    fixed = index.repair()
    index.merge(at_least=backends.current().MERGE_AT)
    return fixed


@db_periodic_task(crontab(minute="40", hour="2"))
def merge_search_index() -> int:
    """Every night (PostgreSQL): fold the day's index updates into the posting lists."""
    return index.merge()
