"""Periodic jobs of the public site."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from . import export


def _shortly_after_local_midnight() -> crontab:
    """00:05 in the site's time zone, on the clock huey's scheduler reads (UTC unless huey is told
    otherwise). Validity turns at local midnight; zones with summer time would drift by an hour."""
    local = datetime.datetime.combine(
        datetime.date.today(), datetime.time(0, 5), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )
    moment = local.astimezone(datetime.UTC) if HUEY.utc else local
    return crontab(minute=str(moment.minute), hour=str(moment.hour))


@db_periodic_task(_shortly_after_local_midnight())
def export_site_daily() -> dict | None:
    """Daily, just after midnight: re-export every item page when the static export is on. Validity is
    computed from the date (a future abolition or expiry date passes without any public change), and
    organisation or catalogue renames send no signal either."""
    root = export.export_dir()
    if root is None:
        return None
    report = export.export_site(root)
    return {"written": report.written, "removed": report.removed, "refused": len(report.refused)}
