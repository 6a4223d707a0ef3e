"""Reading the basic catalogue."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .models import CatalogueEntry


def entries(organization) -> QuerySet[CatalogueEntry]:
    return CatalogueEntry.objects.filter(organization=organization).select_related(
        "parent", "responsible_department"
    )


def leaves(organization) -> QuerySet[CatalogueEntry]:
    """The columns items can be published in: entries without children (P9)."""
    children = CatalogueEntry.objects.filter(parent=OuterRef("pk"))
    return entries(organization).filter(~Exists(children))


def is_leaf(entry: CatalogueEntry) -> bool:
    return not entry.children.exists()


def tree(organization) -> list[tuple[CatalogueEntry, int]]:
    """Every entry with its depth (0 for top level), parents before children, siblings by ordering."""
    rows = list(entries(organization).order_by("ordering", "code"))
    by_parent: dict[int | None, list[CatalogueEntry]] = {}
    for entry in rows:
        by_parent.setdefault(entry.parent_id, []).append(entry)
    out: list[tuple[CatalogueEntry, int]] = []
    seen: set[int] = set()

    def walk(parent_id, depth):
        for entry in by_parent.get(parent_id, []):
            if entry.pk in seen:
                continue
            seen.add(entry.pk)
            out.append((entry, depth))
            walk(entry.pk, depth + 1)

    walk(None, 0)
    out.extend((entry, 0) for entry in rows if entry.pk not in seen)  # defensive: never lose an entry
    return out
