"""TOTP secrets are encrypted at rest (gongkai.orgs.field_keys, Fernet): the column and the session rows
never hold the clear secret, logins with a code still work, keys rotate without losing a secret
(GONGKAI_FIELD_KEYS and SECRET_KEY_FALLBACKS), a changed value fails closed with a Chinese message,
and migration orgs/0007 encrypts the secrets earlier versions stored in clear."""

from __future__ import annotations

import base64
import functools
import os
import subprocess
import sys

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.orgs import accounts, field_keys, totp
from gongkai.orgs.apps import check_field_keys
from gongkai.orgs.models import User
from tests.factories import PASSWORD, make_staff

LOGIN = "/console/login/"
CODE = "/console/login/code/"
TWO_FACTOR = "/console/account/2fa/"
KEY_1 = "oo0AcV-Lz-0jXhjk1bZ3nEwJ0zQ1YkqrRtWq0F3Xr3Y="
KEY_2 = "S6dVSe7Mhy4pg9m0xqDkR0E8tC8Zb3xqk2bK5tlaAJ0="


@pytest.fixture
def staff(db):
    return make_staff()


def raw_secret(user) -> str:
    """The column as the database holds it, past the ORM."""
    table = connection.ops.quote_name(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT totp_secret FROM {table} WHERE id = %s", [user.pk])  # noqa: S608
        return cursor.fetchone()[0]


def write_raw_secret(user, value: str) -> None:
    table = connection.ops.quote_name(User._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET totp_secret = %s WHERE id = %s", [value, user.pk])  # noqa: S608


def enrol(user, secret=None) -> str:
    secret = secret or totp.generate_secret()
    assert totp.enrol(user, secret=secret, code=totp.code_at(secret, totp.step_at() - 1))
    return secret


def assert_not_in_clear(stored: str, secret: str) -> None:
    assert stored.startswith(field_keys.PREFIX)
    for form in (secret, secret.lower(), totp.grouped(secret), base64.b32decode(secret).hex()):
        assert form not in stored


def log_in_with_code(client, user, secret):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(CODE)
    return client.post(CODE, {"code": totp.code_at(secret, totp.step_at())})


# --- at rest ------------------------------------------------------------------------------------------


def test_the_column_never_holds_the_clear_secret(staff):
    secret = enrol(staff.drafter)
    stored = raw_secret(staff.drafter)
    assert_not_in_clear(stored, secret)
    assert staff.drafter.totp_secret == stored  # the model instance holds the token as well
    assert totp.secret_of(User.objects.get(pk=staff.drafter.pk)) == secret
    # A new token each time (random IV): equal secrets are not recognisable as equal.
    enrol(staff.head, secret)
    assert raw_secret(staff.head) != stored


def test_the_secret_offered_during_enrolment_is_encrypted_in_the_session_row(client, staff):
    client.post(LOGIN, {"username": staff.drafter.username, "password": PASSWORD})
    page = client.get(TWO_FACTOR).content.decode()
    session = Session.objects.get(session_key=client.session.session_key)
    data = session.get_decoded()
    secret = accounts.offered_secret_in(client.session)
    assert totp.grouped(secret) in page  # shown to the person, once
    assert_not_in_clear(data["gongkai_totp_enrolment"], secret)
    assert secret not in str(data)
    response = client.post(TWO_FACTOR, {"code": totp.code_at(secret, totp.step_at())})
    assert response.status_code == 302
    assert_not_in_clear(raw_secret(staff.drafter), secret)
    assert "gongkai_totp_enrolment" not in client.session


def test_a_login_with_a_code_still_works(client, staff, settings):
    settings.GONGKAI_FIELD_KEYS = [KEY_1]
    secret = enrol(staff.editor)
    response = log_in_with_code(client, staff.editor, secret)
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.session[SESSION_KEY] == str(staff.editor.pk)
    assert client.get("/console/").status_code == 200


# --- keys and rotation ----------------------------------------------------------------------------------


def test_rotation_moves_every_secret_to_the_new_key_and_the_old_one_can_go(staff, settings, capsys):
    settings.GONGKAI_FIELD_KEYS = [KEY_1]
    people = [staff.drafter, staff.head, staff.audit_admin]
    secrets = {user.pk: enrol(user) for user in people}
    before = {user.pk: raw_secret(user) for user in people}

    settings.GONGKAI_FIELD_KEYS = [KEY_2]  # the old key removed too early: nothing decrypts
    with pytest.raises(totp.SecretUnreadable):
        totp.verify(staff.drafter, totp.code_at(secrets[staff.drafter.pk], totp.step_at()))

    settings.GONGKAI_FIELD_KEYS = [KEY_2, KEY_1]  # new key first, old one still decrypting
    call_command("rotate_field_keys", "--check")
    assert {user.pk: raw_secret(user) for user in people} == before, "--check writes nothing"
    call_command("rotate_field_keys")
    assert "已重新加密 3 个两步验证密钥" in capsys.readouterr().out
    event = AuditEvent.objects.get(action="orgs.field_keys.rotated")
    assert event.data["rotated"] == 3 and event.data["unreadable"] == []
    assert AuditEvent.objects.filter(action="orgs.field_keys.rotated").count() == 1

    settings.GONGKAI_FIELD_KEYS = [KEY_2]  # the old key removed
    for user in people:
        stored = raw_secret(user)
        assert stored != before[user.pk]
        assert_not_in_clear(stored, secrets[user.pk])
        user.refresh_from_db()
        assert totp.secret_of(user) == secrets[user.pk]
        assert totp.verify(user, totp.code_at(secrets[user.pk], totp.step_at()))


def test_the_key_derived_from_secret_key_still_decrypts_after_own_keys_are_set(staff, settings):
    settings.GONGKAI_FIELD_KEYS = []
    secret = enrol(staff.drafter)  # under the key derived from SECRET_KEY
    settings.GONGKAI_FIELD_KEYS = [KEY_1]
    staff.drafter.refresh_from_db()
    assert totp.secret_of(staff.drafter) == secret
    call_command("rotate_field_keys")
    token = raw_secret(staff.drafter).removeprefix(field_keys.PREFIX)
    from cryptography.fernet import Fernet

    assert Fernet(KEY_1).decrypt(token.encode()).decode().endswith(secret)


def test_changing_secret_key_the_django_way_keeps_the_secrets(staff, settings):
    settings.GONGKAI_FIELD_KEYS = []
    secret = enrol(staff.drafter)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    staff.drafter.refresh_from_db()
    with pytest.raises(totp.SecretUnreadable):
        totp.secret_of(staff.drafter)
    settings.SECRET_KEY_FALLBACKS = [old]
    assert totp.secret_of(staff.drafter) == secret
    call_command("rotate_field_keys")
    settings.SECRET_KEY_FALLBACKS = []
    staff.drafter.refresh_from_db()
    assert totp.secret_of(staff.drafter) == secret


def test_rotation_names_the_values_it_cannot_decrypt_and_leaves_them(staff, settings):
    settings.GONGKAI_FIELD_KEYS = [KEY_1]
    enrol(staff.drafter)
    secret = enrol(staff.head)
    write_raw_secret(staff.drafter, raw_secret(staff.drafter)[:-6] + "AAAAAA")
    damaged = raw_secret(staff.drafter)
    settings.GONGKAI_FIELD_KEYS = [KEY_2, KEY_1]
    with pytest.raises(CommandError) as caught:
        call_command("rotate_field_keys")
    assert staff.drafter.username in str(caught.value) and "无法用现有密钥解密" in str(caught.value)
    assert raw_secret(staff.drafter) == damaged
    settings.GONGKAI_FIELD_KEYS = [KEY_2]
    staff.head.refresh_from_db()
    assert totp.secret_of(staff.head) == secret  # the others were rotated
    event = AuditEvent.objects.get(action="orgs.field_keys.rotated")
    assert event.data == {"rotated": 1, "unreadable": [staff.drafter.username], "configured_keys": 2}


def test_malformed_keys_stop_the_start_with_a_chinese_message(settings, capsys):
    settings.GONGKAI_FIELD_KEYS = ["not-a-key", KEY_1, KEY_1]
    errors = check_field_keys()
    assert [e.id for e in errors] == ["orgs.E001", "orgs.E001"]
    assert "第 1 个密钥无效" in errors[0].msg and "重复" in errors[1].msg
    with pytest.raises(CommandError):
        call_command("rotate_field_keys")
    settings.GONGKAI_FIELD_KEYS = [KEY_1]
    assert check_field_keys() == []
    call_command("rotate_field_keys", "--generate-key")
    generated = capsys.readouterr().out.strip()
    settings.GONGKAI_FIELD_KEYS = [generated]
    assert check_field_keys() == [] and generated != KEY_1


def test_production_settings_read_the_keys_from_the_environment_and_check_refuses_bad_ones(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GONGKAI_", "DJANGO_"))},
        "GONGKAI_VAR_DIR": str(tmp_path),
        "GONGKAI_SECRET_KEY": "x" * 50,
        "DJANGO_SETTINGS_MODULE": "gongkai.config.settings",
    }
    code = "from gongkai.config import settings as s; print(s.GONGKAI_FIELD_KEYS)"
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=120)
    out = run([sys.executable, "-c", code], env={**env, "GONGKAI_FIELD_KEYS": f" {KEY_2}, {KEY_1} ,"})
    assert out.stdout.strip() == repr([KEY_2, KEY_1])
    unset = run([sys.executable, "-c", code], env=env)
    assert unset.stdout.strip() == "[]"
    bad = run([sys.executable, "-m", "gongkai", "check"], env={**env, "GONGKAI_FIELD_KEYS": "secret123"})
    assert bad.returncode != 0 and "orgs.E001" in bad.stderr, bad.stdout + bad.stderr


# --- a changed value fails closed ----------------------------------------------------------------------


def flip(stored: str) -> str:
    middle = len(stored) // 2
    return stored[:middle] + ("B" if stored[middle] != "B" else "C") + stored[middle + 1 :]


TAMPERINGS = {
    "one character changed": lambda stored, other, secret: flip(stored),
    "cut short": lambda stored, other, secret: stored[:-10],
    "another account's token": lambda stored, other, secret: other,
    "a clear secret planted": lambda stored, other, secret: secret,
    "not a token at all": lambda stored, other, secret: field_keys.PREFIX + "!!!",
}


@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_a_changed_value_refuses_every_code(staff, how):
    secret = enrol(staff.drafter)
    enrol(staff.head, secret)  # the same secret, under the other account's token
    write_raw_secret(
        staff.drafter, TAMPERINGS[how](raw_secret(staff.drafter), raw_secret(staff.head), secret)
    )
    staff.drafter.refresh_from_db()
    with pytest.raises(totp.SecretUnreadable) as caught:
        totp.verify(staff.drafter, totp.code_at(secret, totp.step_at()))
    assert str(caught.value) == totp.UNREADABLE
    staff.drafter.refresh_from_db()
    assert staff.drafter.totp_last_step == totp.step_at() - 1, "no step consumed"
    event = AuditEvent.objects.get(action="orgs.account.totp_unreadable")
    assert event.object_id == str(staff.drafter.pk)
    assert totp.verify(staff.head, totp.code_at(secret, totp.step_at()))  # the untouched row still works


def test_the_login_with_a_changed_value_fails_closed_in_chinese(client, staff):
    secret = enrol(staff.editor)
    write_raw_secret(staff.editor, flip(raw_secret(staff.editor)))
    response = log_in_with_code(client, staff.editor, secret)
    assert response.status_code == 400
    html = response.content.decode()
    assert "无法读取本账号的两步验证密钥" in html and "请联系本机构安全管理员重置两步验证" in html
    assert "动态验证码不正确" not in html
    assert SESSION_KEY not in client.session
    assert client.get("/console/")["Location"].startswith(LOGIN)


def test_turning_off_a_changed_value_is_refused_in_chinese_and_the_security_administrator_resets_it(
    client, staff
):
    secret = enrol(staff.drafter)
    client.force_login(staff.drafter, backend="django.contrib.auth.backends.ModelBackend")
    write_raw_secret(staff.drafter, flip(raw_secret(staff.drafter)))
    response = client.post(
        "/console/account/2fa/disable/", {"code": totp.code_at(secret, totp.step_at())}, follow=True
    )
    assert response.status_code == 200 and "无法读取本账号的两步验证密钥" in response.content.decode()
    staff.drafter.refresh_from_db()
    assert totp.is_enrolled(staff.drafter)
    assert totp.reset(staff.drafter, actor=staff.security_admin)
    staff.drafter.refresh_from_db()
    assert raw_secret(staff.drafter) == "" and not totp.is_enrolled(staff.drafter)


# --- migration orgs/0007 -------------------------------------------------------------------------------

BEFORE = ("orgs", "0006_account_security")
AFTER = ("orgs", "0007_secret_encryption")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_the_migration_encrypts_clear_secrets_and_back(transactional_db, settings):
    settings.GONGKAI_FIELD_KEYS = [KEY_1]
    secret = totp.generate_secret()
    try:
        old_apps = migrate(BEFORE)
        OldUser = old_apps.get_model("orgs", "User")
        old = OldUser.objects.create(
            username="old-admin",
            password="!",
            totp_secret=secret,
            totp_confirmed_at=timezone.now(),
            totp_last_step=totp.step_at() - 1,
        )
        OldUser.objects.create(username="no-second-factor", password="!")
        migrate(AFTER)
        user = User.objects.get(pk=old.pk)
        assert_not_in_clear(raw_secret(user), secret)
        assert totp.secret_of(user) == secret
        assert totp.verify(user, totp.code_at(secret, totp.step_at()))
        assert raw_secret(User.objects.get(username="no-second-factor")) == ""

        migrate(BEFORE)  # a downgrade gets the clear secret back
        assert raw_secret(user) == secret
        migrate(AFTER)
        assert totp.secret_of(User.objects.get(pk=old.pk)) == secret

        write_raw_secret(user, flip(raw_secret(user)))  # a downgrade never loses a secret silently
        damaged = raw_secret(user)
        with pytest.raises(RuntimeError, match="old-admin"):
            migrate(BEFORE)
        assert raw_secret(user) == damaged
    finally:
        # Every app's leaf, not only orgs': going back unapplied the migrations of other apps that depend
        # on orgs (concerns, api), and later tests in this process need their tables.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_demo_code_command_decrypts_and_refuses_a_changed_value(staff, settings, capsys):
    settings.DEBUG = True
    secret = enrol(staff.drafter)
    call_command("totp_code", staff.drafter.username)
    printed = capsys.readouterr().out
    assert printed[:6] in {totp.code_at(secret, totp.step_at() + d) for d in (-1, 0)}
    write_raw_secret(staff.drafter, flip(raw_secret(staff.drafter)))
    with pytest.raises(CommandError, match="无法读取本账号的两步验证密钥"):
        call_command("totp_code", staff.drafter.username)
