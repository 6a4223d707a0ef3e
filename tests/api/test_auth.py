import datetime

import pytest
from django.test import Client
from django.utils import timezone

from gongkai.api import tokens
from gongkai.api.models import ApiToken
from tests.api.conftest import ApiClient

URL = "/api/v1/staff/items/1"


def assert_refused(response, message: str):
    assert response.status_code == 401
    assert message in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_no_token_is_401_in_chinese():
    assert_refused(Client().get(URL), "缺少 API 令牌")


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Basic Zm9vOmJhcg==", "Token abc", "gk_abc"])
def test_other_schemes_are_401(header):
    assert_refused(Client().get(URL, headers={"Authorization": header}), "认证方式无效")


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["gk_not-a-real-token", "Bearer", "x" * 500, "令牌", "gk_\x00"])
def test_unknown_tokens_are_401(raw):
    assert_refused(ApiClient(raw_token=raw).get(URL), "API 令牌")


@pytest.mark.django_db
def test_revoked_token_is_401(staff):
    token, raw = tokens.issue(user=staff.drafter)
    tokens.revoke(user=staff.drafter, prefix=token.key_prefix)
    assert_refused(ApiClient(raw_token=raw).get(URL), "已被吊销")


@pytest.mark.django_db
def test_expired_token_is_401(staff):
    token, raw = tokens.issue(user=staff.drafter, expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_refused(ApiClient(raw_token=raw).get(URL), "已过期")


@pytest.mark.django_db
def test_token_of_an_inactive_user_is_401(staff):
    _, raw = tokens.issue(user=staff.drafter)
    staff.drafter.is_active = False
    staff.drafter.save()
    assert_refused(ApiClient(raw_token=raw).get(URL), "已停用")


@pytest.mark.django_db
def test_valid_token_passes_and_records_its_use(staff):
    token, raw = tokens.issue(user=staff.drafter)
    response = ApiClient(raw_token=raw).get("/api/v1/staff/items/999999")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_the_hash_is_not_a_token(staff):
    token, _ = tokens.issue(user=staff.drafter)
    assert_refused(ApiClient(raw_token=token.key_hash).get(URL), "API 令牌无效")
