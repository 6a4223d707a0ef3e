"""Content review on demand (/api/v1/review/check): how drafts are checked before they are written up.
Staff token required; nothing is stored."""

from __future__ import annotations

from ninja import File, Router, UploadedFile
from ninja.errors import HttpError

from gongkai.publishing.permissions import NOT_MEMBER

from .auth import token_auth
from .schemas import CheckIn, CheckOut, ErrorOut, FieldErrorsOut, WorkflowErrorOut

router = Router(auth=token_auth, tags=["review"])
# 400: a body that is not JSON (errors.py).
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: WorkflowErrorOut, 422: FieldErrorsOut}


def _check(request, organization_code: str | None, text: str) -> dict:
    from gongkai.review import engine
    from gongkai.review.constants import Category, Severity

    memberships = [
        m for m in request.auth.memberships.select_related("organization") if m.organization.is_active
    ]
    if organization_code:
        memberships = [m for m in memberships if m.organization.code == organization_code]
    if not memberships:
        raise HttpError(404, NOT_MEMBER)
    found = [
        f for _t, f in engine.scan_texts(memberships[0].organization_id, [engine.Text("text", "文字", text)])
    ]
    return {
        "findings": [
            {
                "category": f.category,
                "category_label": str(Category(f.category).label),
                "severity": f.severity,
                "start": f.start,
                "end": f.end,
                "matched": f.matched,
                "suggestion": f.suggestion or "",
                "detector": f.detector,
            }
            for f in found
        ],
        "blocking": sum(1 for f in found if f.severity == Severity.BLOCKING),
        "warnings": sum(1 for f in found if f.severity == Severity.WARNING),
    }


@router.post(
    "/check",
    response={200: CheckOut, **ERRORS},
    summary="内容检查(不建信息)",
    description="按机构的表述词库和个人信息规则检查一段文字,返回每处发现的类别、级别、起止位置(字符)、"
    "命中内容和修改建议;不保存任何内容。文件请用 /api/v1/review/check/file。",
)
def review_check(request, payload: CheckIn):
    return _check(request, payload.organization, payload.text)


@router.post(
    "/check/file",
    response={200: CheckOut, **ERRORS},
    summary="内容检查文件(不建信息)",
    description="multipart/form-data,字段名 file(PDF、.docx、.txt),可选字段 organization;"
    "返回文件文字中的发现,位置为抽取出的文字中的字符位置。",
)
def review_check_file(request, file: File[UploadedFile], organization: str | None = None):
    from gongkai.publishing.extract import EXTRACTABLE, extract_text
    from gongkai.publishing.files import check_upload

    checked = check_upload(file)
    if checked.extension not in EXTRACTABLE:
        raise HttpError(400, "只能检查 PDF、Word(.docx)和文本(.txt)文件中的文字。")
    file.seek(0)
    return _check(request, (organization or "")[:40] or None, extract_text(file.read(), checked.extension))
