"""RolePermissionBackend: model permissions from membership roles, object permissions per organisation."""

import pytest
from django.contrib.auth.models import AnonymousUser

from gongkai.orgs import backends
from gongkai.orgs.constants import Role
from gongkai.orgs.models import Department, Membership, User
from gongkai.workdays.models import CalendarOverride
from tests.factories import make_staff
from tests.orgs.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """A new instance: the membership cache lives on the instance, as on request.user."""
    return User.objects.get(pk=user.pk)


def test_each_administrator_gets_their_own_permissions_and_nobody_else_any():
    staff = make_staff()
    system, security, audit = fresh(staff.system_admin), fresh(staff.security_admin), fresh(staff.audit_admin)

    assert system.has_perm("orgs.add_department")
    assert system.has_perm("workdays.change_calendaroverride")
    assert not system.has_perm("orgs.change_membership")
    assert not system.has_perm(backends.ASSIGN_ROLE)
    assert not system.has_perm("audit.view_auditevent")

    assert security.has_perm("orgs.change_membership")
    assert security.has_perm(backends.ASSIGN_ROLE)
    assert security.has_perm("axes.delete_accessattempt")
    assert not security.has_perm("orgs.change_organization")
    assert not security.has_perm("workdays.change_calendaroverride")

    assert audit.has_perm("orgs.view_user")
    assert not audit.has_perm("orgs.change_user")
    assert not audit.has_perm("orgs.view_department")

    for name in ("drafter", "head", "secrecy", "editor", "leader", "policy_reviewer"):
        person = fresh(getattr(staff, name))
        assert person.get_all_permissions() == set(), name
        assert not person.has_module_perms("orgs")


def test_object_permissions_follow_the_organisation():
    staff, other = make_staff(), make_staff()
    system = fresh(staff.system_admin)
    assert system.has_perm("orgs.change_department", staff.dept)
    assert not system.has_perm("orgs.change_department", other.dept)
    assert system.has_perm("orgs.change_organization", staff.org)
    assert not system.has_perm("orgs.change_organization", other.org)
    assert system.has_perm("orgs.change_user", staff.drafter)
    assert not system.has_perm("orgs.change_user", other.drafter)
    # Deployment-wide: the calendar, and accounts not placed in any organisation yet.
    assert system.has_perm("workdays.change_calendaroverride", CalendarOverride(pk=1))
    assert system.has_perm("orgs.change_user", UserFactory())


def test_a_role_counts_only_where_it_is_held():
    staff, other = make_staff(), make_staff()
    Membership.objects.create(user=staff.system_admin, organization=other.org, roles=[Role.AUDIT_ADMIN])
    person = fresh(staff.system_admin)
    assert person.has_perm("orgs.view_user", other.drafter)
    assert not person.has_perm("orgs.change_user", other.drafter)
    assert person.has_perm("orgs.change_user", staff.drafter)


def test_scope_queryset_keeps_each_administrator_to_their_organisation():
    staff, other = make_staff(), make_staff()
    system = fresh(staff.system_admin)
    departments = backends.scope_queryset(system, Department.objects.all())
    assert set(departments) == set(Department.objects.filter(organization=staff.org))

    unplaced = UserFactory()
    users = set(backends.scope_queryset(system, User.objects.all()))
    assert staff.drafter in users and unplaced in users
    assert other.drafter not in users

    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert backends.scope_queryset(superuser, Department.objects.all()).count() == Department.objects.count()


def test_inactive_and_anonymous_users_have_no_permissions():
    staff = make_staff()
    system = fresh(staff.system_admin)
    system.is_active = False
    assert not system.has_perm("orgs.add_department")
    assert backends.RolePermissionBackend().get_all_permissions(AnonymousUser()) == set()
    assert backends.scope_queryset(AnonymousUser(), Department.objects.all()).count() == 0


def test_the_backend_never_authenticates():
    staff = make_staff()
    assert backends.RolePermissionBackend().authenticate(None, username=staff.drafter.username) is None


def test_the_backend_never_opens_the_audit_log():
    staff = make_staff()
    for user in (staff.system_admin, staff.security_admin):
        assert not fresh(user).has_perm("audit.view_log")
        assert not fresh(user).has_module_perms("audit")
