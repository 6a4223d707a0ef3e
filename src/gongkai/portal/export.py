"""Static export of the public item pages, so that nginx can serve them without reaching Python.

Each published item page ``/xxgk/items/<index number>/`` is written to
``<root>/xxgk/items/<index number>/index.html``; nginx tries that file first and falls back to the
application (docs/deploy/nginx-static-export.conf), so a page that is missing from the export, or was
refused here, is still served live. A withdrawn or unknown item has no file: the application answers
410 or 404 for it.

Pages are rendered by Django's own request handler (middleware, URLconf, views, templates), so an
exported file is byte for byte what gunicorn would send for the same request. The export asks as a
robot, which the item view does not count as a reader, and nginx then serves the file without reaching
Django at all: **reads of exported pages are not counted in 浏览次数**, and the count an exported page
shows is the one at its last export (refreshed on every public change and by the daily re-export).

The export is kept current by the ``public_changed`` signal (one item, after commit) when
``settings.EXPORT_DIR`` is set, by ``gongkai export_site`` (everything) and by a daily job in
``tasks.py`` (validity turns by date: a future abolition or expiry date passes without any signal).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.http import HttpResponse
from django.http.request import validate_host
from django.test import RequestFactory
from django.urls import reverse

from gongkai.orgs.models import Organization
from gongkai.publishing.models import InformationItem

logger = logging.getLogger(__name__)

ITEMS_DIR = ("xxgk", "items")
PAGE_NAME = "index.html"
# The item view does not count requests from robots; the export is one (see the module docstring).
EXPORT_USER_AGENT = "GongkaiExportBot/1.0 (static export; not a reader)"


class UnsafeIndexNumber(ValueError):
    """An index number that cannot be turned into a path inside the export directory."""


@dataclass
class ExportReport:
    written: int = 0
    removed: int = 0
    refused: list[str] = field(default_factory=list)  # index numbers that cannot be exported safely


def export_dir() -> Path | None:
    """The configured export directory (``GONGKAI_EXPORT_DIR``), or None when the export is off."""
    value = getattr(settings, "EXPORT_DIR", None)
    return Path(value) if value else None


def items_root(root: Path) -> Path:
    return Path(root).joinpath(*ITEMS_DIR)


def page_path(root: Path, index_number: str) -> Path:
    """Where the page of ``index_number`` is exported; refuses anything that could leave the directory.

    Index numbers contain "/" (``{org_code}/{year}-{serial}``) and their pattern is set by an
    administrator, so each segment is checked: no empty, ".", ".." or hidden segment (temporary files
    are hidden), no backslash or NUL, and no segment named like the page file itself.
    """
    if not index_number:
        raise UnsafeIndexNumber("empty index number")
    segments = index_number.split("/")
    for segment in segments:
        if (
            segment in ("", ".", "..")
            or segment.startswith(".")
            or segment == PAGE_NAME
            or "\\" in segment
            or "\x00" in segment
        ):
            raise UnsafeIndexNumber(f"index number {index_number!r} cannot be a path")
    base = items_root(root)
    path = base.joinpath(*segments, PAGE_NAME)
    if not Path(os.path.normpath(path)).is_relative_to(os.path.normpath(base)):  # belt and braces
        raise UnsafeIndexNumber(f"index number {index_number!r} leaves the export directory")
    return path


def _walk_inside(root: Path, directory: Path, *, create: bool) -> bool:
    """Go down from the items directory to ``directory`` refusing symbolic links on the way (they could
    lead outside the export directory); create missing levels when asked. False if a level is missing."""
    base = items_root(root)
    if create:
        base.mkdir(parents=True, exist_ok=True)
    current = base
    for part in directory.relative_to(base).parts:
        current = current / part
        if current.is_symlink():
            raise UnsafeIndexNumber(f"{current} is a symbolic link")
        if create:
            current.mkdir(exist_ok=True)
        elif not current.is_dir():
            return False
    return True


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file in the same directory, then rename it over the page (atomic on POSIX):
    nginx sees either the old page or the new one, never half of one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".index.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; nginx's workers run as another user
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _host_for(organization: Organization) -> str:
    """The Host the page is rendered for (it shows in the canonical URL): the organisation's own site
    domain when this deployment answers to it, else the first host it does answer to."""
    allowed = settings.ALLOWED_HOSTS
    if organization.site_domain and validate_host(organization.site_domain, allowed):
        return organization.site_domain
    for host in allowed:
        if host != "*" and not host.startswith("."):
            return host
    return "localhost"


class Exporter:
    """Renders item pages through the full request handler and keeps their files in ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._handler = BaseHandler()
        self._handler.load_middleware()
        self._requests = RequestFactory()
        # Behind the TLS terminator the pages are https pages (canonical URL); asking over http would
        # only get the TLS redirect.
        self._secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False)) or bool(
            getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        )

    def render(self, index_number: str, organization: Organization) -> HttpResponse:
        """The response the live site gives a robot for this page (no request signals are sent, so the
        caller's database connection and transaction are left alone)."""
        request = self._requests.get(
            reverse("portal:item", kwargs={"index_number": index_number}),
            secure=self._secure,
            HTTP_HOST=_host_for(organization),
            HTTP_USER_AGENT=EXPORT_USER_AGENT,
        )
        return self._handler.get_response(request)

    def refresh(self, item: InformationItem) -> str:
        """Bring one item's file up to date: "written", "removed", "absent" or "refused"."""
        if not item.index_number:
            return "absent"  # never published: it has no public page
        try:
            path = page_path(self.root, item.index_number)
            response = self.render(item.index_number, item.organization)
            if response.status_code == 200:
                _walk_inside(self.root, path.parent, create=True)
                write_atomically(path, response.content)
                return "written"
            if response.status_code in (404, 410):
                return self._remove(path)
        except UnsafeIndexNumber as refusal:
            logger.warning("static export: refused item %s: %s", item.pk, refusal)
            return "refused"
        raise RuntimeError(
            f"static export: {item.index_number!r} answered {response.status_code}, file left as it was"
        )

    def _remove(self, path: Path) -> str:
        if not _walk_inside(self.root, path.parent, create=False):
            return "absent"
        try:
            path.unlink()
        except FileNotFoundError:
            return "absent"
        return "removed"


def _items():
    return InformationItem.objects.select_related("organization")


def export_site(root: Path) -> ExportReport:
    """Export every published item page and remove the file of every page that is no longer public."""
    exporter = Exporter(root)
    report = ExportReport()
    exported: set[Path] = set()
    for item in _items().published().order_by("pk").iterator(chunk_size=200):
        outcome = exporter.refresh(item)
        if outcome == "written":
            report.written += 1
            exported.add(page_path(root, item.index_number))
        elif outcome == "removed":
            report.removed += 1
        elif outcome == "refused":
            report.refused.append(item.index_number)
    report.removed += _prune(root, exported)
    return report


def _prune(root: Path, exported: set[Path]) -> int:
    """Remove exported pages of items that are no longer published (withdrawn since, or removed)."""
    base = items_root(root)
    stale: dict[str, Path] = {}
    for directory, _subdirectories, names in os.walk(base):  # symbolic links are not followed
        path = Path(directory) / PAGE_NAME
        if PAGE_NAME in names and path not in exported:
            stale[path.parent.relative_to(base).as_posix()] = path
    if not stale:
        return 0
    # Published after the list above was read (by another process): keep, its receiver wrote it.
    keep = set(_items().published().filter(index_number__in=stale).values_list("index_number", flat=True))
    removed = 0
    for index_number, path in stale.items():
        if index_number not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def refresh_item(root: Path, item_id: int) -> dict[str, str]:
    """Re-export one item, and the items that link to it as their replacement (their page shows the
    link only while the replacement is public). Returns {index number: outcome}."""
    exporter = Exporter(root)
    outcomes: dict[str, str] = {}
    item = _items().filter(pk=item_id).first()
    if item is None:
        return outcomes
    for each in [item, *_items().published().filter(replaced_by_id=item_id).exclude(pk=item_id)]:
        outcomes[each.index_number or f"#{each.pk}"] = exporter.refresh(each)
    return outcomes


def on_public_changed(sender, item_id: int, **kwargs) -> None:
    """Receiver of ``publishing.signals.public_changed`` (sent after commit): re-export that item when
    the export is on. Never raises: the live site serves the page anyway, and a failure is logged for
    ``gongkai export_site`` to repair."""
    root = export_dir()
    if root is None:
        return
    try:
        refresh_item(root, item_id)
    except Exception:
        logger.exception("static export of item %s failed; run `gongkai export_site`", item_id)
