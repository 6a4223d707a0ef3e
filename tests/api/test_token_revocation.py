"""Security issue 9: a person's API tokens end with their sessions.

Whenever the account's sessions are ended (``gongkai.orgs.sessions.end_sessions``: own password change,
a password set by an administrator, a second factor reset or turned off, deactivation), every token of
that person still in force is revoked in the same transaction — the row kept, with the time and the
reason — and one ``auth.tokens_revoked`` event names how many. A revoked token gets the API's 401 with a
Chinese message; other people's tokens are untouched.
"""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from gongkai.api import tokens
from gongkai.api.models import ApiToken, RevocationReason
from gongkai.audit.models import AuditEvent
from gongkai.orgs import passwords, totp
from gongkai.orgs.constants import CredentialChange
from gongkai.orgs.models import User
from gongkai.orgs.sessions import end_sessions
from tests.api.conftest import ApiClient
from tests.factories import PASSWORD, make_draft
from tests.orgs.conftest import admin_form_data

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
NEW_PASSWORD = "Gongkai-revoke-2027!"
pytestmark = pytest.mark.django_db


def forced(user) -> Client:
    browser = Client()
    browser.force_login(user, backend=MODEL_BACKEND)
    return browser


def enrolled(user) -> str:
    secret = totp.generate_secret()
    assert totp.enrol(user, secret=secret, code=totp.code_at(secret, totp.step_at() - 1))
    user.refresh_from_db()
    return secret


class Holder:
    """Two working tokens of ``user`` plus, to see they are left alone, one revoked by hand earlier and
    a token of a colleague."""

    def __init__(self, staff, user, colleague):
        self.item = make_draft(staff, by=staff.drafter)
        self.url = f"/api/v1/staff/items/{self.item.pk}"
        self.user = user
        self.live = [tokens.issue(user=user, name=f"对接{i}") for i in (1, 2)]
        old, _ = tokens.issue(user=user, name="旧")
        self.old = tokens.revoke(user=user, prefix=old.key_prefix)
        self.colleague_token, self.colleague_raw = tokens.issue(user=colleague, name="同事")
        for _token, raw in self.live:
            assert self.call(raw).status_code == 200, "works before"
        assert self.call(self.colleague_raw).status_code == 200

    def call(self, raw):
        return ApiClient(raw_token=raw).get(self.url)

    def assert_revoked(self, reason: str, actor):
        message = f"API 令牌已被吊销({RevocationReason(reason).label})"
        for token, raw in self.live:
            response = self.call(raw)
            assert response.status_code == 401
            assert response.json()["detail"].startswith(message), response.json()
            assert response["WWW-Authenticate"].startswith("Bearer")
            token.refresh_from_db()  # revoked, not deleted
            assert token.revoked_at is not None and token.revoked_reason == reason
        # The token revoked earlier keeps its own time and reason.
        before = self.old.revoked_at
        self.old.refresh_from_db()
        assert self.old.revoked_at == before and self.old.revoked_reason == RevocationReason.MANUAL
        # Nobody else's token is touched.
        assert self.call(self.colleague_raw).status_code == 200
        self.colleague_token.refresh_from_db()
        assert self.colleague_token.revoked_at is None and self.colleague_token.revoked_reason == ""
        event = AuditEvent.objects.get(action="auth.tokens_revoked")
        assert event.data["count"] == 2
        assert event.data["reason"] == reason
        assert sorted(event.data["prefixes"]) == sorted(t.key_prefix for t, _ in self.live)
        assert event.object_id == str(self.user.pk) and event.actor_id == actor.pk
        return event


@pytest.fixture
def holder(staff):
    return Holder(staff, staff.drafter, staff.editor)


# --- each event --------------------------------------------------------------------------------------


def test_changing_ones_own_password_revokes_ones_tokens(staff, holder):
    browser = forced(staff.drafter)
    response = browser.post(
        "/console/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert browser.get("/console/").status_code == 200  # this session stays logged in
    holder.assert_revoked(CredentialChange.PASSWORD_CHANGED, actor=staff.drafter)


def test_a_password_set_by_an_administrator_revokes_the_persons_tokens(staff, holder):
    admin = forced(staff.system_admin)
    response = admin.post(
        f"/admin/orgs/user/{staff.drafter.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    holder.assert_revoked(CredentialChange.PASSWORD_SET, actor=staff.system_admin)


def test_resetting_the_second_factor_revokes_the_persons_tokens(staff, holder):
    enrolled(staff.drafter)
    response = forced(staff.security_admin).post(
        "/admin/orgs/user/",
        {"action": "reset_two_factor", "_selected_action": [staff.drafter.pk]},
        follow=True,
    )
    assert "已重置两步验证" in response.content.decode()
    holder.assert_revoked(CredentialChange.TOTP_RESET, actor=staff.security_admin)


def test_turning_ones_own_second_factor_off_revokes_ones_tokens(staff, holder):
    secret = enrolled(staff.drafter)
    assert totp.disable(staff.drafter, code=totp.code_at(secret, totp.step_at() + 1)) is None
    holder.assert_revoked(CredentialChange.TOTP_DISABLED, actor=staff.drafter)


def test_deactivating_an_account_revokes_its_tokens_for_good(staff, holder):
    admin = forced(staff.security_admin)
    url = f"/admin/orgs/user/{staff.drafter.pk}/change/"
    data = admin_form_data(admin.get(url))
    data.pop("is_active", None)  # unticked
    response = admin.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    staff.drafter.refresh_from_db()
    assert not staff.drafter.is_active
    holder.assert_revoked(CredentialChange.DEACTIVATED, actor=staff.security_admin)
    # Active again: the tokens stay revoked (not merely refused for an inactive owner).
    User.objects.filter(pk=staff.drafter.pk).update(is_active=True)
    for _token, raw in holder.live:
        assert holder.call(raw).status_code == 401


def test_the_admins_own_password_page_leads_to_the_one_that_revokes(staff):
    """Django's /admin/password_change/ would change the password past the service (no audit event, the
    tokens kept): administrators are sent to the console's page, and come back to the admin."""
    token, raw = tokens.issue(user=staff.system_admin)
    admin = forced(staff.system_admin)
    for response in (
        admin.get("/admin/password_change/"),
        admin.post(
            "/admin/password_change/",
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        ),
    ):
        assert response.status_code == 302
        assert response["Location"] == "/console/account/password/?next=%2Fadmin%2F"
    assert User.objects.get(pk=staff.system_admin.pk).check_password(PASSWORD)
    response = admin.post(
        response["Location"],
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert admin.get("/admin/").status_code == 200
    token.refresh_from_db()
    assert token.revoked_reason == RevocationReason.PASSWORD_CHANGED
    assert ApiClient(raw_token=raw).get("/api/v1/staff/items/999999").status_code == 401
    assert AuditEvent.objects.filter(action="orgs.account.password_changed").count() == 1


# --- the rule itself -----------------------------------------------------------------------------------


def test_other_account_changes_leave_tokens_alone(staff, holder):
    """Editing somebody's name, or reactivating them, ends nothing."""
    admin = forced(staff.system_admin)
    url = f"/admin/orgs/user/{staff.drafter.pk}/change/"
    data = admin_form_data(admin.get(url))
    data["full_name"] = "改个名字"
    assert admin.post(url, data).status_code == 302
    for token, raw in holder.live:
        assert holder.call(raw).status_code == 200
        token.refresh_from_db()
        assert token.revoked_at is None
    assert not AuditEvent.objects.filter(action="auth.tokens_revoked").exists()


def test_the_revocation_is_in_the_same_transaction_as_the_password_change(staff, holder):
    from gongkai.audit import services as audit

    real = audit.record

    def failing(**kwargs):
        if kwargs["action"] == "orgs.account.password_changed":
            raise RuntimeError("audit store down")
        return real(**kwargs)

    request = RequestFactory().post("/console/account/password/")
    request.user, request.session = staff.drafter, forced(staff.drafter).session
    with mock.patch.object(audit, "record", side_effect=failing), pytest.raises(RuntimeError):
        passwords.change_password(request, staff.drafter, new_password=NEW_PASSWORD)
    for token, raw in holder.live:
        token.refresh_from_db()
        assert token.revoked_at is None and token.revoked_reason == ""
        assert holder.call(raw).status_code == 200
    assert not AuditEvent.objects.filter(action="auth.tokens_revoked").exists()
    assert User.objects.get(pk=staff.drafter.pk).check_password(PASSWORD)


def test_expired_tokens_are_revoked_too_so_a_later_extension_cannot_revive_them(staff):
    token, raw = tokens.issue(user=staff.drafter, expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert end_sessions(staff.drafter, reason=CredentialChange.TOTP_RESET, actor=staff.security_admin) == 1
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    response = ApiClient(raw_token=raw).get("/api/v1/staff/items/999999")
    assert response.status_code == 401 and "已被吊销" in response.json()["detail"]


def test_without_tokens_there_is_nothing_to_record(staff):
    assert end_sessions(staff.drafter, reason=CredentialChange.TOTP_RESET, actor=staff.security_admin) == 0
    assert not AuditEvent.objects.filter(action="auth.tokens_revoked").exists()


def test_revoking_by_hand_records_the_reason(staff):
    token, raw = tokens.issue(user=staff.drafter)
    tokens.revoke(user=staff.drafter, prefix=token.key_prefix)
    token.refresh_from_db()
    assert token.revoked_reason == RevocationReason.MANUAL
    detail = ApiClient(raw_token=raw).get("/api/v1/staff/items/999999").json()["detail"]
    assert detail == "API 令牌已被吊销。"


def test_every_reason_a_session_ends_for_is_a_revocation_reason():
    assert set(CredentialChange.values) <= set(RevocationReason.values)
    for value in RevocationReason.values:
        assert RevocationReason(value).label  # a Chinese label for the 401 and the admin


# --- passwords set outside the services --------------------------------------------------------------


def test_a_password_set_on_the_command_line_ends_the_tokens_issued_before_it(staff, holder):
    """``manage.py changepassword`` (or a shell) sets the password without ``end_sessions``: the tokens
    issued before the new password still stop working, because a token is good only for the password
    it was issued under."""
    from django.core.management import call_command

    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", staff.drafter.username, stdout=open("/dev/null", "w"))  # noqa: SIM115
    for token, raw in holder.live:
        response = holder.call(raw)
        assert response.status_code == 401
        assert (
            response.json()["detail"] == "签发该 API 令牌后账户密码已被修改,令牌已失效,如仍需使用请重新签发。"
        )
        token.refresh_from_db()
        assert token.revoked_at is None  # nothing was recorded there, but it is refused all the same
    assert holder.call(holder.colleague_raw).status_code == 200
    # A token issued under the new password works.
    _token, raw = tokens.issue(user=User.objects.get(pk=staff.drafter.pk), name="新")
    assert holder.call(raw).status_code == 200


def test_a_password_hash_upgrade_at_login_is_not_a_password_change(staff, holder, settings):
    """Django rehashes a password at login when the hasher's parameters change; the password is the
    same, so the tokens keep working."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.get(pk=staff.drafter.pk)
    user.set_password(PASSWORD)
    User.objects.filter(pk=user.pk).update(password=user.password)  # an old hash, stamp left as it was
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)  # upgrades the stored hash
    assert User.objects.get(pk=user.pk).password.startswith("argon2")
    for _token, raw in holder.live:
        assert holder.call(raw).status_code == 200


def test_the_token_command_lists_a_token_of_an_earlier_password_as_refused(staff):
    from io import StringIO

    from django.core.management import call_command

    token, _raw = tokens.issue(user=staff.drafter, name="旧密码")
    user = User.objects.get(pk=staff.drafter.pk)
    user.set_password(NEW_PASSWORD)
    user.save()
    out = StringIO()
    call_command("token", staff.drafter.username, "--list", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.startswith(token.key_prefix))
    assert "令牌已失效" in line


def test_tokens_issued_before_the_stamp_existed_keep_working_after_the_migration(transactional_db):
    """api/0003 gives every existing token its owner's current password stamp, so an upgrade breaks no
    integration (orgs/0006 had set every account's password_changed_at to the time it ran)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    orgs = ("orgs", "0007_secret_encryption")

    def migrate(target):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([target, orgs])
        return executor.loader.project_state([target, orgs]).apps

    try:
        old = migrate(("api", "0002_revocation_reason"))
        OldUser, OldToken = old.get_model("orgs", "User"), old.get_model("api", "ApiToken")
        owner = OldUser.objects.create(username="oa-robot", password="!", password_changed_at=timezone.now())
        raw = tokens.generate()
        OldToken.objects.create(
            user=owner,
            name="OA",
            key_prefix=raw[:8],
            key_hash=tokens.hash_token(raw),
            created_at=timezone.now() - datetime.timedelta(days=30),  # older than the password stamp
        )
        migrate(("api", "0003_password_stamp"))
        token = tokens.authenticate(raw)
        assert token.password_stamp == User.objects.get(pk=owner.pk).password_changed_at
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_token_is_stamped_with_the_password_as_stored_not_as_remembered(staff):
    stale = User.objects.get(pk=staff.drafter.pk)  # loaded before the password changes elsewhere
    fresh = User.objects.get(pk=staff.drafter.pk)
    fresh.set_password(NEW_PASSWORD)
    fresh.save()
    _token, raw = tokens.issue(user=stale, name="新")
    assert ApiClient(raw_token=raw).get("/api/v1/staff/items/999999").status_code == 404  # accepted
