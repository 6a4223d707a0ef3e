import datetime
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongkai.api.models import ApiToken
from gongkai.audit.models import AuditEvent
from tests.orgs.factories import UserFactory


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_token_is_printed_once_and_only_its_hash_is_stored():
    user = UserFactory(username="oa-bot")
    out, err = run("oa-bot", "--name", "办公系统", "--expires-days", "30")
    raw = out.strip()
    assert raw.startswith("gk_") and len(raw) > 40
    assert "只显示这一次" in err
    token = ApiToken.objects.get()
    assert token.user == user and token.name == "办公系统"
    assert token.key_prefix == raw[:8]
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(getattr(token, f.attname)) for f in ApiToken._meta.fields}
    assert datetime.timedelta(days=29) < token.expires_at - timezone.now() <= datetime.timedelta(days=30)
    event = AuditEvent.objects.get(action="auth.token_issued")
    assert event.data["prefix"] == raw[:8] and raw not in str(event.data)


@pytest.mark.django_db
def test_tokens_are_different_each_time():
    UserFactory(username="oa-bot")
    assert run("oa-bot")[0] != run("oa-bot")[0]
    assert ApiToken.objects.filter(expires_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_revoke_by_prefix():
    UserFactory(username="oa-bot")
    raw = run("oa-bot")[0].strip()
    _, err = run("oa-bot", "--revoke", raw[:8])
    assert "已吊销" in err
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(action="auth.token_revoked").count() == 1
    with pytest.raises(CommandError, match="没有前缀为"):
        run("oa-bot", "--revoke", raw[:8])


@pytest.mark.django_db
def test_list_shows_state_without_the_token():
    UserFactory(username="oa-bot")
    raw = run("oa-bot", "--name", "甲")[0].strip()
    run("oa-bot", "--revoke", raw[:8])
    out, _ = run("oa-bot", "--list")
    assert raw[:8] in out and "已被吊销" in out and raw not in out


@pytest.mark.django_db
def test_another_users_token_cannot_be_revoked():
    UserFactory(username="a")
    UserFactory(username="b")
    raw = run("a")[0].strip()
    with pytest.raises(CommandError, match="没有前缀为"):
        run("b", "--revoke", raw[:8])
    assert ApiToken.objects.get().revoked_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody",), "用户“nobody”不存在"),
        (("oa-bot", "--expires-days", "0"), "有效天数"),
        (("oa-bot", "--revoke", "gk_"), "前 8 个字符"),
    ],
)
def test_bad_input_is_refused_in_chinese(args, message):
    UserFactory(username="oa-bot")
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_inactive_user_gets_no_token():
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match="已停用"):
        run("gone")
