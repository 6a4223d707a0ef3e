"""Public endpoints (/api/v1/items, /api/v1/search): published information, no authentication.

Both take the filters of the public list and search pages and read through the same selectors, so the
API and the pages always agree. Unlike the pages, an unknown organisation, catalogue or topic code is not
ignored: it matches nothing (a client asked for something specific).
"""

from __future__ import annotations

from ninja import Query, Router
from ninja.errors import HttpError

from gongkai.portal import selectors
from gongkai.search.highlight import plain_snippet

from . import presenters
from .schemas import (
    ErrorOut,
    FieldErrorsOut,
    PublicFilters,
    PublicItemDetailOut,
    PublicPage,
    SearchFilters,
    SearchPageOut,
)

router = Router(tags=["public"])

NOT_FOUND = "未找到该信息。"


def _page_filters(filters: PublicFilters, keyword: str = ""):
    """The pages' ListFilters for these API filters, or None when a code names nothing."""
    organizations = list(selectors.public_organizations())
    params = {
        "org": filters.organization,
        "catalogue": filters.catalogue_entry,
        "topic": filters.topic,
        "year": str(filters.year) if filters.year else None,
        "validity": filters.validity,
        "q": keyword,
    }
    parsed = selectors.parse_list_filters({k: v for k, v in params.items() if v}, organizations)
    if (
        (filters.organization and parsed.organization is None)
        or (filters.catalogue_entry and not parsed.entries)
        or (filters.topic and not parsed.topic_ids)
    ):
        return None, organizations
    return parsed, organizations


@router.get(
    "/items",
    response={200: PublicPage, 422: FieldErrorsOut},
    summary="已发布信息列表",
    description="按发布时间从新到旧;可按机构代码、发布年份、目录分类代码(含下级)、主题分类代码、有效性筛选,"
    "与公开平台列表页的筛选相同。",
)
def list_items(request, filters: Query[PublicFilters]):
    parsed, organizations = _page_filters(filters)
    if parsed is None:
        return {"count": 0, "limit": filters.limit, "offset": filters.offset, "items": []}
    items = (
        selectors.filtered_items(parsed, organizations)
        .select_related("replaced_by")
        .prefetch_related("live_revision__attachments")
    )
    count = items.count()
    page = items[filters.offset : filters.offset + filters.limit] if filters.offset < count else []
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [presenters.public_item(request, item) for item in page],
    }


@router.get(
    "/search",
    response={200: SearchPageOut, 422: FieldErrorsOut},
    summary="全文检索已发布信息",
    description="与公开平台检索页(/xxgk/search/)相同:标题、文号、内容概述、正文和附件文本;"
    "标题命中排在正文命中之前;筛选条件与 /api/v1/items 相同;结果字段同 /api/v1/items,另有相关度与高亮摘录。",
)
def search(request, filters: Query[SearchFilters]):
    parsed, organizations = _page_filters(filters, filters.q)
    if parsed is None:
        return {
            "count": 0,
            "limit": filters.limit,
            "offset": filters.offset,
            "terms": [],
            "messages": [],
            "facets": {},
            "items": [],
        }
    results = selectors.search(
        parsed, organizations, order=filters.order, offset=filters.offset, limit=filters.limit
    )
    return {
        "count": results.count,
        "limit": results.limit,
        "offset": results.offset,
        "terms": results.query.terms,
        "messages": parsed.messages + results.messages,
        "facets": {
            key: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for key, values in results.facets.items()
        },
        "items": [
            {
                **presenters.public_item(request, hit.item),
                "score": hit.score,
                "title_highlighted": str(hit.title),
                "snippet": plain_snippet(hit.snippet),
                "snippet_highlighted": str(hit.snippet or ""),
                "snippet_field": hit.snippet_field,
            }
            for hit in results.hits
        ],
    }


@router.get(
    "/items/{path:index_number}",
    response={200: PublicItemDetailOut, 404: ErrorOut},
    summary="按索引号查看已发布信息",
    description="索引号中含有“/”,直接写在路径中即可,例如 /api/v1/items/jz-lfw/2026-00001。",
)
def get_item(request, index_number: str):
    if len(index_number) > 80 or "\x00" in index_number:
        raise HttpError(404, NOT_FOUND)
    item = presenters.public_queryset().filter(index_number=index_number).first()
    if item is None:
        raise HttpError(404, NOT_FOUND)
    return presenters.public_item(request, item, detail=True)
