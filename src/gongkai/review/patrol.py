"""巡查: when a dictionary changes, everything published is read again with the new dictionaries, and
the departments that own an item with a new finding are told (谁发布谁负责)."""

from __future__ import annotations

import logging

from django.db import transaction

from gongkai.audit import services as audit
from gongkai.orgs.constants import Role
from gongkai.publishing.models import InformationItem

from . import engine
from .models import Finding

logger = logging.getLogger(__name__)


def patrol(organization_id: int | None = None) -> dict[str, int]:
    """Rescan the live revision of every published item (of one organisation, or all when None).

    A finding is *new* when its key was not among the live revision's findings before; new findings are
    stored (marked ``by_patrol``) and announced to the lead department's head and drafters and to the
    office editors. Returns counts.
    """
    from gongkai.publishing.services import notify_members

    items = InformationItem.objects.published().select_related("live_revision", "organization")
    if organization_id is not None:
        items = items.filter(organization_id=organization_id)
    scanned = announced = new_total = 0
    for item in items.iterator(chunk_size=200):
        revision = item.live_revision
        revision.item = item
        with transaction.atomic():
            before = set(revision.findings.values_list("key", flat=True))
            rows = engine.findings_for(revision, by_patrol=True)
            new = [row for row in rows if row.key not in before]
            scanned += 1
            if not new:
                continue
            Finding.objects.bulk_create(new)
            new_total += len(new)
            announced += 1
            sample = "、".join(f"“{f.matched}”({f.get_category_display()})" for f in new[:3])
            department_id = revision.lead_department_id
            notify_members(
                item,
                who=lambda m, d=department_id: (
                    m.has_role(Role.OFFICE_EDITOR)
                    or (
                        m.department_id == d
                        and (m.has_role(Role.DEPARTMENT_HEAD) or m.has_role(Role.DRAFTER))
                    )
                ),
                kind="review.patrol",
                message=f"巡查发现已发布的《{revision.title}》有 {len(new)} 处问题:{sample}。请及时更新或撤回。",
            )
    audit.record(
        action="review.patrol.run",
        organization=organization_id,
        data={"scanned": scanned, "items_with_new_findings": announced, "new_findings": new_total},
    )
    logger.info("patrol: %s items scanned, %s new findings in %s items", scanned, new_total, announced)
    return {"scanned": scanned, "items": announced, "findings": new_total}
