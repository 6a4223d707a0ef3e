"""Login, lockout, organisations: who may open the console and what they see."""

import pytest
from django.urls import reverse

from gongkai.orgs.models import Membership
from tests.factories import PASSWORD, make_draft, make_published, make_staff
from tests.orgs.factories import OrganizationFactory, UserFactory

from .helpers import action_url

pytestmark = pytest.mark.django_db

PAGES = [
    ("console:inbox", False),
    ("console:items", False),
    ("console:item_create", False),
    ("console:notifications", False),
    ("console:item", True),
    ("console:item_edit", True),
    ("console:review", True),
]


@pytest.mark.parametrize(("name", "needs_item"), PAGES)
def test_every_console_page_requires_login(client, name, needs_item):
    url = reverse(name, args=[1]) if needs_item else reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login") + "?next=")


def test_actions_and_downloads_require_login(client):
    staff = make_staff()
    item = make_draft(staff)
    response = client.post(action_url(item, "submit"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("console:login"))
    response = client.get(reverse("console:attachment", args=[item.pk, 1]))
    assert response.status_code == 302


def test_login_page_is_chinese_and_logs_in(client):
    staff = make_staff()
    page = client.get(reverse("console:login"))
    assert page.status_code == 200
    assert "登录工作台" in page.content.decode()
    response = client.post(
        reverse("console:login"), {"username": staff.drafter.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:inbox")
    assert client.get(reverse("console:inbox")).status_code == 200


def test_wrong_password_gets_a_chinese_message(client):
    staff = make_staff()
    response = client.post(reverse("console:login"), {"username": staff.drafter.username, "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_five_failures_lock_the_account_with_a_chinese_message(client):
    staff = make_staff()
    url = reverse("console:login")
    for _ in range(5):
        response = client.post(url, {"username": staff.drafter.username, "password": "wrong-password"})
    response = client.post(url, {"username": staff.drafter.username, "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "账号已临时锁定" in body
    assert "连续 5 次登录失败" in body
    assert "30 分钟" in body
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client, login):
    staff = make_staff()
    login(staff.drafter)
    response = client.post(reverse("console:logout"))
    assert response.status_code == 302
    assert client.get(reverse("console:inbox")).status_code == 302


def test_a_person_without_membership_gets_a_chinese_403(client, login):
    login(UserFactory())
    response = client.get(reverse("console:inbox"))
    assert response.status_code == 403
    assert "不属于任何机构" in response.content.decode()


def test_another_organisations_item_is_404_everywhere(client, login):
    ours, theirs = make_staff(), make_staff()
    item = make_published(theirs)
    draft = make_draft(theirs)
    login(ours.editor)
    for name in ("console:item", "console:item_edit", "console:review"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 404
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    for action in ("submit", "withdraw", "revise"):
        assert client.post(action_url(item, action), {"reason": "x"}).status_code == 404
    attachment_url = reverse("console:attachment", args=[item.pk, 1])
    assert client.get(attachment_url).status_code == 404


def test_item_list_shows_only_my_organisation(client, login):
    ours, theirs = make_staff(), make_staff()
    make_draft(ours, title="本机构的信息")
    make_draft(theirs, title="别的机构的信息")
    login(ours.editor)
    body = client.get(reverse("console:items")).content.decode()
    assert "本机构的信息" in body
    assert "别的机构的信息" not in body


def test_header_shows_organisation_name_and_roles(client, login):
    staff = make_staff()
    login(staff.editor)
    body = client.get(reverse("console:inbox")).content.decode()
    assert staff.org.name in body
    assert staff.editor.display_name in body
    assert "办公室编辑(发布)" in body
    assert 'href="#main"' in body  # skip link
    assert "/console/reports/ledger/" in body


def test_a_person_in_two_organisations_works_in_one_and_can_switch(client, login):
    first, second = make_staff(), make_staff(org=OrganizationFactory(name="第二机构"))
    Membership.objects.create(
        user=first.editor, organization=second.org, department=second.office, roles=["office_editor"]
    )
    make_draft(first, title="第一机构草稿")
    make_draft(second, title="第二机构草稿")
    login(first.editor)
    listing = client.get(reverse("console:items")).content.decode()
    assert "第一机构草稿" in listing and "第二机构草稿" not in listing
    response = client.post(reverse("console:switch_organization"), {"organization": second.org.pk})
    assert response.status_code == 302
    listing = client.get(reverse("console:items")).content.decode()
    assert "第二机构草稿" in listing and "第一机构草稿" not in listing


def test_switching_to_an_organisation_i_do_not_belong_to_is_refused(client, login):
    first, other = make_staff(), make_staff()
    login(first.editor)
    client.post(reverse("console:switch_organization"), {"organization": other.org.pk})
    listing = client.get(reverse("console:items"))
    assert other.org.name not in listing.content.decode()


def test_a_member_without_the_right_gets_a_chinese_403_on_the_editor(client, login):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.leader)
    response = client.get(reverse("console:item_edit", args=[item.pk]))
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body
    assert "只有起草人、牵头科室的起草人或办公室编辑可以修改该信息" in body
    login(staff.secrecy)
    response = client.get(reverse("console:item_create"))
    assert response.status_code == 403
    assert "只有起草人或办公室编辑可以新建政府信息" in response.content.decode()
