"""Public endpoints (/api/v1/items): published information, no authentication."""

from __future__ import annotations

from ninja import Query, Router
from ninja.errors import HttpError

from . import presenters
from .schemas import ErrorOut, FieldErrorsOut, PublicFilters, PublicItemDetailOut, PublicPage

router = Router(tags=["public"])

NOT_FOUND = "未找到该信息。"


@router.get(
    "/items",
    response={200: PublicPage, 422: FieldErrorsOut},
    summary="已发布信息列表",
    description="按发布时间从新到旧;可按机构代码、成文年份、目录分类代码、主题分类代码筛选。",
)
def list_items(request, filters: Query[PublicFilters]):
    items = presenters.public_queryset()
    if filters.organization:
        items = items.filter(organization__code=filters.organization)
    if filters.year:
        items = items.filter(live_revision__formed_on__year=filters.year)
    if filters.catalogue_entry:
        items = items.filter(live_revision__catalogue_entry__code=filters.catalogue_entry)
    if filters.topic:
        items = items.filter(live_revision__topic__code=filters.topic)
    count = items.count()
    page = items[filters.offset : filters.offset + filters.limit] if filters.offset < count else []
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [presenters.public_item(request, item) for item in page],
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
