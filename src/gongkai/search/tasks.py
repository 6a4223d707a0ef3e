"""Periodic job of the search index."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import index


@db_periodic_task(crontab(minute="*/10"))
def repair_search_index() -> int:
    """Every ten minutes: make sure every published item, up to date, and nothing else is in the index
    (an after-commit update lost to a crash is made good here)."""
    return index.repair()
