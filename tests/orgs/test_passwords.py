"""Password rules (等保 2.0 三级): complexity, no user name, no reuse of the last 5, common passwords
refused, Chinese messages; expiry after 90 days; a password set by an administrator must be changed."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone

from gongkai.audit.models import AuditEvent
from gongkai.orgs import passwords
from gongkai.orgs.models import PasswordHistory, User
from tests.factories import PASSWORD, make_staff
from tests.orgs.factories import UserFactory

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def refusals(password, user=None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.fixture
def person(db):
    return UserFactory(username="zhangsan")


# --- complexity -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "Abcdefgh12",  # upper, lower, digit — exactly 10
        "abcdefgh1!",  # lower, digit, symbol
        "ABCDEFGH1!",  # upper, digit, symbol
        "Abcdefghi!",  # upper, lower, symbol
        "Gongkai-four-2026",  # all four
    ],
)
def test_ten_characters_of_three_classes_are_accepted(person, password):
    assert refusals(password, person) == []


def test_nine_characters_are_too_short(person):
    messages = refusals("Abcdefg1!", person)
    assert messages == ["密码太短:至少需要 10 个字符,当前只有 9 个。"]


@pytest.mark.parametrize(
    ("password", "have"),
    [
        ("abcdefghijkl", "小写字母"),
        ("abcdefghij12", "小写字母、数字"),
        ("ABCDEFGHIJ!!", "大写字母、符号"),
        ("1234567890!@", "数字、符号"),
    ],
)
def test_fewer_than_three_classes_are_refused_naming_what_is_there(person, password, have):
    messages = refusals(password, person)
    expected = f"密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类(当前只有:{have})。"
    assert expected in messages


def test_character_classes():
    assert passwords.character_classes("aB3-") == {"lower", "upper", "digit", "symbol"}
    assert passwords.character_classes("密码密码") == set()  # CJK is no letter case and no symbol
    assert passwords.character_classes("a b") == {"lower"}  # a space is not a symbol


def test_the_user_name_may_not_be_inside_the_password_in_any_case(person):
    assert "密码不能包含用户名。" in refusals("ZhangSan-2026!", person)
    assert "密码不能包含用户名。" in refusals("x-ZHANGSAN-2026", person)
    assert refusals("Wang-Wu-2026!", person) == []


def test_common_passwords_are_refused_even_with_three_classes(person):
    assert passwords.character_classes("Password1234") == {"upper", "lower", "digit"}
    messages = refusals("Password1234", person)
    assert messages and all(CHINESE.search(m) for m in messages)


def test_every_refusal_is_in_chinese(person):
    for password in ["short", "zhangsan", "12345678901", "Password1234", "abcdefghijkl"]:
        messages = refusals(password, person)
        assert messages, password
        assert all(CHINESE.search(m) for m in messages), messages


def test_the_help_texts_are_chinese():
    texts = password_validation.password_validators_help_texts()
    assert any("至少 10 个字符" in t for t in texts)
    assert any("最近 5 次" in t for t in texts)


# --- history ----------------------------------------------------------------------------------------------


def set_password(user, raw):
    user.set_password(raw)
    user.save()


def test_none_of_the_last_five_passwords_may_come_back(person):
    used = [f"Gongkai-{n}-history!" for n in range(1, 7)]
    for raw in used:
        assert refusals(raw, person) == [], raw
        set_password(person, raw)
    # Six passwords set: the last five (the current one included) are remembered, the first is not.
    assert PasswordHistory.objects.filter(user=person).count() == 5
    reused = "新密码不能与最近 5 次使用过的密码相同。"
    for raw in used[1:]:
        assert reused in refusals(raw, person), raw
    assert refusals(used[0], person) == []


def test_the_current_password_counts_even_without_history(db):
    user = UserFactory()  # the factory writes the hash directly: no history row
    assert not PasswordHistory.objects.filter(user=user).exists()
    assert "新密码不能与最近 5 次使用过的密码相同。" in refusals(PASSWORD, user)


def test_history_keeps_hashes_only(person):
    set_password(person, "Gongkai-secret-77!")
    row = PasswordHistory.objects.get(user=person)
    assert "Gongkai-secret-77!" not in row.password
    assert row.password == person.password


def test_setting_a_password_records_when(person):
    person.password_changed_at = None
    person.password_must_change = True
    before = timezone.now()
    set_password(person, "Gongkai-new-2027!")
    person.refresh_from_db()
    assert person.password_changed_at >= before
    assert person.password_must_change is False


# --- expiry -----------------------------------------------------------------------------------------------


def test_a_password_expires_after_ninety_days(person):
    set_password(person, "Gongkai-age-2026!")
    changed = person.password_changed_at
    assert passwords.expires_at(person) == changed + datetime.timedelta(days=90)
    assert not passwords.is_expired(person, changed + datetime.timedelta(days=89, hours=23))
    assert passwords.is_expired(person, changed + datetime.timedelta(days=90))
    assert passwords.change_reason(person, changed + datetime.timedelta(days=89)) is None
    reason = passwords.change_reason(person, changed + datetime.timedelta(days=91))
    assert reason == "您的密码已使用超过 90 天,按安全要求须修改后才能继续使用。"


def test_the_maximum_age_is_a_setting(person, settings):
    settings.GONGKAI_PASSWORD_MAX_AGE_DAYS = 30
    set_password(person, "Gongkai-age-2026!")
    assert passwords.is_expired(person, person.password_changed_at + datetime.timedelta(days=30))
    assert "30 天" in passwords.change_reason(
        person, person.password_changed_at + datetime.timedelta(days=31)
    )
    settings.GONGKAI_PASSWORD_MAX_AGE_DAYS = 0
    assert passwords.expires_at(person) is None
    assert not passwords.is_expired(person, timezone.now() + datetime.timedelta(days=3650))


def test_without_a_recorded_change_the_age_counts_from_the_account_creation(db):
    user = UserFactory()
    assert user.password_changed_at is None
    assert passwords.expires_at(user) == user.date_joined + datetime.timedelta(days=90)


def test_a_password_set_by_an_administrator_must_be_changed(person):
    passwords.mark_set_by_administrator(person, actor=UserFactory())
    person.refresh_from_db()
    assert person.password_must_change
    assert "管理员设置或重置" in passwords.change_reason(person)
    set_password(person, "Gongkai-mine-2026!")
    person.refresh_from_db()
    assert not person.password_must_change
    assert passwords.change_reason(person) is None


def test_setting_ones_own_password_is_not_a_reset(person):
    passwords.mark_set_by_administrator(person, actor=person)
    person.refresh_from_db()
    assert not person.password_must_change


def test_an_unusable_password_never_asks_for_a_change(person):
    person.set_unusable_password()
    person.password_must_change = True
    assert passwords.change_reason(person) is None


# --- the administrator sets somebody's password --------------------------------------------------------


def test_the_admin_marks_a_password_it_sets_for_someone_else(db, client, login):
    staff = make_staff()
    login(staff.system_admin)
    response = client.post(
        f"/admin/orgs/user/{staff.drafter.pk}/password/",
        {"usable_password": "true", "password1": "Gongkai-reset-2026!", "password2": "Gongkai-reset-2026!"},
    )
    assert response.status_code == 302
    staff.drafter.refresh_from_db()
    assert staff.drafter.password_must_change
    assert AuditEvent.objects.filter(action="orgs.user.password_changed").count() == 1


def test_the_admin_applies_the_rules_to_the_password_it_sets(db, client, login):
    staff = make_staff()
    login(staff.system_admin)
    response = client.post(
        f"/admin/orgs/user/{staff.drafter.pk}/password/",
        {"usable_password": "true", "password1": "abcdefghijkl", "password2": "abcdefghijkl"},
    )
    assert response.status_code == 200
    assert "至少 3 类" in response.content.decode()
    staff.drafter.refresh_from_db()
    assert staff.drafter.check_password(PASSWORD)


def test_a_new_account_from_the_admin_must_change_its_first_password(db, client, login):
    staff = make_staff()
    login(staff.system_admin)
    response = client.post(
        "/admin/orgs/user/add/",
        {
            "username": "newcomer",
            "full_name": "新同事",
            "email": "",
            "usable_password": "true",
            "password1": "Gongkai-first-2026!",
            "password2": "Gongkai-first-2026!",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.password_must_change
    assert newcomer.password_changed_at is not None


def test_the_reset_time_travels_with_the_clock(person):
    """Expiry uses the time of the change, whatever the clock says later."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=100), tick=False):
        set_password(person, "Gongkai-old-2026!")
    assert passwords.is_expired(person)
    set_password(person, "Gongkai-newer-2026!")
    assert not passwords.is_expired(person)
