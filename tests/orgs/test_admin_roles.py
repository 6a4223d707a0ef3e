"""三员分立 in the admin: which administrator reaches which page, and what each may change."""

from datetime import date

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from gongkai.api import tokens
from gongkai.audit.models import AuditEvent
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Department, Membership, Organization, User
from gongkai.publishing.models import ReviewStep, Topic
from gongkai.workdays import services as calendar_services
from gongkai.workdays.models import CalendarOverride, PublishedYear
from tests.factories import PASSWORD, make_draft, make_staff
from tests.orgs.conftest import admin_form_data
from tests.orgs.factories import UserFactory

# The organisations' review chains made by the factories (publishing.services.ensure_default_chain).
SETUP_ACTIONS = ("publishing.chain.created",)

# page name -> URL (a callable takes the Staff of the administrator's own organisation)
PAGES = {
    "index": "/admin/",
    "organization_list": "/admin/orgs/organization/",
    "organization_add": "/admin/orgs/organization/add/",
    "organization_change": lambda s: f"/admin/orgs/organization/{s.org.pk}/change/",
    "department_list": "/admin/orgs/department/",
    "department_add": "/admin/orgs/department/add/",
    "department_change": lambda s: f"/admin/orgs/department/{s.dept.pk}/change/",
    "user_list": "/admin/orgs/user/",
    "user_add": "/admin/orgs/user/add/",
    "user_change": lambda s: f"/admin/orgs/user/{s.drafter.pk}/change/",
    "user_password": lambda s: f"/admin/orgs/user/{s.drafter.pk}/password/",
    "membership_list": "/admin/orgs/membership/",
    "membership_add": "/admin/orgs/membership/add/",
    "membership_change": lambda s: f"/admin/orgs/membership/{s.drafter.memberships.get().pk}/change/",
    "reviewstep_list": "/admin/publishing/reviewstep/",
    "reviewstep_add": "/admin/publishing/reviewstep/add/",
    "reviewstep_change": lambda s: f"/admin/publishing/reviewstep/{s.org.review_steps.first().pk}/change/",
    "topic_list": "/admin/publishing/topic/",
    "topic_add": "/admin/publishing/topic/add/",
    "catalogue_list": "/admin/catalogue/catalogueentry/",
    "catalogue_add": "/admin/catalogue/catalogueentry/add/",
    "catalogue_change": lambda s: f"/admin/catalogue/catalogueentry/{s.entry.pk}/change/",
    "override_list": "/admin/workdays/calendaroverride/",
    "override_add": "/admin/workdays/calendaroverride/add/",
    "year_list": "/admin/workdays/publishedyear/",
    "year_add": "/admin/workdays/publishedyear/add/",
    "token_list": "/admin/api/apitoken/",
    "lockout_list": "/admin/axes/accessattempt/",
    "failure_list": "/admin/axes/accessfailurelog/",
    "login_log_list": "/admin/axes/accesslog/",
    "audit_log": "/admin/audit/auditevent/",
    "item_list": "/admin/publishing/informationitem/",
    "approval_form_list": "/admin/publishing/approvalform/",
    "group_list": "/admin/auth/group/",
}

ALLOWED = {
    "system_admin": {
        "index",
        "organization_list",
        "organization_change",
        "department_list",
        "department_add",
        "department_change",
        "user_list",
        "user_add",
        "user_change",
        "user_password",
        "membership_list",
        "membership_add",
        "membership_change",  # view only: roles are not theirs
        "reviewstep_list",
        "reviewstep_add",
        "reviewstep_change",
        "topic_list",
        "topic_add",
        "catalogue_list",
        "catalogue_add",
        "catalogue_change",
        "override_list",
        "override_add",
        "year_list",
        "year_add",
        "token_list",
    },
    "security_admin": {
        "index",
        "user_list",
        "user_change",
        "membership_list",
        "membership_add",
        "membership_change",
        "token_list",
        "lockout_list",
        "failure_list",
    },
    "audit_admin": {"index", "user_list", "user_change", "membership_list", "membership_change", "audit_log"},
    "head": {"index"},  # staff flag without an administrator role: the admin shows nothing
}
NOT_FOUND_PAGES = {"group_list"}  # Django groups are not used: permissions come from roles


def url_of(name, staff):
    page = PAGES[name]
    return page(staff) if callable(page) else page


def expected_status(role, page) -> int:
    if page in NOT_FOUND_PAGES:
        return 404
    if role == "superuser":
        # Everything but the audit log: a superuser flag does not bypass the separation there.
        return 403 if page == "audit_log" else 200
    return 200 if page in ALLOWED[role] else 403


@pytest.mark.parametrize("role", [*sorted(ALLOWED), "superuser"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_role_page_matrix(client, login, staff, role, page):
    if role == "superuser":
        user = UserFactory(is_staff=True, is_superuser=True)
    else:
        user = getattr(staff, role)
        User.objects.filter(pk=user.pk).update(is_staff=True)  # the head: staff flag, no admin role
    login(user)
    assert client.get(url_of(page, staff)).status_code == expected_status(role, page)


@pytest.mark.parametrize("role", ["drafter", "editor", "leader", "policy_reviewer"])
def test_people_without_an_administrator_role_cannot_log_into_the_admin(client, login, staff, role):
    login(getattr(staff, role))
    response = client.get("/admin/orgs/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("system_admin", "membership_change"),
        ("audit_admin", "membership_change"),
        ("audit_admin", "user_change"),
    ],
)
def test_view_only_pages_have_no_save_button(client, login, staff, role, page):
    login(getattr(staff, role))
    response = client.get(url_of(page, staff))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_the_admin_index_lists_only_what_the_role_may_use(client, login, staff):
    login(staff.security_admin)
    html = client.get("/admin/").content.decode()
    assert "/admin/orgs/membership/" in html
    assert "/admin/axes/accessattempt/" in html
    assert "/admin/orgs/organization/" not in html
    assert "/admin/workdays/" not in html
    assert "/admin/audit/" not in html

    login(staff.system_admin)
    html = client.get("/admin/").content.decode()
    assert "/admin/orgs/organization/" in html
    assert "/admin/workdays/calendaroverride/" in html
    assert "/admin/axes/" not in html
    assert "/admin/audit/" not in html


# --- system administrator ---------------------------------------------------------------------------


def test_system_admin_adds_a_department_and_it_is_audited(client, login, staff):
    login(staff.system_admin)
    response = client.post(
        "/admin/orgs/department/add/",
        {
            "organization": staff.org.pk,
            "code": "whc",
            "name": "文化遗产科",
            "kind": "business",
            "ordering": 9,
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    department = Department.objects.get(organization=staff.org, code="whc")
    event = AuditEvent.objects.get(action="admin.added", object_type="orgs.department")
    assert event.object_id == str(department.pk)
    assert event.actor == staff.system_admin
    assert event.organization_id == staff.org.pk
    assert event.ip_address == "10.1.2.3"
    assert {"code", "name", "organization"} <= set(event.data["fields"])
    assert event.data["changes"]["name"] == [None, "文化遗产科"]


def test_system_admin_cannot_add_a_department_to_another_organisation(client, login, staff):
    other = make_staff()
    login(staff.system_admin)
    response = client.post(
        "/admin/orgs/department/add/",
        {"organization": other.org.pk, "code": "x1", "name": "越权科", "kind": "business", "ordering": 0},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Department.objects.filter(code="x1").exists()
    assert not AuditEvent.objects.filter(action="admin.added").exists()


def test_system_admin_changes_the_organisation_through_its_department_inline(client, login, staff):
    login(staff.system_admin)
    url = url_of("organization_change", staff)
    data = admin_form_data(client.get(url))
    data["short_name"] = "市文旅局"
    prefix = "departments"
    index = next(i for i in range(20) if data.get(f"{prefix}-{i}-id") == str(staff.dept.pk))
    data[f"{prefix}-{index}-name"] = "艺术与非遗科"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    staff.dept.refresh_from_db()
    assert staff.dept.name == "艺术与非遗科"
    org_event = AuditEvent.objects.get(action="admin.changed", object_type="orgs.organization")
    assert org_event.data["fields"] == ["short_name"]
    dept_event = AuditEvent.objects.get(action="admin.changed", object_type="orgs.department")
    assert dept_event.object_id == str(staff.dept.pk)
    assert dept_event.data["changes"] == {"name": ["艺术科", "艺术与非遗科"]}
    assert dept_event.data["parent_type"] == "orgs.organization"


def test_system_admin_cannot_create_an_organisation(client, login, staff):
    login(staff.system_admin)
    response = client.post("/admin/orgs/organization/add/", {"code": "new", "name": "新机构"})
    assert response.status_code == 403
    assert not Organization.objects.filter(code="new").exists()


def test_system_admin_creates_an_account_and_places_it_without_roles(client, login, staff):
    login(staff.system_admin)
    response = client.post(
        "/admin/orgs/user/add/",
        {
            "username": "newcomer",
            "full_name": "新同事",
            "email": "",
            "usable_password": "true",
            "password1": "Gongkai-new-2026!",
            "password2": "Gongkai-new-2026!",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-organization": staff.org.pk,
            "memberships-0-department": staff.dept.pk,
            "memberships-0-roles": [Role.SECURITY_ADMIN],  # not theirs to give: ignored
            "memberships-0-can_fast_track": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newcomer")
    membership = user.memberships.get()
    assert membership.organization == staff.org
    assert membership.roles == []
    assert membership.can_fast_track is False
    assert not user.is_staff
    added = AuditEvent.objects.filter(action="admin.added")
    assert {e.object_type for e in added} == {"orgs.user", "orgs.membership"}
    user_event = added.get(object_type="orgs.user")
    assert "password1" in user_event.data["fields"]
    assert "password1" not in user_event.data["changes"]  # secrets stay out of the log
    assert "Gongkai-new-2026!" not in str(user_event.data)


def test_system_admin_cannot_change_roles(client, login, staff):
    membership = staff.drafter.memberships.get()
    login(staff.system_admin)
    response = client.post(
        url_of("membership_change", staff),
        {"department": staff.dept.pk, "roles": [Role.DRAFTER, Role.LEADER]},
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.roles == [Role.DRAFTER]


def test_system_admin_sets_a_password_but_not_an_administrators(client, login, staff):
    login(staff.system_admin)
    response = client.post(
        url_of("user_password", staff),
        {"usable_password": "true", "password1": "Gongkai-reset-2026!", "password2": "Gongkai-reset-2026!"},
    )
    assert response.status_code == 302
    staff.drafter.refresh_from_db()
    assert staff.drafter.check_password("Gongkai-reset-2026!")
    event = AuditEvent.objects.get(action="orgs.user.password_changed")
    assert event.object_id == str(staff.drafter.pk)
    assert event.organization_id == staff.org.pk

    # The audit administrator's password would open the audit log to the system administrator.
    assert client.get(f"/admin/orgs/user/{staff.audit_admin.pk}/password/").status_code == 403
    assert client.get(f"/admin/orgs/user/{staff.audit_admin.pk}/change/").status_code == 200  # view only


def test_system_admin_cannot_edit_activation_or_privilege_flags(client, login, staff):
    login(staff.system_admin)
    url = url_of("user_change", staff)
    response = client.get(url)
    form = response.context["adminform"].form
    assert {"username", "full_name", "email"} <= set(form.fields)
    assert not {"is_active", "is_staff", "is_superuser", "groups", "user_permissions"} & set(form.fields)

    data = admin_form_data(response)
    data.update({"full_name": "改名", "is_active": "", "is_superuser": "on"})
    assert client.post(url, data).status_code == 302
    staff.drafter.refresh_from_db()
    assert staff.drafter.full_name == "改名"
    assert staff.drafter.is_active
    assert not staff.drafter.is_superuser


# --- security administrator -------------------------------------------------------------------------


def test_security_admin_grants_a_role_to_someone_else(client, login, staff):
    membership = staff.drafter.memberships.get()
    login(staff.security_admin)
    url = url_of("membership_change", staff)
    data = admin_form_data(client.get(url))
    data["roles"] = [Role.DRAFTER, Role.DEPARTMENT_HEAD]
    response = client.post(url, data, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302, response.content.decode()[:3000]
    membership.refresh_from_db()
    assert membership.roles == [Role.DRAFTER, Role.DEPARTMENT_HEAD]
    event = AuditEvent.objects.get(action="admin.changed", object_type="orgs.membership")
    assert event.actor == staff.security_admin
    assert event.ip_address == "10.9.8.7"
    assert event.data["fields"] == ["roles"]
    assert event.data["changes"]["roles"] == [[Role.DRAFTER], [Role.DRAFTER, Role.DEPARTMENT_HEAD]]


def test_security_admin_gets_403_on_their_own_membership(client, login, staff):
    own = staff.security_admin.memberships.get()
    login(staff.security_admin)
    url = f"/admin/orgs/membership/{own.pk}/change/"
    assert client.get(url).status_code == 200  # may look, read only
    assert 'name="_save"' not in client.get(url).content.decode()
    response = client.post(
        url, {"department": staff.office.pk, "roles": [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]}
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.roles == [Role.SECURITY_ADMIN]
    assert not AuditEvent.objects.filter(action="admin.changed").exists()


def test_nobody_adds_a_membership_for_themselves(client, login, staff):
    other_org = make_staff().org
    superuser = UserFactory(is_staff=True, is_superuser=True)
    login(superuser)
    response = client.post(
        "/admin/orgs/membership/add/",
        {"user": superuser.pk, "organization": other_org.pk, "roles": [Role.AUDIT_ADMIN]},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors  # oneself is not among the choices
    assert not Membership.objects.filter(user=superuser).exists()


def test_even_a_superuser_cannot_change_their_own_membership(client, login, staff):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    own = Membership.objects.create(user=superuser, organization=staff.org, roles=[Role.SYSTEM_ADMIN])
    login(superuser)
    url = f"/admin/orgs/membership/{own.pk}/change/"
    response = client.post(
        url, {"user": superuser.pk, "organization": staff.org.pk, "roles": [Role.AUDIT_ADMIN]}
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.roles == [Role.SYSTEM_ADMIN]


def test_security_admin_cannot_change_the_organisation(client, login, staff):
    login(staff.security_admin)
    url = url_of("organization_change", staff)
    assert client.get(url).status_code == 403
    assert client.post(url, {"code": staff.org.code, "name": "改名"}).status_code == 403
    staff.org.refresh_from_db()
    assert staff.org.name != "改名"


def test_security_admin_deactivates_an_account_and_edits_nothing_else(client, login, staff):
    login(staff.security_admin)
    url = url_of("user_change", staff)
    response = client.get(url)
    form = response.context["adminform"].form
    assert {name for name, field in form.fields.items() if not field.disabled} == {"is_active"}
    html = response.content.decode()
    assert "../password/" not in html
    assert "md5$" not in html

    data = admin_form_data(response)
    data.pop("is_active", None)
    data["full_name"] = "篡改"
    assert client.post(url, data).status_code == 302
    staff.drafter.refresh_from_db()
    assert not staff.drafter.is_active
    assert staff.drafter.full_name != "篡改"
    event = AuditEvent.objects.get(action="admin.changed", object_type="orgs.user")
    assert event.data["changes"] == {"is_active": [True, False]}

    assert client.get(url_of("user_password", staff)).status_code == 403


def test_security_admin_cannot_touch_another_administrators_account(client, login, staff):
    login(staff.security_admin)
    url = f"/admin/orgs/user/{staff.audit_admin.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"is_active": ""}).status_code == 403
    staff.audit_admin.refresh_from_db()
    assert staff.audit_admin.is_active


def test_an_inline_membership_change_through_the_user_admin_is_audited(client, login, staff):
    login(staff.security_admin)
    url = url_of("user_change", staff)
    data = admin_form_data(client.get(url))
    data["memberships-0-roles"] = [Role.DRAFTER, Role.AUDIT_ADMIN]
    data["memberships-0-department"] = str(staff.other_dept.pk)
    response = client.post(url, data, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302, response.content.decode()[:3000]

    membership = staff.drafter.memberships.get()
    assert membership.roles == [Role.DRAFTER, Role.AUDIT_ADMIN]
    assert membership.department == staff.other_dept
    event = AuditEvent.objects.get(action="admin.changed", object_type="orgs.membership")
    assert event.object_id == str(membership.pk)
    assert event.data["fields"] == ["department", "roles"]
    assert event.data["changes"]["department"] == [staff.dept.pk, staff.other_dept.pk]
    assert event.data["parent_type"] == "orgs.user"
    assert event.data["parent_id"] == str(staff.drafter.pk)
    assert event.ip_address == "192.0.2.10"
    assert event.organization_id == staff.org.pk

    # An administrator role opens the admin to the account, and that is recorded too.
    staff.drafter.refresh_from_db()
    assert staff.drafter.is_staff
    synced = AuditEvent.objects.get(action="orgs.user.staff_synced")
    assert synced.data["changes"] == {"is_staff": [False, True]}


def test_removing_the_last_administrator_role_closes_the_admin(client, login, staff):
    target = staff.audit_admin.memberships.get()
    login(staff.security_admin)
    url = f"/admin/orgs/membership/{target.pk}/change/"
    data = admin_form_data(client.get(url))
    data["roles"] = [Role.LEADER]
    assert client.post(url, data).status_code == 302
    staff.audit_admin.refresh_from_db()
    assert not staff.audit_admin.is_staff


def test_security_admin_grants_a_role_to_an_unplaced_account_but_not_to_themselves(client, login, staff):
    newcomer = UserFactory()
    login(staff.security_admin)
    form = client.get("/admin/orgs/membership/add/").context["adminform"].form
    choices = set(form.fields["user"].queryset)
    assert newcomer in choices
    assert staff.drafter in choices
    assert staff.security_admin not in choices
    assert set(form.fields["organization"].queryset) == {staff.org}

    response = client.post(
        "/admin/orgs/membership/add/",
        {
            "user": newcomer.pk,
            "organization": staff.org.pk,
            "department": staff.dept.pk,
            "roles": [Role.DRAFTER],
        },
    )
    assert response.status_code == 302
    assert newcomer.memberships.get().roles == [Role.DRAFTER]


def test_membership_department_must_belong_to_the_organisation(client, login, staff):
    other = make_staff()
    newcomer = UserFactory()
    login(staff.security_admin)
    response = client.post(
        "/admin/orgs/membership/add/",
        {"user": newcomer.pk, "organization": staff.org.pk, "department": other.dept.pk, "roles": []},
    )
    assert response.status_code == 200
    assert not newcomer.memberships.exists()


def test_security_admin_unlocks_an_account_by_deleting_its_lockout(client, login, staff):
    other = make_staff()
    mine = AccessAttempt.objects.create(
        username=staff.drafter.username, ip_address="10.0.0.1", user_agent="ua", failures_since_start=5
    )
    theirs = AccessAttempt.objects.create(
        username=other.drafter.username, ip_address="10.0.0.1", user_agent="ua", failures_since_start=5
    )
    login(staff.security_admin)
    listing = client.get("/admin/axes/accessattempt/").content.decode()
    assert f"/admin/axes/accessattempt/{mine.pk}/change/" in listing
    assert f"/admin/axes/accessattempt/{theirs.pk}/change/" not in listing

    url = f"/admin/axes/accessattempt/{mine.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(pk=mine.pk).exists()
    event = AuditEvent.objects.get(action="admin.deleted", object_type="axes.accessattempt")
    assert event.organization_id == staff.org.pk

    assert client.post(f"/admin/axes/accessattempt/{theirs.pk}/delete/", {"post": "yes"}).status_code == 302
    assert AccessAttempt.objects.filter(pk=theirs.pk).exists()  # not theirs to see: "does not exist"


def test_security_admin_revokes_an_api_token(client, login, staff):
    token, _raw = tokens.issue(user=staff.drafter, name="OA")
    url = f"/admin/api/apitoken/{token.pk}/change/"

    login(staff.system_admin)
    assert client.get(url).status_code == 200
    assert client.post(url, {"revoke": "on"}).status_code == 403

    login(staff.security_admin)
    response = client.post(url, {"revoke": "on"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="auth.token_revoked")
    assert event.actor == staff.security_admin
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()
    # Revocation is final.
    assert client.post(url, {"revoke": ""}).status_code == 403


# --- audit administrator ----------------------------------------------------------------------------


def test_audit_admin_can_view_users_but_not_change(client, login, staff):
    login(staff.audit_admin)
    url = url_of("user_change", staff)
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert "md5$" not in response.content.decode()  # no password hash on a read-only page
    assert client.post(url, {"full_name": "改名", "is_active": ""}).status_code == 403
    staff.drafter.refresh_from_db()
    assert staff.drafter.is_active
    membership = staff.drafter.memberships.get()
    assert client.post(f"/admin/orgs/membership/{membership.pk}/change/", {"roles": []}).status_code == 403
    assert client.get(url_of("user_password", staff)).status_code == 403


# --- scope by organisation --------------------------------------------------------------------------


def test_an_administrator_of_one_organisation_does_not_see_anothers_rows(client, login, staff):
    other = make_staff()
    login(staff.system_admin)
    response = client.get(f"/admin/orgs/department/{other.dept.pk}/change/")
    assert response.status_code == 302  # Django's "does not exist" redirect: not a row of theirs
    assert client.get(response["Location"]).status_code == 200

    listing = client.get("/admin/orgs/department/").content.decode()
    assert f"/admin/orgs/department/{staff.dept.pk}/change/" in listing
    assert f"/admin/orgs/department/{other.dept.pk}/change/" not in listing
    for url in (
        f"/admin/orgs/organization/{other.org.pk}/change/",
        f"/admin/orgs/user/{other.drafter.pk}/change/",
        f"/admin/orgs/membership/{other.drafter.memberships.get().pk}/change/",
        f"/admin/publishing/reviewstep/{other.org.review_steps.first().pk}/change/",
        f"/admin/publishing/topic/{other.topic.pk}/change/",
        f"/admin/catalogue/catalogueentry/{other.entry.pk}/change/",
    ):
        assert client.get(url).status_code == 302, url
    response = client.post(f"/admin/orgs/department/{other.dept.pk}/change/", {"name": "越权"})
    other.dept.refresh_from_db()
    assert other.dept.name != "越权"

    users = client.get("/admin/orgs/user/").content.decode()
    assert staff.drafter.username in users
    assert other.drafter.username not in users

    login(staff.security_admin)
    memberships = client.get("/admin/orgs/membership/").content.decode()
    assert f"/admin/orgs/membership/{staff.drafter.memberships.get().pk}/change/" in memberships
    assert f"/admin/orgs/membership/{other.drafter.memberships.get().pk}/change/" not in memberships


def test_a_person_in_two_organisations_is_administered_only_in_ones_own(client, login, staff):
    other = make_staff()
    Membership.objects.create(
        user=staff.drafter, organization=other.org, department=other.dept, roles=["drafter"]
    )
    login(staff.security_admin)
    response = client.get(url_of("user_change", staff))
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert [f.instance.organization for f in forms] == [staff.org]


def test_calendar_is_changed_only_by_system_administrators(client, login, staff):
    login(staff.security_admin)
    assert client.post("/admin/workdays/calendaroverride/add/", {"date": "2027-01-04"}).status_code == 403

    other = make_staff()
    login(other.system_admin)  # of any organisation: the calendar is deployment-wide
    response = client.post(
        "/admin/workdays/calendaroverride/add/", {"date": "2027-01-04", "note": "2027年元旦调休"}
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert override.is_workday is False
    assert override.updated_by == other.system_admin
    events = AuditEvent.objects.exclude(action__in=SETUP_ACTIONS)
    assert [e.action for e in events] == ["workdays.override.set"]  # one event, not two

    response = client.post(f"/admin/workdays/calendaroverride/{override.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert [e.action for e in AuditEvent.objects.exclude(action__in=SETUP_ACTIONS).order_by("seq")] == [
        "workdays.override.set",
        "workdays.override.deleted",
    ]


def test_published_year_note_changes_through_the_admin_once(client, login, staff):
    login(staff.system_admin)
    response = client.post(
        "/admin/workdays/publishedyear/add/", {"year": 2027, "note": "国办发明电〔2026〕1号"}
    )
    assert response.status_code == 302
    year = PublishedYear.objects.get()
    url = f"/admin/workdays/publishedyear/{year.pk}/change/"
    assert client.post(url, {"note": "更正文号"}).status_code == 302
    year.refresh_from_db()
    assert year.year == 2027 and year.note == "更正文号"
    assert [e.action for e in AuditEvent.objects.exclude(action__in=SETUP_ACTIONS).order_by("seq")] == [
        "workdays.year.published",
        "workdays.year.published",
    ]


# --- items stay read-only, the audit chain stays intact ---------------------------------------------


def test_items_are_read_only_even_for_a_superuser(client, login, staff):
    item = make_draft(staff)
    login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/publishing/informationitem/{item.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "published"}).status_code == 403
    assert (
        client.post(f"/admin/publishing/informationitem/{item.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/publishing/informationitem/add/").status_code == 403


def test_verify_audit_passes_after_admin_work(client, login, staff, capsys):
    login(staff.system_admin)
    client.post(
        "/admin/publishing/topic/add/",
        {"organization": staff.org.pk, "code": "wh", "name": "文化", "ordering": 1},
    )
    client.post("/admin/workdays/calendaroverride/add/", {"date": "2027-02-06", "is_workday": "on"})
    login(staff.security_admin)
    url = url_of("user_change", staff)
    data = admin_form_data(client.get(url))
    data["memberships-0-roles"] = [Role.DRAFTER, Role.DEPARTMENT_HEAD]
    client.post(url, data)
    assert Topic.objects.filter(code="wh").exists()
    assert AuditEvent.objects.count() >= 3
    call_command("verify_audit")
    assert "哈希链校验通过" in capsys.readouterr().out


def test_review_steps_of_the_default_chain_are_editable_by_the_system_admin(client, login, staff):
    step = staff.org.review_steps.first()
    login(staff.system_admin)
    url = f"/admin/publishing/reviewstep/{step.pk}/change/"
    data = admin_form_data(client.get(url))
    data["name"] = "科室审核(改)"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ReviewStep.objects.get(pk=step.pk).name == "科室审核(改)"


def test_one_person_holds_at_most_one_of_the_three_administrator_roles(client, login, staff):
    login(staff.security_admin)
    target = staff.system_admin.memberships.get()
    url = f"/admin/orgs/membership/{target.pk}/change/"
    data = admin_form_data(client.get(url))
    data["roles"] = [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "三员分立" in str(response.context["adminform"].form.errors["roles"])
    target.refresh_from_db()
    assert target.roles == [Role.SYSTEM_ADMIN]

    # Nor across organisations.
    other = make_staff()
    mine = staff.drafter.memberships.get()
    Membership.objects.create(user=staff.drafter, organization=other.org, roles=[Role.SYSTEM_ADMIN])
    url = f"/admin/orgs/membership/{mine.pk}/change/"
    data = admin_form_data(client.get(url))
    data["roles"] = [Role.AUDIT_ADMIN]
    assert client.post(url, data).status_code == 200
    assert staff.drafter.memberships.get(organization=staff.org).roles == [Role.DRAFTER]
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


def test_the_separation_holds_across_the_rows_of_a_new_account(client, login, staff):
    other = make_staff()
    login(UserFactory(is_staff=True, is_superuser=True))
    row = {"department": "", "can_fast_track": ""}
    response = client.post(
        "/admin/orgs/user/add/",
        {
            "username": "twohats",
            "usable_password": "false",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-organization": staff.org.pk,
            "memberships-0-roles": [Role.SYSTEM_ADMIN],
            "memberships-1-organization": other.org.pk,
            "memberships-1-roles": [Role.AUDIT_ADMIN],
            **{f"memberships-{i}-{k}": v for i in (0, 1) for k, v in row.items()},
        },
    )
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert not User.objects.filter(username="twohats").exists()


def test_superuser_accounts_are_not_offered_to_role_administrators(client, login, staff):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    login(staff.security_admin)
    form = client.get("/admin/orgs/membership/add/").context["adminform"].form
    assert superuser not in set(form.fields["user"].queryset)
    assert client.get(f"/admin/orgs/user/{superuser.pk}/change/").status_code == 200  # unplaced: visible
    assert client.post(f"/admin/orgs/user/{superuser.pk}/change/", {"is_active": ""}).status_code == 403


def test_deleting_several_overrides_at_once_records_one_event_each(client, login, staff):
    first = calendar_services.set_override(date(2027, 1, 4), is_workday=False)
    second = calendar_services.set_override(date(2027, 1, 9), is_workday=True)
    login(staff.system_admin)
    response = client.post(
        "/admin/workdays/calendaroverride/",
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    deleted = AuditEvent.objects.filter(action="workdays.override.deleted")
    assert sorted(e.object_id for e in deleted) == sorted([str(first.pk), str(second.pk)])
    assert not AuditEvent.objects.filter(action__startswith="admin.").exists()


def test_saving_an_unchanged_form_records_nothing(client, login, staff):
    login(staff.system_admin)
    url = url_of("department_change", staff)
    assert client.post(url, admin_form_data(client.get(url))).status_code == 302
    assert not AuditEvent.objects.exclude(action__in=SETUP_ACTIONS).exists()


def test_administrators_log_in_through_the_admin_login_form(client, staff):
    """The admin's login page sends administrators to the console login: password, then the code (2FA is
    required for the three administrators); they land in the admin and see only their own part."""
    from gongkai.orgs import totp

    secret = totp.generate_secret()
    assert totp.enrol(staff.security_admin, secret=secret, code=totp.code_at(secret, totp.step_at() - 1))
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    response = client.post(
        "/console/login/",
        {"username": staff.security_admin.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/console/login/code/")
    response = client.post(
        "/console/login/code/", {"code": totp.code_at(secret, totp.step_at()), "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    html = client.get("/admin/").content.decode()
    assert "/admin/orgs/membership/" in html
    assert "/admin/orgs/organization/" not in html


@pytest.mark.django_db
def test_the_system_administrator_edits_the_guide_and_rules_pages_of_their_organisation(client):
    from tests.factories import make_staff

    staff = make_staff()
    client.force_login(staff.system_admin, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/portal/portalpage/").status_code == 200
    assert client.get("/admin/portal/portalpage/add/").status_code == 200
    client.force_login(staff.audit_admin, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/portal/portalpage/add/").status_code == 403
