"""`Authorization: Bearer <token>` for the staff endpoints."""

from __future__ import annotations

from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from . import tokens

MISSING = "缺少 API 令牌:请在请求头中提供 Authorization: Bearer <令牌>。"


class TokenAuth(HttpBearer):
    """Resolves to the token's user (`request.auth`); refusals are 401 with a Chinese message."""

    def __call__(self, request):
        value = request.headers.get(self.header) or ""
        scheme, _, token = value.strip().partition(" ")
        if not value.strip():
            raise AuthenticationError(401, MISSING)
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError(401, "认证方式无效:应为 Authorization: Bearer <令牌>。")
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token: str):
        try:
            api_token = tokens.authenticate(token)
        except tokens.TokenRefused as e:
            raise AuthenticationError(401, str(e)) from None
        request.api_token = api_token
        return api_token.user


token_auth = TokenAuth()
