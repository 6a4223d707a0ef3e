"""The JSON API: /api/v1/..., OpenAPI document at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Gongkai API",
    version="1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)
