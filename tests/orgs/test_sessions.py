"""Sessions (等保 2.0 三级): idle time-out of 30 minutes and an absolute cap of 12 hours for the console
and the admin, with a Chinese message; cookie flags; a new session key at login; every session of a
person ends when their second factor is reset or turned off, or an administrator sets their password."""

import datetime
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import Client
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.orgs import accounts, totp
from gongkai.orgs.constants import CredentialChange
from gongkai.orgs.sessions import end_sessions
from tests.factories import PASSWORD, make_staff
from tests.orgs.factories import UserFactory

LOGIN = "/console/login/"


@pytest.fixture
def staff(db):
    return make_staff()


def log_in(client, user):
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def later(minutes: float):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_thirty_idle_minutes_end_the_session_with_a_message(client, staff):
    log_in(client, staff.drafter)
    with later(31):
        response = client.get("/console/items/")
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next=/console/items/"
        assert not logged_in(client)
        page = client.get(response["Location"])
        assert "超过 30 分钟没有操作" in page.content.decode()
        assert "自动退出登录" in page.content.decode()


def test_activity_keeps_the_session_alive(client, staff):
    log_in(client, staff.drafter)
    for minutes in (20, 40, 60, 80, 100):
        with later(minutes):
            assert client.get("/console/").status_code == 200, minutes
    assert logged_in(client)


def test_just_under_the_limit_is_still_in(client, staff):
    log_in(client, staff.drafter)
    with later(29.5):
        assert client.get("/console/").status_code == 200


def test_twelve_hours_after_login_the_session_ends_whatever_the_activity(client, staff):
    log_in(client, staff.drafter)
    minutes = 0
    while minutes < 12 * 60 - 20:
        minutes += 20
        with later(minutes):
            assert client.get("/console/").status_code == 200, minutes
    with later(12 * 60 + 1):
        response = client.get("/console/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "本次登录已超过 12 小时" in response.content.decode()
    assert not logged_in(client)


def test_the_admin_times_out_too(client, staff):
    # A session made outside the login page (force_login) is timed out as well.
    client.force_login(staff.security_admin, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/").status_code == 200
    with later(31):
        response = client.get("/admin/orgs/user/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert not logged_in(client)


def test_the_limits_are_settings(client, staff, settings):
    settings.GONGKAI_SESSION_IDLE_MINUTES = 5
    settings.GONGKAI_SESSION_MAX_HOURS = 1
    log_in(client, staff.drafter)
    with later(6):
        response = client.get("/console/", follow=True)
        assert "超过 5 分钟没有操作" in response.content.decode()
    log_in(client, staff.drafter)
    for minutes in range(3, 58, 3):
        with later(minutes):
            assert client.get("/console/").status_code == 200
    with later(61):
        response = client.get("/console/", follow=True)
        assert "本次登录已超过 1 小时" in response.content.decode()


def test_public_pages_neither_end_nor_extend_a_session(client, staff):
    log_in(client, staff.drafter)
    seen = client.session[accounts.LAST_SEEN_KEY]
    with later(20):
        client.get("/xxgk/")
        assert client.session[accounts.LAST_SEEN_KEY] == seen
    with later(40):
        client.get("/xxgk/")
        assert logged_in(client)  # the public site does not log anyone out ...
        assert client.get("/console/").status_code == 302  # ... the console does
        assert not logged_in(client)


def test_a_garbled_timestamp_does_not_break_the_console(client, staff):
    log_in(client, staff.drafter)
    session = client.session
    session[accounts.LAST_SEEN_KEY] = "not a time"
    session[accounts.STARTED_KEY] = None
    session.save()
    assert client.get("/console/").status_code == 200


def test_the_session_key_changes_at_login(client, staff):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    log_in(client, staff.drafter)
    assert client.session.session_key != before


def test_the_session_cookie_is_http_only_and_same_site_lax(client, staff):
    response = log_in(client, staff.drafter)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["expires"]  # gone when the browser closes


def test_the_stored_session_outlives_the_idle_limit_so_the_message_can_be_shown():
    assert django_settings.SESSION_COOKIE_AGE >= django_settings.GONGKAI_SESSION_MAX_HOURS * 3600
    assert django_settings.SESSION_SAVE_EVERY_REQUEST


def test_production_cookies_are_secure(tmp_path):
    """With DEBUG off and HTTPS (the production default) the session and CSRF cookies are Secure."""
    code = (
        "from gongkai.config import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")},
        "GONGKAI_VAR_DIR": str(tmp_path),
        "GONGKAI_SECRET_KEY": "x" * 50,
        "DJANGO_SETTINGS_MODULE": "gongkai.config.settings",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True", "Lax"]


# --- ending every session of a person (gongkai.orgs.sessions) ------------------------------------------

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def enrolled(user) -> str:
    secret = totp.generate_secret()
    assert totp.enrol(user, secret=secret, code=totp.code_at(secret, totp.step_at() - 1))
    return secret


def with_code(user, secret, offset: int = 0):
    """A new browser logged in with the password and the code of step now + offset."""
    browser = Client()
    log_in(browser, user)
    response = browser.post("/console/login/code/", {"code": totp.code_at(secret, totp.step_at() + offset)})
    assert response.status_code == 302, response.content.decode()
    assert browser.get("/console/").status_code == 200
    return browser


def forced(user):
    browser = Client()
    browser.force_login(user, backend=MODEL_BACKEND)
    return browser


def ended(browser) -> bool:
    response = browser.get("/console/")
    return response.status_code == 302 and response["Location"].startswith(LOGIN) and not logged_in(browser)


def test_a_reset_by_the_security_administrator_ends_every_session_of_that_person(staff):
    secret = enrolled(staff.drafter)
    phone, desk = with_code(staff.drafter, secret), with_code(staff.drafter, secret, offset=1)
    colleague = forced(staff.editor)
    security = forced(staff.security_admin)
    assert not ended(phone) and not ended(desk)

    response = security.post(
        "/admin/orgs/user/",
        {"action": "reset_two_factor", "_selected_action": [staff.drafter.pk]},
        follow=True,
    )
    assert "已重置两步验证" in response.content.decode()
    assert ended(phone) and ended(desk)
    assert not ended(colleague)
    assert security.get("/admin/orgs/user/").status_code == 200
    event = AuditEvent.objects.get(action="orgs.account.totp_reset")
    assert event.data["sessions_ended"] is True and event.actor_id == staff.security_admin.pk


def test_turning_ones_own_second_factor_off_ends_the_other_sessions_not_this_one(staff):
    secret = enrolled(staff.drafter)
    here = with_code(staff.drafter, secret)
    elsewhere = forced(staff.drafter)
    key = here.session.session_key
    response = here.post("/console/account/2fa/disable/", {"code": totp.code_at(secret, totp.step_at() + 1)})
    assert response.status_code == 302
    staff.drafter.refresh_from_db()
    assert not totp.is_enrolled(staff.drafter)
    assert not ended(here) and here.session.session_key != key
    assert ended(elsewhere)


def test_a_pending_login_ends_when_the_second_factor_is_reset(client, staff):
    secret = enrolled(staff.drafter)
    log_in(client, staff.drafter)  # password given, code not yet
    assert totp.reset(staff.drafter, actor=staff.security_admin)
    response = client.post("/console/login/code/", {"code": totp.code_at(secret, totp.step_at())})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not logged_in(client)


@pytest.mark.parametrize(
    ("actor", "target"), [("system_admin", "drafter"), ("superuser", "audit_admin")], ids=["sysadmin", "root"]
)
def test_a_password_set_by_an_administrator_ends_the_persons_sessions(staff, actor, target):
    person = getattr(staff, target)
    sessions = [forced(person), forced(person)]
    assert not any(ended(s) for s in sessions)
    admin_user = (
        UserFactory(is_superuser=True, is_staff=True) if actor == "superuser" else getattr(staff, actor)
    )
    admin = forced(admin_user)
    new = "Gongkai-reset-2027!x"
    response = admin.post(
        f"/admin/orgs/user/{person.pk}/password/",
        {"usable_password": "true", "password1": new, "password2": new},
    )
    assert response.status_code == 302, response.content.decode()
    person.refresh_from_db()
    assert person.check_password(new)
    assert all(ended(s) for s in sessions)
    assert admin.get("/admin/").status_code == 200


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(staff):
    here, elsewhere = forced(staff.drafter), forced(staff.drafter)
    new = "Gongkai-changed-2027!"
    response = here.post(
        "/console/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert not ended(here)
    assert ended(elsewhere)


def test_accounts_without_a_stamp_keep_djangos_session_hash(staff):
    """Deploying the stamp ended nobody's session: without one the HMAC is Django's own."""
    user = staff.drafter
    assert user.session_stamp == ""
    assert user.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(user)
    before = user.get_session_auth_hash()
    end_sessions(user, reason=CredentialChange.TOTP_RESET)
    user.refresh_from_db()
    assert user.session_stamp and user.get_session_auth_hash() != before
