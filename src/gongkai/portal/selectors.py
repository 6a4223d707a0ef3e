"""Reads for the public side. Everything here returns only what the public may see: published items
and the attachments of their live revisions. Anything else is simply not found (404), so an unpublished
item or a draft's file is never reachable by a guessed URL.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString

from gongkai.catalogue import selectors as catalogue_selectors
from gongkai.catalogue.models import CatalogueEntry
from gongkai.orgs.models import Organization
from gongkai.publishing.constants import ItemStatus
from gongkai.publishing.models import Attachment, InformationItem, Topic
from gongkai.search import highlight
from gongkai.search import query as search_query
from gongkai.search.index import item_fields
from gongkai.search.models import Field
from gongkai.search.text import ParsedQuery, parse_query


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
    # A unique index number: no ORDER BY (``.first()`` would add one, and compiling it cost a quarter of
    # the item page's CPU under load, bench/RESULTS.md).
    item = next(
        iter(
            InformationItem.objects.with_live()
            .select_related("replaced_by", "replaced_by__live_revision")
            .filter(index_number=index_number)
            .order_by()[:1]
        ),
        None,
    )
    if item is None or item.live_revision_id is None:
        return ItemLookup(None)
    if item.status == ItemStatus.WITHDRAWN:
        return ItemLookup(item, withdrawn=True)
    if item.status != ItemStatus.PUBLISHED:
        return ItemLookup(None)
    return ItemLookup(item)


@dataclass(frozen=True)
class PublishedStamp:
    """What serving a cached item page needs: the item's key, lock version and view count, and the public
    generation (`publishing.signals.generation`)."""

    pk: int
    lock_version: int
    view_count: int
    generation: int


def published_stamp(index_number: str) -> PublishedStamp | None:
    """The stamp of a published item, in one small read of one indexed row; None for anything else (the
    full lookup, `item_for_public`, then tells a withdrawn item from an unknown one).

    Plain SQL: the page is served from the cache when its key matches, and building this query with the
    ORM cost more CPU than the rest of such a request."""
    from django.db import connection

    from gongkai.publishing.models import PublicGeneration

    table = connection.ops.quote_name(InformationItem._meta.db_table)
    generations = connection.ops.quote_name(PublicGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, lock_version, view_count, (SELECT token FROM {generations} WHERE id = 1) "  # noqa: S608
            f"FROM {table} WHERE index_number = %s AND status = %s AND live_revision_id IS NOT NULL",
            [index_number, ItemStatus.PUBLISHED.value],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, lock_version, view_count, generation = row
    return PublishedStamp(pk, lock_version, view_count, int(generation or 0))


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

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.organization is not None:
            out["org"] = self.organization.code
        if self.entries:
            out["catalogue"] = self.entries[0].code
        if self.topic_code:
            out["topic"] = self.topic_code
        if self.year:
            out["year"] = str(self.year)
        if self.validity:
            out["validity"] = self.validity
        if self.keyword:
            out["q"] = self.keyword
        return out

    def query(self, *, page: int | None = None, **changes: str | None) -> str:
        """The query string of these filters, with ``changes`` (None removes a parameter)."""
        params = self.params()
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        if page:
            params["page"] = str(page)
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
        parsed = parse_query(filters.keyword)
        items = items.filter(pk__in=search_query.matching(parsed.terms)) if parsed else items.none()
    return items


# ---------------------------------------------------------------------------------------------------
# Search: the list filters plus full-text terms, ranked, with facets and highlighted snippets.

SEARCH_PER_PAGE = 20
SEARCH_MAX_OFFSET = (
    10_000  # deeper results are refused politely (nobody reads them; crawlers use the sitemap)
)
FACET_LIMIT = 12


@dataclass(frozen=True)
class Hit:
    item: InformationItem
    score: int
    title: SafeString
    snippet: SafeString | None
    snippet_field: str  # which text the snippet comes from ("正文", "内容概述", "附件"), "" if none


@dataclass(frozen=True)
class FacetValue:
    value: str  # the query-string value that selects it
    label: str
    count: int
    selected: bool
    query: str = ""  # the query string that selects it (or, when selected, removes it)


def search_orders() -> list[tuple[str, str]]:
    return list(search_query.ORDERS.items())


def _with_links(facets: dict[str, list[FacetValue]], filters: ListFilters, order: str) -> dict:
    extra = {"order": order} if order != "relevance" else {}
    return {
        key: [
            replace(v, query=filters.query(**{key: None if v.selected else v.value}, **extra)) for v in values
        ]
        for key, values in facets.items()
    }


@dataclass
class SearchResults:
    query: ParsedQuery
    order: str
    hits: list[Hit]
    count: int
    offset: int
    limit: int
    facets: dict[str, list[FacetValue]]
    messages: list[str]

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def num_pages(self) -> int:
        return min(-(-self.count // self.limit), SEARCH_MAX_OFFSET // self.limit + 1)


def entry_filter(filters: ListFilters, organizations: list[Organization]) -> search_query.EntryFilter:
    org_ids = [filters.organization.pk] if filters.organization is not None else [o.pk for o in organizations]
    return search_query.EntryFilter(
        organization_ids=org_ids,
        today=timezone.localdate(),
        entry_ids=filters.entry_ids if filters.entries else set(),
        topic_ids=filters.topic_ids,
        year=filters.year,
        validity=filters.validity,
    )


def _most_common(tally: Counter) -> list[tuple[int, int]]:
    """The FACET_LIMIT values with the most matches; equal counts by id, so the list is the same
    whichever order the counts were made in."""
    return sorted(tally.items(), key=lambda pair: (-pair[1], pair[0]))[:FACET_LIMIT]


@dataclass(frozen=True)
class _Named:
    code: str
    name: str


def _facet_names(
    tallies: dict[str, Counter],
) -> tuple[dict[int, _Named], dict[int, _Named], dict[int, _Named]]:
    """The codes and names of the catalogue entries, topics and publishers of a search's facets, in one
    query (three ORM queries cost ~5 ms of a search, most of it building them)."""
    wanted = [
        ("e", CatalogueEntry, [pk for pk, _n in _most_common(tallies["entry"])]),
        ("t", Topic, [pk for pk, _n in _most_common(tallies["topic"])]),
        (
            "o",
            Organization,
            [pk for pk, _n in _most_common(tallies["org"])] if len(tallies["org"]) > 1 else [],
        ),
    ]
    parts: list[str] = []
    params: list = []
    for kind, model, ids in wanted:
        if ids:
            marks = ",".join(["%s"] * len(ids))
            parts.append(f"SELECT %s, id, code, name FROM {model._meta.db_table} WHERE id IN ({marks})")  # noqa: S608
            params += [kind, *ids]
    found: dict[str, dict[int, _Named]] = {"e": {}, "t": {}, "o": {}}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for kind, pk, code, name in cursor.fetchall():
                found[kind][pk] = _Named(code, name)
    return found["e"], found["t"], found["o"]


def _facets(tallies: dict[str, Counter], filters: ListFilters) -> dict[str, list[FacetValue]]:
    """The facet values (year, catalogue entry, topic, validity, publisher) of the counts of a search
    (search_query.run), with their names."""
    entries, topics, orgs = _facet_names(tallies)
    chosen_entry = filters.entries[0].code if filters.entries else ""
    return {
        "year": [
            FacetValue(str(year), f"{year}年", n, year == filters.year)
            for year, n in sorted(tallies["year"].items(), reverse=True)
        ],
        "catalogue": [
            FacetValue(entries[pk].code, entries[pk].name, n, entries[pk].code == chosen_entry)
            for pk, n in _most_common(tallies["entry"])
            if pk in entries
        ],
        "topic": [
            FacetValue(topics[pk].code, topics[pk].name, n, topics[pk].code == filters.topic_code)
            for pk, n in _most_common(tallies["topic"])
            if pk in topics
        ],
        "validity": [
            FacetValue(code, label, tallies["validity"][code], code == filters.validity)
            for code, label in VALIDITY_CHOICES.items()
            if tallies["validity"][code]
        ],
        "org": [
            FacetValue(
                orgs[pk].code,
                orgs[pk].name,
                n,
                filters.organization is not None and pk == filters.organization.pk,
            )
            for pk, n in _most_common(tallies["org"])
            if pk in orgs
        ],
    }


def _hit(item: InformationItem, score: int, terms: list[str]) -> Hit:
    revision = item.live_revision
    fields = item_fields(item)
    for source, label in ((Field.BODY, "正文"), (Field.SUMMARY, "内容概述"), (Field.ATTACHMENTS, "附件")):
        found = highlight.snippet(fields[source], terms)
        if found is not None:
            return Hit(item, score, highlight.highlight(revision.title, terms), found, label)
    return Hit(item, score, highlight.highlight(revision.title, terms), None, "")


def search(
    filters: ListFilters,
    organizations: list[Organization],
    *,
    order: str = "relevance",
    offset: int = 0,
    limit: int = SEARCH_PER_PAGE,
) -> SearchResults:
    """Published items matching every term of ``filters.keyword`` and the other filters.

    A fixed number of queries whatever the size of the result: the index generation, one index lookup
    per term (the total, the facet counts and the page of ids are then computed in process:
    search_query.run), the items of the page (published ones only) with their attachments for the
    snippets, and the names of the facet values.
    """
    parsed = parse_query(filters.keyword)
    messages = list(parsed.messages)
    order = order if order in search_query.ORDERS else "relevance"
    if not parsed:
        return SearchResults(parsed, order, [], 0, offset, limit, {}, messages)
    where = entry_filter(filters, organizations)
    if offset > SEARCH_MAX_OFFSET:
        messages.append(f"检索结果最多显示前{SEARCH_MAX_OFFSET}条,请增加检索词或筛选条件。")
        offset = SEARCH_MAX_OFFSET
    found = search_query.run(parsed.terms, where, order=order, limit=limit, offset=offset)
    count, ranked = found.total, found.page
    facets = _with_links(_facets(found.tallies, filters), filters, order)
    items = (
        InformationItem.objects.published()
        .with_live()
        .select_related("replaced_by")
        .prefetch_related("live_revision__attachments")
        .in_bulk([pk for pk, _score in ranked])
    )
    hits = [_hit(items[pk], score, parsed.terms) for pk, score in ranked if pk in items]
    return SearchResults(parsed, order, hits, count, offset, limit, facets, messages)


# ---------------------------------------------------------------------------------------------------
# The catalogue tree of /xxgk/ and the annual reports column.


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
    """The published items of the 政府信息公开年报 column (one query): entries marked as that column, or
    under a marked heading, or — in catalogues without the mark — named 政府信息公开…年报; never other annual
    reports such as 行政执法统计年报."""
    from gongkai.catalogue.models import annual_report_column_q

    condition = annual_report_column_q("live_revision__catalogue_entry__")
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
