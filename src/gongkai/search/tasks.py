"""Periodic job of the search index."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import index


@db_periodic_task(crontab(minute="30", hour="3"))
def repair_search_index() -> int:
    """Nightly: make sure every published item, and nothing else, is in the index."""
    return index.repair()
