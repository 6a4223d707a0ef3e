"""Staff endpoints (/api/v1/staff/): how an office automation system pushes documents in.

Every call acts as the token's user, through gongkai.publishing.services; the permission rules are
the same as in the console. Items are read through `publishing.permissions.visible_items`: those of
organisations the user does not belong to, and drafts the user may not see, answer 404; an action on an
unpublished revision hidden from the user is refused as on a published item without one.
"""

from __future__ import annotations

from typing import Any

from ninja import File, Router, Status, UploadedFile
from ninja.errors import HttpError

from gongkai.catalogue.models import CatalogueEntry
from gongkai.orgs.models import Department, Organization
from gongkai.orgs.selectors import membership_for
from gongkai.publishing import permissions, services
from gongkai.publishing.exceptions import require
from gongkai.publishing.models import Topic
from gongkai.publishing.permissions import NOT_MEMBER

from . import presenters
from .auth import token_auth
from .errors import UnknownCodes
from .schemas import (
    ActionIn,
    ApproveIn,
    ErrorOut,
    FieldErrorsOut,
    ItemId,
    ItemIn,
    ItemPatch,
    RejectIn,
    StaffAttachmentOut,
    StaffItemOut,
    WorkflowErrorOut,
)

router = Router(auth=token_auth, tags=["staff"])

NOT_FOUND = "未找到该信息。"
# 400: a body that is not JSON (errors.py).
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: WorkflowErrorOut, 422: FieldErrorsOut}


def _item(request, item_id: int, refusal=None):
    """The item as the token's user may see it, else 404. ``refusal(user, item)``: the reasons the action
    is refused on the item as seen, checked first when an unpublished revision is hidden from the user."""
    item = (
        permissions.visible_items(request.auth)
        .select_related("organization", "latest_revision", "live_revision")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise HttpError(404, NOT_FOUND)
    if refusal is not None:
        require(permissions.hidden_revision_failures(item, lambda seen: refusal(request.auth, seen)))
    return item


def _no_pending_step(user, item) -> list[str]:
    return [permissions.NO_PENDING_STEP]


def _resolve_codes(organization: Organization, data: dict[str, Any]) -> dict[str, Any]:
    """Replace department, topic and catalogue codes by the organisation's objects (422 if unknown)."""
    errors: dict[str, list[str]] = {}
    out = dict(data)

    def one(field: str, model, what: str):
        code = data.get(field)
        if code is None:
            return None
        found = model.objects.filter(organization=organization, code=code).first()
        if found is None:
            errors.setdefault(field, []).append(f"本机构没有代码为“{code}”的{what}。")
        return found

    if "lead_department" in data:
        out["lead_department"] = one("lead_department", Department, "科室")
    if "topic" in data:
        out["topic"] = one("topic", Topic, "主题分类")
    if "catalogue_entry" in data:
        out["catalogue_entry"] = one("catalogue_entry", CatalogueEntry, "目录分类")
    if "co_departments" in data:
        codes = list(dict.fromkeys(data["co_departments"] or []))
        found = {d.code: d for d in Department.objects.filter(organization=organization, code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            errors.setdefault("co_departments", []).append(
                "本机构没有代码为" + "、".join(f"“{c}”" for c in missing) + "的科室。"
            )
        out["co_departments"] = [found[c] for c in codes if c in found]
    if errors:
        raise UnknownCodes(errors)
    return out


# Text fields that are never null in the database: null in a PATCH means "empty".
_BLANKABLE = ("title", "document_number", "non_disclosure_reason", "summary", "body", "source", "change_note")


@router.post(
    "/items",
    response={201: StaffItemOut, 403: ErrorOut, **ERRORS},
    summary="新建草稿",
    description="以令牌所属用户的身份新建一条政府信息草稿。科室、主题、目录以代码表示。",
)
def create_item(request, payload: ItemIn):
    data = payload.model_dump()
    code = data.pop("organization")
    organization = Organization.objects.filter(code=code).first()
    if organization is None:
        raise UnknownCodes({"organization": [f"机构代码“{code}”不存在。"]})
    if membership_for(request.auth, organization) is None:
        raise HttpError(403, NOT_MEMBER)
    data = _resolve_codes(organization, data)
    item = services.create_draft(user=request.auth, organization=organization, data=data)
    return Status(201, presenters.staff_item(request, item))


@router.get(
    "/items/{item_id}",
    response={200: StaffItemOut, 401: ErrorOut, 404: ErrorOut, 422: FieldErrorsOut},
    summary="查看信息状态",
    description="状态、当前审核环节、全部版本、各轮审核任务和审计记录。",
)
def get_item(request, item_id: ItemId):
    return presenters.staff_item(request, _item(request, item_id))


@router.patch(
    "/items/{item_id}",
    response={200: StaffItemOut, **ERRORS},
    summary="修改草稿",
    description="只修改请求中出现的字段;lock_version 必须是最近一次读取的值,否则返回 409。",
)
def update_item(request, item_id: ItemId, payload: ItemPatch):
    item = _item(request, item_id, permissions.edit_failures)
    data = payload.model_dump(exclude_unset=True)
    lock_version = data.pop("lock_version")
    for field in _BLANKABLE:
        if field in data and data[field] is None:
            data[field] = ""
    if "disclosure_attribute" in data and data["disclosure_attribute"] is None:
        raise UnknownCodes({"disclosure_attribute": ["公开属性不能为空。"]})
    if "is_major_change" in data and data["is_major_change"] is None:
        data["is_major_change"] = False
    data = _resolve_codes(item.organization, data)
    item = services.update_draft(user=request.auth, item=item, data=data, lock_version=lock_version)
    return presenters.staff_item(request, item)


@router.post(
    "/items/{item_id}/attachments",
    response={201: StaffAttachmentOut, **ERRORS},
    summary="上传附件",
    description="multipart/form-data,字段名 file。文件类型按内容识别,与扩展名不符的文件会被拒绝(400)。",
)
def add_attachment(request, item_id: ItemId, file: File[UploadedFile]):
    item = _item(request, item_id, permissions.edit_failures)
    attachment = services.attach_file(user=request.auth, item=item, upload=file)
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": attachment.size,
            "content_type": attachment.content_type,
            "sha256": attachment.sha256,
            "uploaded_at": attachment.uploaded_at,
        },
    )


@router.post(
    "/items/{item_id}/submit",
    response={200: StaffItemOut, **ERRORS},
    summary="提交审核",
)
def submit_item(request, item_id: ItemId, payload: ActionIn):
    item = _item(request, item_id, permissions.submit_failures)
    lock_version = payload.lock_version
    item = services.submit_for_review(user=request.auth, item=item, lock_version=lock_version)
    return presenters.staff_item(request, item)


@router.post(
    "/items/{item_id}/approve",
    response={200: StaffItemOut, **ERRORS},
    summary="审核通过当前环节",
)
def approve_item(request, item_id: ItemId, payload: ApproveIn):
    item = _item(request, item_id, _no_pending_step)
    services.approve_step(
        user=request.auth,
        item=item,
        opinion=payload.opinion,
        lock_version=payload.lock_version,
        bottom_lines=payload.bottom_lines,
    )
    return presenters.staff_item(request, item)


@router.post(
    "/items/{item_id}/reject",
    response={200: StaffItemOut, **ERRORS},
    summary="退回",
    description="退回理由(opinion)必填。",
)
def reject_item(request, item_id: ItemId, payload: RejectIn):
    item = _item(request, item_id, _no_pending_step)
    services.reject_step(
        user=request.auth, item=item, opinion=payload.opinion, lock_version=payload.lock_version
    )
    return presenters.staff_item(request, item)


@router.post(
    "/items/{item_id}/publish",
    response={200: StaffItemOut, **ERRORS},
    summary="发布",
    description="办公室编辑发布已完成全部审核环节的主动公开信息。",
)
def publish_item(request, item_id: ItemId, payload: ActionIn):
    item = _item(request, item_id, permissions.publish_failures)
    lock_version = payload.lock_version
    item = services.publish(user=request.auth, item=item, lock_version=lock_version)
    return presenters.staff_item(request, item)
