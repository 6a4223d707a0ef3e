"""The login flow: password, then the code of a second factor; lockout (django-axes) for both steps and
for the admin's login; administrators must enrol before using the console or the admin; an expired or
administrator-set password must be changed first. A browser test logs an administrator in for real."""

from __future__ import annotations

import datetime
import os
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.orgs import accounts, totp
from gongkai.orgs.models import Membership, User
from tests.browser import launch, needs_chromium
from tests.console.helpers import texts
from tests.factories import PASSWORD, make_staff
from tests.orgs.factories import UserFactory

LOGIN = "/console/login/"
CODE = "/console/login/code/"
TWO_FACTOR = "/console/account/2fa/"
PASSWORD_PAGE = "/console/account/password/"
NEW_PASSWORD = "Gongkai-changed-2027!"


@pytest.fixture
def staff(db):
    return make_staff()


def enrol(user) -> User:
    secret = totp.generate_secret()
    assert totp.enrol(user, secret=secret, code=totp.code_at(secret, totp.step_at() - 1))
    user.refresh_from_db()
    return user


def code_for(user, offset: int = 0) -> str:
    user.refresh_from_db()
    return totp.code_at(totp.secret_of(user), totp.step_at() + offset)


def post_password(client, user, password=PASSWORD, url=LOGIN, **extra):
    return client.post(url, {"username": user.username, "password": password, **extra})


def logged_in_as(client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


# --- password, then the code ------------------------------------------------------------------------


def test_with_a_second_factor_the_password_alone_does_not_log_in(client, staff):
    drafter = enrol(staff.drafter)
    response = post_password(client, drafter)
    assert response.status_code == 302 and response["Location"].startswith(CODE)
    assert logged_in_as(client) is None
    assert accounts.PENDING_KEY in client.session
    # Nothing of the console answers the pending state.
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)

    page = client.get(CODE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "输入动态验证码" in html and drafter.username in html


def test_the_code_completes_the_login_under_a_new_session_key(client, staff):
    drafter = enrol(staff.drafter)
    post_password(client, drafter)
    pending_key = client.session.session_key

    wrong = client.post(CODE, {"code": code_for(drafter, 5)})
    assert wrong.status_code == 400
    assert "动态验证码不正确或已使用过" in wrong.content.decode()
    assert logged_in_as(client) is None

    malformed = client.post(CODE, {"code": "12ab"})
    assert malformed.status_code == 400
    assert "请输入 6 位数字的动态验证码" in malformed.content.decode()

    response = client.post(CODE, {"code": code_for(drafter)})
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert logged_in_as(client) == drafter.pk
    assert client.session.session_key != pending_key
    assert accounts.PENDING_KEY not in client.session
    assert client.session[accounts.MFA_KEY] == accounts.MFA_PASSED
    assert client.get("/console/").status_code == 200


def test_the_wanted_page_survives_the_code_step(client, staff):
    drafter = enrol(staff.drafter)
    response = post_password(client, drafter, next="/console/items/")
    assert response["Location"] == f"{CODE}?next=%2Fconsole%2Fitems%2F"
    response = client.post(CODE, {"code": code_for(drafter), "next": "/console/items/"})
    assert response["Location"] == "/console/items/"


def test_an_outside_address_is_never_the_next_page(client, staff):
    drafter = enrol(staff.drafter)
    post_password(client, drafter)
    response = client.post(CODE, {"code": code_for(drafter), "next": "https://evil.example/"})
    assert response["Location"] == "/console/"


def test_a_code_is_never_accepted_twice(client, staff):
    drafter = enrol(staff.drafter)
    code = code_for(drafter)
    post_password(client, drafter)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.post(reverse("console:logout"))

    other = Client()
    post_password(other, drafter)
    response = other.post(CODE, {"code": code})
    assert response.status_code == 400
    assert logged_in_as(other) is None


def test_the_code_step_without_the_password_step_goes_back_to_the_login(client, staff):
    response = client.post(CODE, {"code": "123456"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "请重新输入用户名和密码" in response.content.decode()


def test_the_pending_login_expires(client, staff, settings):
    drafter = enrol(staff.drafter)
    post_password(client, drafter)
    with time_machine.travel(
        timezone.now() + datetime.timedelta(seconds=settings.GONGKAI_LOGIN_CODE_SECONDS + 5)
    ):
        response = client.post(CODE, {"code": code_for(drafter)})
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert logged_in_as(client) is None


def test_the_pending_state_is_signed(client, staff):
    drafter = enrol(staff.drafter)
    victim = enrol(staff.editor)
    post_password(client, drafter)
    session = client.session
    token = session[accounts.PENDING_KEY]
    session[accounts.PENDING_KEY] = token.replace(token[5], "A" if token[5] != "A" else "B", 1)
    session.save()
    response = client.post(CODE, {"code": code_for(victim)})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert logged_in_as(client) is None


def test_a_password_change_in_between_ends_the_pending_login(client, staff):
    drafter = enrol(staff.drafter)
    post_password(client, drafter)
    drafter.set_password(NEW_PASSWORD)
    drafter.save()
    response = client.post(CODE, {"code": code_for(drafter)})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert logged_in_as(client) is None


# --- lockout (django-axes) -----------------------------------------------------------------------------


def test_wrong_codes_count_as_failed_logins_and_lock_the_account(client, staff, settings):
    drafter = enrol(staff.drafter)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_password(client, drafter, password="wrong-password")
    assert post_password(client, drafter).status_code == 302  # the password is right: on to the code
    response = client.post(CODE, {"code": code_for(drafter, 5)})
    assert response.status_code == 429
    assert "账号已临时锁定" in response.content.decode()
    assert accounts.PENDING_KEY not in client.session
    # Locked: neither the right password nor the right code gets in now.
    assert post_password(client, drafter).status_code == 429
    assert logged_in_as(client) is None


def test_a_locked_account_cannot_finish_a_pending_login(client, staff, settings):
    drafter = enrol(staff.drafter)
    post_password(client, drafter)  # pending in this browser ...
    other = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_password(other, drafter, password="wrong-password")  # ... while someone locks the account
    response = client.post(CODE, {"code": code_for(drafter)})
    assert response.status_code == 429
    assert logged_in_as(client) is None


def test_a_successful_login_resets_the_failure_count(client, staff, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        post_password(client, staff.drafter, password="wrong-password")
    assert post_password(client, staff.drafter).status_code == 302
    assert logged_in_as(client) == staff.drafter.pk
    assert not AccessAttempt.objects.filter(username=staff.drafter.username).exists()
    client.post(reverse("console:logout"))
    for _ in range(limit - 1):
        post_password(client, staff.drafter, password="wrong-password")
    assert post_password(client, staff.drafter).status_code == 302


def test_the_lock_is_on_the_account_from_any_address(staff, settings):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_password(attacker, staff.drafter, password="wrong-password")
    colleague = Client(REMOTE_ADDR="198.51.100.20")
    response = post_password(colleague, staff.drafter)
    assert response.status_code == 429
    assert "连续 5 次登录失败" in response.content.decode()
    assert "请联系本机构安全管理员" in response.content.decode()  # 三员分立: unlocking is theirs


def test_the_security_administrator_unlocks_and_the_person_logs_in_again(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_password(client, staff.drafter, password="wrong-password")
    assert post_password(client, staff.drafter).status_code == 429
    attempt = AccessAttempt.objects.get(username=staff.drafter.username)

    admin = Client()
    admin.force_login(staff.security_admin, backend="django.contrib.auth.backends.ModelBackend")
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="admin.deleted", object_type="axes.accessattempt").exists()

    assert post_password(client, staff.drafter).status_code == 302
    assert logged_in_as(client) == staff.drafter.pk


# --- the admin's login is the console's --------------------------------------------------------------


def test_the_admin_login_page_sends_people_to_the_console_login(client, staff):
    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/console/login/?next=%2Fadmin%2F"


def test_posting_to_the_admin_login_never_logs_in(client, staff, settings):
    # No way round the lockout and the second factor through the admin's own form.
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = post_password(client, staff.security_admin, url="/admin/login/?next=/admin/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert logged_in_as(client) is None


def test_a_logged_in_person_without_admin_rights_is_told_so(client, staff):
    post_password(client, staff.drafter)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "没有系统管理权限" in response.content.decode()


def test_an_administrator_reaches_the_admin_with_password_and_code(client, staff):
    security = enrol(staff.security_admin)
    response = client.get("/admin/login/?next=/admin/")
    response = client.get(response["Location"])
    assert response.status_code == 200
    response = post_password(client, security, next="/admin/")
    assert response["Location"] == f"{CODE}?next=%2Fadmin%2F"
    response = client.post(CODE, {"code": code_for(security), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    html = client.get("/admin/").content.decode()
    assert "/admin/orgs/membership/" in html


# --- administrators must enrol ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "audit_admin"])
def test_an_administrator_without_a_second_factor_must_enrol_first(client, staff, role):
    admin = getattr(staff, role)
    response = post_password(client, admin)
    assert response.status_code == 302
    assert logged_in_as(client) == admin.pk
    for url in ("/console/", "/console/items/", "/admin/", "/admin/orgs/user/", "/console/account/password/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == TWO_FACTOR, url

    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    html = page.content.decode()
    assert "管理员账号必须启用两步验证" in html
    secret = accounts.offered_secret_in(client.session)
    assert totp.grouped(secret) in html
    assert "otpauth://totp/" in html and f"secret={secret}" in html

    wrong = client.post(TWO_FACTOR, {"code": totp.code_at(secret, totp.step_at() + 5)})
    assert wrong.status_code == 400 and "验证码与密钥不符" in wrong.content.decode()
    admin.refresh_from_db()
    assert not totp.is_enrolled(admin)

    key = client.session.session_key
    response = client.post(TWO_FACTOR, {"code": totp.code_at(secret, totp.step_at())})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert totp.is_enrolled(admin) and totp.secret_of(admin) == secret
    assert client.session.session_key != key
    assert AuditEvent.objects.filter(action="orgs.account.totp_enrolled", actor=admin).count() == 1
    assert client.get("/admin/").status_code == 200
    assert secret not in client.get(TWO_FACTOR).content.decode()  # never shown again

    # The next login asks for the code.
    client.post(reverse("console:logout"))
    assert post_password(client, admin)["Location"].startswith(CODE)


def test_a_confined_administrator_may_log_out(client, staff):
    post_password(client, staff.system_admin)
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert logged_in_as(client) is None


def test_a_superuser_must_enrol_and_then_lands_in_the_admin(client, db):
    root = UserFactory(is_superuser=True, is_staff=True)
    post_password(client, root)
    assert client.get("/admin/")["Location"] == TWO_FACTOR
    client.get(TWO_FACTOR)
    secret = accounts.offered_secret_in(client.session)
    response = client.post(TWO_FACTOR, {"code": totp.code_at(secret, totp.step_at())})
    assert response["Location"] == "/admin/"


def test_an_administrator_role_given_during_a_session_asks_for_enrolment(client, staff):
    post_password(client, staff.drafter)
    assert client.get("/console/").status_code == 200
    Membership.objects.filter(user=staff.drafter).update(roles=["security_admin"])
    assert client.get("/console/")["Location"] == TWO_FACTOR


def test_enrolling_in_another_session_does_not_vouch_for_this_one(client, staff):
    post_password(client, staff.audit_admin)
    enrol(staff.audit_admin)  # elsewhere
    response = client.get("/console/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert logged_in_as(client) is None
    assert "未经动态验证码确认" in response.content.decode()


def test_anyone_may_enrol_and_then_needs_the_code(client, staff):
    post_password(client, staff.editor)
    page = client.get(TWO_FACTOR)
    assert page.status_code == 200 and "启用后" in page.content.decode()
    secret = accounts.offered_secret_in(client.session)
    response = client.post(TWO_FACTOR, {"code": totp.code_at(secret, totp.step_at())})
    assert response["Location"] == "/console/"
    assert "已启用两步验证" in " ".join(texts(client.get("/console/")))
    client.post(reverse("console:logout"))
    assert post_password(client, staff.editor)["Location"].startswith(CODE)
    assert client.post(CODE, {"code": code_for(staff.editor, 1)})["Location"] == "/console/"

    # And may turn it off again, with a code not used yet.
    response = client.post("/console/account/2fa/disable/", {"code": code_for(staff.editor, 1)}, follow=True)
    assert "动态验证码不正确或已使用过" in response.content.decode()
    staff.editor.refresh_from_db()
    assert totp.is_enrolled(staff.editor)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        response = client.post("/console/account/2fa/disable/", {"code": code_for(staff.editor)}, follow=True)
        assert "已停用两步验证" in response.content.decode()
    staff.editor.refresh_from_db()
    assert not totp.is_enrolled(staff.editor)


def test_the_account_page_shows_the_state(client, staff):
    enrol(staff.drafter)
    client.force_login(staff.drafter, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/console/account/").content.decode()
    assert "账号安全" in html and "已启用" in html
    expires = staff.drafter.date_joined + datetime.timedelta(days=90)
    assert timezone.localtime(expires).strftime("%Y年") in html
    assert "30 分钟" in html and "12 小时" in html
    assert client.get("/console/account/", follow=False).status_code == 200
    client.logout()
    assert client.get("/console/account/")["Location"].startswith(LOGIN)


# --- passwords that must change first -----------------------------------------------------------------


def change(client, old=PASSWORD, new=NEW_PASSWORD, confirm=None, **extra):
    data = {"old_password": old, "new_password1": new, "new_password2": confirm or new, **extra}
    return client.post(PASSWORD_PAGE, data)


def test_an_expired_password_must_be_changed_before_anything_else(client, staff):
    User.objects.filter(pk=staff.drafter.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=91)
    )
    assert post_password(client, staff.drafter).status_code == 302
    for url in ("/console/", "/console/items/", TWO_FACTOR):
        assert client.get(url)["Location"] == PASSWORD_PAGE, url
    page = client.get(PASSWORD_PAGE)
    assert page.status_code == 200
    assert "超过 90 天" in page.content.decode()

    bad = change(client, old="not-my-password")
    assert bad.status_code == 400 and "原密码不正确" in bad.content.decode()
    weak = change(client, new="abcdefghijkl")
    assert weak.status_code == 400 and "至少 3 类" in weak.content.decode()
    same = change(client, new=PASSWORD)
    assert same.status_code == 400 and "最近 5 次" in same.content.decode()
    mismatch = change(client, confirm="Gongkai-other-2027!")
    assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.content.decode()

    key = client.session.session_key
    response = change(client)
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert logged_in_as(client) == staff.drafter.pk  # still logged in ...
    assert client.session.session_key != key  # ... under a new key
    assert client.get("/console/").status_code == 200
    staff.drafter.refresh_from_db()
    assert staff.drafter.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="orgs.account.password_changed")
    assert event.actor_id == staff.drafter.pk and NEW_PASSWORD not in str(event.data)


def test_an_administrators_expired_password_also_closes_the_admin(client, staff):
    admin = enrol(staff.security_admin)
    User.objects.filter(pk=admin.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=100))
    post_password(client, admin)
    client.post(CODE, {"code": code_for(admin)})
    assert client.get("/admin/")["Location"] == PASSWORD_PAGE
    assert change(client)["Location"] == "/console/"
    assert client.get("/admin/").status_code == 200


def test_a_password_reset_by_the_system_administrator_is_changed_at_login(client, staff):
    admin = Client()
    admin.force_login(staff.system_admin, backend="django.contrib.auth.backends.ModelBackend")
    admin.post(
        f"/admin/orgs/user/{staff.drafter.pk}/password/",
        {"usable_password": "true", "password1": "Gongkai-reset-2026!", "password2": "Gongkai-reset-2026!"},
    )
    post_password(client, staff.drafter, password="Gongkai-reset-2026!")
    page = client.get("/console/", follow=True)
    assert page.redirect_chain[-1][0] == PASSWORD_PAGE
    assert "管理员设置或重置" in page.content.decode()
    assert change(client, old="Gongkai-reset-2026!")["Location"] == "/console/"
    staff.drafter.refresh_from_db()
    assert not staff.drafter.password_must_change


def test_anyone_may_change_their_password_and_go_back(client, staff):
    post_password(client, staff.leader)
    response = change(client, next="/console/items/")
    assert response["Location"] == "/console/items/"


# --- in a browser -------------------------------------------------------------------------------------


@pytest.fixture
def browser_staff(transactional_db, settings):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"
    return make_staff()


def in_browser(test):
    for mark in needs_chromium:
        test = mark(test)
    return test


@in_browser
def test_an_administrator_enrols_then_logs_in_with_a_code_in_a_browser(browser_staff, live_server):
    from playwright.sync_api import sync_playwright

    base = live_server.url
    admin = browser_staff.security_admin
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(base + "/admin/")
        assert "/console/login/" in page.url
        page.get_by_label("用户名").fill(admin.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/console/account/2fa/$"))

        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.get_by_label("动态验证码").fill(totp.code_at(secret, totp.step_at()))
        page.get_by_role("button", name="绑定并启用").click()
        page.wait_for_url(re.compile(r".*/console/$"))
        assert "已启用两步验证" in page.locator(".messages").inner_text()

        page.goto(base + "/admin/")
        assert "系统管理" in page.title()
        page.goto(base + "/console/account/")
        page.get_by_role("button", name="退出登录").first.click()
        page.wait_for_url(re.compile(r".*/console/login/$"))

        page.goto(base + "/admin/")
        page.get_by_label("用户名").fill(admin.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r".*/console/login/code/.*"))
        page.get_by_label("动态验证码").fill(totp.code_at(secret, totp.step_at() + 1))
        page.get_by_role("button", name="验证并登录").click()
        page.wait_for_url(re.compile(r".*/admin/$"))
        assert page.locator("a[href='/admin/orgs/membership/']").count() >= 1
        browser.close()
