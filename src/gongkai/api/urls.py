"""The JSON API: /api/v1/..., OpenAPI document at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI
from ninja.parser import Parser

from . import errors, public, review, staff


class JsonParser(Parser):
    """JSON bodies; an empty body is an empty object (actions without parameters need no body) and
    a form-encoded body is read as its fields."""

    def parse_body(self, request):
        if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return request.POST.dict()
        if not request.body.strip():
            return {}
        return super().parse_body(request)


api = NinjaAPI(
    title="Gongkai API",
    version="1",
    description=(
        "政府信息公开平台数据接口。public:已发布信息的查询(无需认证);"
        "staff:办公系统推送、审核、发布信息(请求头 Authorization: Bearer <令牌>,"
        "令牌用 `gongkai token 用户名` 签发)。"
    ),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
    parser=JsonParser(),
)
errors.install(api)
api.add_router("/v1/staff", staff.router)
api.add_router("/v1/review", review.router)
api.add_router("/v1", public.router)
