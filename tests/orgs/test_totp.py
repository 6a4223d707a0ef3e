"""TOTP (RFC 6238 / RFC 4226): the published test vectors, the ±1 step window, no replay, enrolment,
disabling, who must use it, and the security administrator's reset in the admin."""

import base64
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from gongkai.audit.models import AuditEvent
from gongkai.orgs import totp
from gongkai.orgs.models import User
from tests.factories import make_staff
from tests.orgs.factories import UserFactory

# RFC 4226 appendix D and RFC 6238 appendix B use the ASCII key "12345678901234567890".
RFC_KEY = b"12345678901234567890"
RFC_SECRET = base64.b32encode(RFC_KEY).decode()

HOTP_VECTORS = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
]

# (Unix time, the 8-digit SHA-1 TOTP of RFC 6238)
TOTP_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]

MOMENT = 1_800_000_000.0  # a fixed time for the window tests


@pytest.mark.parametrize(("counter", "code"), list(enumerate(HOTP_VECTORS)))
def test_hotp_matches_rfc_4226(counter, code):
    assert totp.hotp(RFC_KEY, counter) == code


@pytest.mark.parametrize(("moment", "code"), TOTP_VECTORS)
def test_totp_matches_rfc_6238(moment, code):
    step = totp.step_at(moment)
    assert totp.hotp(RFC_KEY, step, digits=8) == code
    assert totp.code_at(RFC_SECRET, step) == code[-6:]  # six digits: the same value modulo 10^6
    assert totp.match_step(RFC_SECRET, code[-6:], moment=moment) == step


def test_thirty_second_steps():
    assert totp.step_at(0) == 0
    assert totp.step_at(29.999) == 0
    assert totp.step_at(30) == 1


def test_one_step_either_side_is_accepted_and_no_further():
    now = totp.step_at(MOMENT)
    for offset in (-1, 0, 1):
        code = totp.code_at(RFC_SECRET, now + offset)
        assert totp.match_step(RFC_SECRET, code, moment=MOMENT) == now + offset
    for offset in (-3, -2, 2, 3):
        code = totp.code_at(RFC_SECRET, now + offset)
        assert totp.match_step(RFC_SECRET, code, moment=MOMENT) is None


def test_a_used_step_and_older_ones_are_refused():
    now = totp.step_at(MOMENT)
    current = totp.code_at(RFC_SECRET, now)
    assert totp.match_step(RFC_SECRET, current, after_step=now - 1, moment=MOMENT) == now
    assert totp.match_step(RFC_SECRET, current, after_step=now, moment=MOMENT) is None
    previous = totp.code_at(RFC_SECRET, now - 1)
    assert totp.match_step(RFC_SECRET, previous, after_step=now, moment=MOMENT) is None
    following = totp.code_at(RFC_SECRET, now + 1)
    assert totp.match_step(RFC_SECRET, following, after_step=now, moment=MOMENT) == now + 1


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("123456", "123456"), (" 123 456 ", "123456"), ("１２３４５６", "123456"), ("123-456", "123456")],
)
def test_codes_may_be_typed_with_spaces_or_full_width_digits(typed, expected):
    assert totp.normalise_code(typed) == expected


@pytest.mark.parametrize("typed", ["", None, "12345", "1234567", "abcdef", "12345a", "١٢٣٤٥٦"])
def test_anything_but_six_digits_is_no_code(typed):
    assert totp.normalise_code(typed) is None
    assert totp.match_step(RFC_SECRET, typed, moment=MOMENT) is None


def test_secrets_are_random_base32_of_160_bits():
    one, two = totp.generate_secret(), totp.generate_secret()
    assert one != two
    assert len(one) == 32 and one.isalnum() and one.upper() == one
    assert len(base64.b32decode(one)) == 20
    # Spaces and lower case, as people copy secrets, are read the same.
    assert totp.code_at(totp.grouped(one).lower(), 5) == totp.code_at(one, 5)


def test_the_provisioning_uri_is_what_authenticator_apps_read():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", "drafter", "晋中市文化和旅游局")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == "/晋中市文化和旅游局:drafter"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "secret": "JBSWY3DPEHPK3PXP",
        "issuer": "晋中市文化和旅游局",
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
    }
    assert " " not in uri


# --- accounts --------------------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return make_staff()


def enrolled(user, secret=RFC_SECRET):
    assert totp.enrol(user, secret=secret, code=totp.code_at(secret, totp.step_at() - 1))
    user.refresh_from_db()
    return user


def test_administrators_and_superusers_must_use_a_second_factor(staff):
    for name in ("system_admin", "security_admin", "audit_admin"):
        assert totp.required_for(getattr(staff, name)), name
    for name in ("drafter", "head", "editor", "leader", "policy_reviewer"):
        assert not totp.required_for(getattr(staff, name)), name
    assert totp.required_for(UserFactory(is_superuser=True))


def test_enrolment_needs_the_current_code(staff):
    user = staff.drafter
    secret = totp.generate_secret()
    wrong = totp.code_at(secret, totp.step_at() + 5)
    assert not totp.enrol(user, secret=secret, code=wrong)
    user.refresh_from_db()
    assert not totp.is_enrolled(user) and user.totp_secret == ""
    assert not AuditEvent.objects.filter(action="orgs.account.totp_enrolled").exists()

    assert totp.enrol(user, secret=secret, code=totp.code_at(secret, totp.step_at()))
    user.refresh_from_db()
    assert totp.is_enrolled(user) and totp.secret_of(user) == secret
    event = AuditEvent.objects.get(action="orgs.account.totp_enrolled")
    assert event.actor_id == user.pk and event.object_id == str(user.pk)
    assert event.organization_id == staff.org.pk
    assert secret not in str(event.data)


def test_a_login_code_is_accepted_once(staff):
    user = enrolled(staff.drafter)
    step = totp.step_at()
    code = totp.code_at(RFC_SECRET, step)
    assert totp.verify(user, code)
    assert not totp.verify(user, code), "the same code twice"
    user.refresh_from_db()
    assert user.totp_last_step == step


def test_the_code_used_at_enrolment_cannot_log_in(staff):
    user = staff.drafter
    code = totp.code_at(RFC_SECRET, totp.step_at())
    assert totp.enrol(user, secret=RFC_SECRET, code=code)
    assert not totp.verify(user, code)


def test_no_code_is_accepted_without_enrolment(staff):
    assert not totp.verify(staff.drafter, "123456")


def test_a_person_turns_their_optional_second_factor_off_with_a_code(staff):
    user = enrolled(staff.drafter)
    error = totp.disable(user, code=totp.code_at(RFC_SECRET, totp.step_at() + 5))
    assert error == "动态验证码不正确或已使用过,请输入验证器中显示的最新 6 位数字。"
    user.refresh_from_db()
    assert totp.is_enrolled(user)
    assert totp.disable(user, code=totp.code_at(RFC_SECRET, totp.step_at())) is None
    user.refresh_from_db()
    assert not totp.is_enrolled(user) and user.totp_secret == ""
    assert AuditEvent.objects.filter(action="orgs.account.totp_disabled", actor=user).count() == 1


def test_an_administrator_cannot_turn_the_second_factor_off(staff):
    user = enrolled(staff.audit_admin)
    error = totp.disable(user, code=totp.code_at(RFC_SECRET, totp.step_at()))
    assert "管理员账号必须启用两步验证" in error
    user.refresh_from_db()
    assert totp.is_enrolled(user)


def test_the_secret_is_not_on_the_admin_pages(client, login, staff):
    user = enrolled(staff.drafter)
    login(staff.system_admin)
    html = client.get(f"/admin/orgs/user/{user.pk}/change/").content.decode()
    assert RFC_SECRET not in html
    assert "两步验证" in client.get("/admin/orgs/user/").content.decode()


# --- the security administrator's reset (admin action) -------------------------------------------------


def reset(client, *users):
    return client.post(
        "/admin/orgs/user/",
        {"action": "reset_two_factor", "_selected_action": [u.pk for u in users]},
        follow=True,
    )


def test_the_security_administrator_resets_a_lost_second_factor(client, login, staff):
    drafter = enrolled(staff.drafter)
    auditor = enrolled(staff.audit_admin)
    login(staff.security_admin)
    response = reset(client, drafter, auditor)
    assert response.status_code == 200
    assert "已重置两步验证" in response.content.decode()
    for user in (drafter, auditor):
        user.refresh_from_db()
        assert not totp.is_enrolled(user) and user.totp_secret == "" and user.totp_last_step is None
    events = AuditEvent.objects.filter(action="orgs.account.totp_reset")
    assert {e.object_id for e in events} == {str(drafter.pk), str(auditor.pk)}
    assert {e.actor_id for e in events} == {staff.security_admin.pk}


def test_nobody_resets_their_own_second_factor(client, login, staff):
    security = enrolled(staff.security_admin)
    login(security)
    response = reset(client, security)
    assert "不能重置本人" in response.content.decode()
    security.refresh_from_db()
    assert totp.is_enrolled(security)
    assert not AuditEvent.objects.filter(action="orgs.account.totp_reset").exists()


@pytest.mark.parametrize("role", ["system_admin", "audit_admin"])
def test_other_administrators_cannot_reset(client, login, staff, role):
    drafter = enrolled(staff.drafter)
    login(getattr(staff, role))
    reset(client, drafter)
    drafter.refresh_from_db()
    assert totp.is_enrolled(drafter)
    assert not AuditEvent.objects.filter(action="orgs.account.totp_reset").exists()


def test_another_organisations_security_administrator_cannot_reset(client, login, staff):
    drafter = enrolled(staff.drafter)
    other = make_staff()
    login(other.security_admin)
    reset(client, drafter)
    drafter.refresh_from_db()
    assert totp.is_enrolled(drafter)


def test_a_superuser_resets_a_superuser_but_a_security_administrator_does_not(client, login, staff):
    root = enrolled(UserFactory(is_superuser=True, is_staff=True))
    login(staff.security_admin)
    reset(client, root)
    root.refresh_from_db()
    assert totp.is_enrolled(root)
    login(UserFactory(is_superuser=True, is_staff=True))
    reset(client, root)
    root.refresh_from_db()
    assert not totp.is_enrolled(root)
    assert User.objects.get(pk=root.pk).totp_secret == ""
