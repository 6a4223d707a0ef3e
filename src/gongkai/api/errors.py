"""How the API answers refusals: Chinese messages, never a 500 on user input.

| cause                                   | status | body                                        |
| --------------------------------------- | ------ | ------------------------------------------- |
| no / bad / revoked / expired token      | 401    | {"detail"}                                  |
| unknown object or another organisation  | 404    | {"detail"}                                  |
| AttachmentRejected; body not JSON / big | 400    | {"detail"}                                  |
| WorkflowError (incl. StaleEdit)         | 409    | {"detail", "reasons": [...]}                |
| django ValidationError, unknown codes   | 422    | {"detail", "errors": {field: [messages]}}   |
| request schema (pydantic) errors        | 422    | {"detail", "errors": {field: [messages]}}   |
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gongkai.publishing.exceptions import WorkflowError
from gongkai.publishing.files import AttachmentRejected

INVALID = "提交的数据有误,请按提示修改后重试。"

FIELD_LABELS = {
    "organization": "机构代码",
    "title": "标题",
    "document_number": "文号",
    "lead_department": "牵头(制作)科室",
    "co_departments": "联合制作科室",
    "formed_on": "成文日期",
    "effective_on": "生效日期",
    "disclosure_attribute": "公开属性",
    "non_disclosure_reason": "不公开理由",
    "topic": "所属主题",
    "catalogue_entry": "目录分类",
    "summary": "内容概述",
    "body": "正文",
    "source": "来源",
    "change_note": "更新说明",
    "is_major_change": "重大变更",
    "lock_version": "版本号(lock_version)",
    "opinion": "审核意见",
    "text": "文字",
    "file": "文件",
    "limit": "每页条数(limit)",
    "offset": "偏移量(offset)",
    "year": "年份",
    "payload": "请求内容",
    "item_id": "信息编号",
}

_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


class UnknownCodes(Exception):
    """Codes in a request that name nothing in the organisation: {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


def _field_of(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "file"):
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def pydantic_message(error: dict) -> str:
    """One pydantic / ninja error in Chinese."""
    names = [p for p in _field_of(error.get("loc") or ()).split(".") if not p.isdigit() and p != "__all__"]
    label = FIELD_LABELS.get(names[-1], names[-1]) if names else "该项"
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"请填写{label}。"
    if kind == "string_too_long":
        return f"{label}不能超过{ctx.get('max_length')}个字符。"
    if kind == "string_too_short":
        return f"{label}不能少于{ctx.get('min_length')}个字符。"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{label}不是有效的日期,请使用 YYYY-MM-DD 格式。"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{label}应为整数。"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label}不能小于{ctx.get('ge', ctx.get('gt'))}。"
    if kind in ("less_than_equal", "less_than"):
        return f"{label}不能大于{ctx.get('le', ctx.get('lt'))}。"
    if kind in ("literal_error", "enum"):
        return f"{label}的取值无效,可选值:{ctx.get('expected', '')}。"
    if kind in ("string_type", "string_unicode"):
        return f"{label}应为文本。"
    if kind in ("list_type", "tuple_type", "set_type"):
        return f"{label}应为列表。"
    if kind in ("bool_type", "bool_parsing"):
        return f"{label}应为 true 或 false。"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{label}应为 JSON 对象。"
    if kind == "value_error" and ctx.get("error"):
        return f"{label}:{ctx['error']}"
    if kind == "extra_forbidden":
        return f"不认识的字段“{names[-1] if names else ''}”。"
    return f"{label}格式无效。"


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API."""

    def on_auth(request, exc: AuthenticationError):
        message = exc.message if exc.message != "Unauthorized" else "API 令牌无效。"
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="gongkai"'
        return response

    def on_http_error(request, exc: HttpError):
        message = str(exc)
        if message.startswith("Cannot parse request body"):
            message = "请求内容不是有效的 JSON。"
        return api.create_response(request, {"detail": message}, status=exc.status_code)

    def on_404(request, exc: Http404):
        return api.create_response(request, {"detail": "未找到。"}, status=404)

    def on_schema_error(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_field_of(error.get("loc") or ()), []).append(pydantic_message(error))
        return api.create_response(request, {"detail": INVALID, "errors": errors}, status=422)

    def on_django_validation(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: list(messages) for field, messages in exc.message_dict.items()}
        else:
            errors = {"__all__": list(exc.messages)}
        return api.create_response(request, {"detail": INVALID, "errors": errors}, status=422)

    def on_unknown_codes(request, exc: UnknownCodes):
        return api.create_response(request, {"detail": INVALID, "errors": exc.errors}, status=422)

    def on_workflow(request, exc: WorkflowError):
        return api.create_response(
            request, {"detail": " ".join(exc.reasons), "reasons": exc.reasons}, status=409
        )

    def on_attachment(request, exc: AttachmentRejected):
        return api.create_response(request, {"detail": str(exc)}, status=400)

    def on_too_big(request, exc: RequestDataTooBig):
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE (a text near its maximum length, sent as \u escapes).
        return api.create_response(request, {"detail": "请求内容过大,请缩短后分次提交。"}, status=400)

    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(NinjaValidationError, on_schema_error)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(UnknownCodes, on_unknown_codes)
    api.add_exception_handler(WorkflowError, on_workflow)
    api.add_exception_handler(AttachmentRejected, on_attachment)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
