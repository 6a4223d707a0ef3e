import pytest
import rules

from gongkai.audit import services
from gongkai.audit.models import AuditEvent
from gongkai.audit.selectors import can_read_audit_log, events_for
from gongkai.orgs.constants import Role
from tests.orgs.factories import MembershipFactory, OrganizationFactory, UserFactory

CHANGELIST = "/admin/audit/auditevent/"


def person(*roles, **user_fields):
    return MembershipFactory(user=UserFactory(is_staff=True, **user_fields), roles=list(roles)).user


@pytest.fixture
def client(client, settings):
    # The suite runs with production settings: no HTTPS redirect, no collected static manifest here.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return client


@pytest.fixture
def audit_admin(db):
    return person(Role.AUDIT_ADMIN)


@pytest.fixture
def system_admin(db):
    return person(Role.SYSTEM_ADMIN)


def test_only_the_audit_admin_may_read(audit_admin, system_admin):
    security_admin = person(Role.SECURITY_ADMIN)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    inactive = person(Role.AUDIT_ADMIN, is_active=False)
    from django.contrib.auth.models import AnonymousUser

    assert can_read_audit_log(audit_admin)
    for user in (system_admin, security_admin, superuser, inactive, AnonymousUser()):
        assert not can_read_audit_log(user)

    assert rules.has_perm("audit.view_log", audit_admin)
    assert audit_admin.has_perm("audit.view_log")
    assert not rules.has_perm("audit.view_log", system_admin)
    assert not system_admin.has_perm("audit.view_log")
    assert not rules.has_perm("audit.view_log", superuser)


def test_events_for_one_object(db):
    org, other = OrganizationFactory(), OrganizationFactory()
    first = services.record(action="audit.verified", target=org)
    services.record(action="audit.verified", target=other)
    services.record(action="audit.verified")
    last = services.record(action="audit.verified", target=org)
    assert list(events_for(org)) == [first, last]


def test_audit_admin_sees_the_log_read_only(client, audit_admin):
    event = services.record(action="audit.verified", actor=audit_admin, data={"说明": "测试"})
    client.force_login(audit_admin)

    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "审计日志完整性校验" in response.content.decode()

    response = client.get(f"{CHANGELIST}{event.pk}/change/")
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()

    assert "/admin/audit/" in client.get("/admin/").content.decode()


@pytest.mark.parametrize("who", ["audit_admin", "superuser"])
def test_nobody_can_add_change_or_delete(client, audit_admin, who):
    event = services.record(action="audit.verified")
    user = audit_admin if who == "audit_admin" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}add/", {"action": "audit.verified"}).status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/change/", {"object_repr": "伪造"}).status_code == 403
    assert client.get(f"{CHANGELIST}{event.pk}/delete/").status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get().object_repr == ""


def test_system_admin_and_superuser_cannot_read(client, system_admin):
    event = services.record(action="audit.verified")
    superuser = UserFactory(is_staff=True, is_superuser=True)
    for user in (system_admin, superuser):
        client.force_login(user)
        assert client.get(CHANGELIST).status_code == 403
        assert client.get(f"{CHANGELIST}{event.pk}/change/").status_code == 403
        assert "/admin/audit/" not in client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_an_audit_administrator_reads_only_their_own_organisations_events(client):
    from gongkai.audit import services as audit
    from gongkai.orgs.constants import Role
    from tests.orgs.factories import MembershipFactory, OrganizationFactory, UserFactory

    mine, theirs = OrganizationFactory(), OrganizationFactory()
    auditor = UserFactory(is_staff=True)
    MembershipFactory(user=auditor, organization=mine, roles=[Role.AUDIT_ADMIN])
    audit.record(action="audit.verified", organization=mine, data={"marker": "本机构事件"})
    audit.record(action="audit.verified", organization=theirs, data={"marker": "他机构事件"})
    client.force_login(auditor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/admin/audit/auditevent/").content.decode()
    assert page.count(f">{mine.name}<") >= 1 or mine.name in page
    assert theirs.name not in page
