"""Reads for the public side. Everything here returns only what the public may see: published items
and the attachments of their live revisions. Anything else is simply not found (404), so an unpublished
item or a draft's file is never reachable by a guessed URL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gongkai.catalogue import selectors as catalogue_selectors
from gongkai.catalogue.models import CatalogueEntry
from gongkai.orgs.models import Organization
from gongkai.publishing.constants import ItemStatus
from gongkai.publishing.models import Attachment, InformationItem, Topic


@dataclass(frozen=True)
class ItemLookup:
    """The public outcome of an index number: shown, withdrawn (410) or unknown (404)."""

    item: InformationItem | None
    withdrawn: bool = False

    @property
    def found(self) -> bool:
        return self.item is not None and not self.withdrawn


def public_organizations() -> QuerySet[Organization]:
    return Organization.objects.filter(is_active=True).order_by("code")


def published_items(organization: Organization | None = None) -> QuerySet[InformationItem]:
    """Published items, newest first (as the public lists show them)."""
    items = InformationItem.objects.published().with_live().order_by("-published_at", "-pk")
    if organization is not None:
        items = items.filter(organization=organization)
    return items


def item_for_public(index_number: str) -> ItemLookup:
    """Look an index number up for the public page.

    Published → the item with its live revision; withdrawn → the item, for the public explanation only;
    anything else (draft, in review, approved but never published, unknown) → nothing.
    """
    item = (
        InformationItem.objects.with_live()
        .select_related("replaced_by", "replaced_by__live_revision")
        .filter(index_number=index_number)
        .first()
    )
    if item is None or item.live_revision_id is None:
        return ItemLookup(None)
    if item.status == ItemStatus.WITHDRAWN:
        return ItemLookup(item, withdrawn=True)
    if item.status != ItemStatus.PUBLISHED:
        return ItemLookup(None)
    return ItemLookup(item)


def live_attachments(item: InformationItem) -> list[Attachment]:
    return list(item.live_revision.attachments.order_by("uploaded_at", "pk"))


def public_attachment(pk: int) -> Attachment | None:
    """An attachment, only if it belongs to the live revision of a published item."""
    live_revisions = InformationItem.objects.published().values("live_revision_id")
    return Attachment.objects.filter(pk=pk, revisions__in=live_revisions).first()


# ---------------------------------------------------------------------------------------------------
# List pages: filters read from the query string. Bad values are dropped with a polite message.

VALIDITY_CHOICES = {
    "valid": "有效",
    "abolished": "已废止",
    "expired": "已失效",
}
_VALIDITY_BY_LABEL = {label: code for code, label in VALIDITY_CHOICES.items()}
KEYWORD_MAX = 100


@dataclass
class ListFilters:
    """What a list page is narrowed to; each field is a validated value or empty."""

    organization: Organization | None = None
    entries: list = field(default_factory=list)  # the chosen catalogue entries (one per organisation)
    entry_ids: set[int] = field(default_factory=set)  # them and their descendants
    topic_code: str = ""
    topic_ids: set[int] = field(default_factory=set)
    year: int | None = None
    validity: str = ""
    keyword: str = ""
    messages: list[str] = field(default_factory=list)

    @property
    def column_name(self) -> str:
        return self.entries[0].name if self.entries else "法定主动公开内容"

    def query(self, *, page: int | None = None) -> str:
        """The query string of these filters (for pagination links)."""
        params: list[tuple[str, str]] = []
        if self.organization is not None:
            params.append(("org", self.organization.code))
        if self.entries:
            params.append(("catalogue", self.entries[0].code))
        if self.topic_code:
            params.append(("topic", self.topic_code))
        if self.year:
            params.append(("year", str(self.year)))
        if self.validity:
            params.append(("validity", self.validity))
        if self.keyword:
            params.append(("q", self.keyword))
        if page:
            params.append(("page", str(page)))
        return urlencode(params)


def descendants_by_entry(entries: list[CatalogueEntry]) -> dict[int, set[int]]:
    """For each entry, the ids of it and all entries below it (computed in memory, cycles tolerated)."""
    children: dict[int | None, list[int]] = {}
    for entry in entries:
        children.setdefault(entry.parent_id, []).append(entry.pk)
    out: dict[int, set[int]] = {}
    for entry in entries:
        seen: set[int] = set()
        stack = [entry.pk]
        while stack:
            pk = stack.pop()
            if pk in seen:
                continue
            seen.add(pk)
            stack.extend(children.get(pk, []))
        out[entry.pk] = seen
    return out


def parse_list_filters(params, organizations: list[Organization]) -> ListFilters:
    """Read org / catalogue / topic / year / validity / q; a fixed number of queries whatever is asked."""
    filters = ListFilters()
    org_code = (params.get("org") or "").strip()
    if org_code:
        filters.organization = next((o for o in organizations if o.code == org_code), None)
        if filters.organization is None:
            filters.messages.append("未找到所选发布机构,已显示全部机构的信息。")
    elif len(organizations) == 1:
        filters.organization = organizations[0]
    org_ids = [filters.organization.pk] if filters.organization else [o.pk for o in organizations]

    code = (params.get("catalogue") or "").strip()[:40]
    if code:
        rows = list(CatalogueEntry.objects.filter(organization_id__in=org_ids))
        below = descendants_by_entry(rows)
        chosen = [entry for entry in rows if entry.code == code]
        if chosen:
            filters.entries = chosen
            for entry in chosen:
                filters.entry_ids |= below[entry.pk]
        else:
            filters.messages.append("未找到所选目录分类,已忽略该条件。")

    topic_code = (params.get("topic") or "").strip()[:40]
    if topic_code:
        ids = set(
            Topic.objects.filter(organization_id__in=org_ids, code=topic_code).values_list("pk", flat=True)
        )
        if ids:
            filters.topic_code, filters.topic_ids = topic_code, ids
        else:
            filters.messages.append("未找到所选主题,已忽略该条件。")

    year = (params.get("year") or "").strip()
    if year:
        if year.isascii() and year.isdigit() and 1949 <= int(year) <= 9999:
            filters.year = int(year)
        else:
            filters.messages.append("年份格式不正确,已忽略该条件。")

    validity = (params.get("validity") or "").strip()
    if validity:
        validity = _VALIDITY_BY_LABEL.get(validity, validity)
        if validity in VALIDITY_CHOICES:
            filters.validity = validity
        else:
            filters.messages.append("有效性只能是“有效”“已废止”或“已失效”,已忽略该条件。")

    keyword = " ".join((params.get("q") or "").split())
    if len(keyword) > KEYWORD_MAX:
        filters.messages.append(f"关键词过长,只按前{KEYWORD_MAX}个字查找。")
        keyword = keyword[:KEYWORD_MAX]
    filters.keyword = keyword
    return filters


def validity_condition(validity: str, today: datetime.date) -> Q:
    """The database condition for a validity on ``today`` (the same rule as InformationItem.validity_on)."""
    not_abolished = Q(abolished_on__isnull=True) | Q(abolished_on__gt=today)
    not_expired = Q(expires_on__isnull=True) | Q(expires_on__gt=today)
    if validity == "abolished":
        return Q(abolished_on__lte=today)
    if validity == "expired":
        return not_abolished & Q(expires_on__lte=today)
    return not_abolished & not_expired


def filtered_items(filters: ListFilters, organizations: list[Organization]) -> QuerySet[InformationItem]:
    items = published_items(filters.organization)
    if filters.organization is None:
        items = items.filter(organization__in=[o.pk for o in organizations])
    if filters.entries:
        items = items.filter(live_revision__catalogue_entry_id__in=filters.entry_ids)
    if filters.topic_ids:
        items = items.filter(live_revision__topic_id__in=filters.topic_ids)
    if filters.year:
        items = items.filter(published_at__year=filters.year)
    if filters.validity:
        items = items.filter(validity_condition(filters.validity, timezone.localdate()))
    if filters.keyword:
        items = items.filter(live_revision__title__icontains=filters.keyword)
    return items


# ---------------------------------------------------------------------------------------------------
# The catalogue tree of /xxgk/ and the annual reports column.

ANNUAL_REPORT_WORDS = ("年报", "年度报告")


@dataclass(frozen=True)
class TreeNode:
    entry: CatalogueEntry
    depth: int
    is_leaf: bool
    count: int  # published items in it and below it


def catalogue_tree(organization: Organization) -> list[TreeNode]:
    """The organisation's catalogue with published counts: two queries whatever its size."""
    rows = catalogue_selectors.tree(organization)
    direct = dict(
        InformationItem.objects.published()
        .filter(organization=organization, live_revision__catalogue_entry__isnull=False)
        .values_list("live_revision__catalogue_entry")
        .annotate(n=Count("pk"))
        .values_list("live_revision__catalogue_entry", "n")
    )
    below = descendants_by_entry([entry for entry, _depth in rows])
    parents = {entry.parent_id for entry, _depth in rows}
    return [
        TreeNode(
            entry=entry,
            depth=depth,
            is_leaf=entry.pk not in parents,
            count=sum(direct.get(pk, 0) for pk in below[entry.pk]),
        )
        for entry, depth in rows
    ]


def annual_report_items(organization: Organization, limit: int = 10) -> list[InformationItem]:
    condition = Q()
    for word in ANNUAL_REPORT_WORDS:
        condition |= Q(live_revision__catalogue_entry__name__contains=word)
    return list(published_items(organization).filter(condition)[:limit])


def column_items(entries: list[CatalogueEntry], limit: int = 20) -> list[InformationItem]:
    """The latest published items of catalogue entries and everything below them (feeds)."""
    org_ids = {entry.organization_id for entry in entries}
    rows = list(CatalogueEntry.objects.filter(organization_id__in=org_ids))
    below = descendants_by_entry(rows)
    ids: set[int] = set()
    for entry in entries:
        ids |= below.get(entry.pk, {entry.pk})
    return list(
        InformationItem.objects.published()
        .with_live()
        .filter(live_revision__catalogue_entry_id__in=ids)
        .order_by("-published_at", "-pk")[:limit]
    )
