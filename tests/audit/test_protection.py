import pytest
from django.db import connection, models
from django.db.models.deletion import ProtectedError

from gongkai.audit import triggers
from gongkai.audit.exceptions import AppendOnlyError
from gongkai.audit.models import AuditChainHead, AuditEvent

from .conftest import raw, refused


def test_triggers_are_installed(db):
    assert triggers.installed(connection) is True


def test_orm_refuses_changes(chain):
    event = AuditEvent.objects.get(seq=2)
    event.object_repr = "伪造"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(object_repr="伪造")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=2).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["object_repr"])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(seq=99)])
    with pytest.raises(AppendOnlyError):
        AuditEvent(seq=99, action="audit.verified").save()  # only services.record() writes
    with pytest.raises(AppendOnlyError):
        AuditChainHead.objects.get().delete()


def test_database_refuses_updates_and_deletes(chain):
    with refused():
        raw("UPDATE audit_auditevent SET object_repr = 'x' WHERE seq = 2")
    with refused():
        raw("DELETE FROM audit_auditevent WHERE seq = 5")
    with refused():
        raw("DELETE FROM audit_auditevent")
    with refused():  # the ORM's own UPDATE, past the queryset guard
        models.QuerySet.update(AuditEvent.objects.all(), object_repr="x")
    with refused():
        models.QuerySet._raw_delete(AuditEvent.objects.all(), "default")
    assert AuditEvent.objects.filter(object_repr="x").count() == 0
    assert AuditEvent.objects.count() == 5


@pytest.mark.postgres_only
def test_postgres_refuses_truncate(chain):
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE fails on the pending foreign key checks first
    with refused():
        raw("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 5


def test_actor_cannot_be_deleted(db):
    from gongkai.audit import services
    from tests.orgs.factories import UserFactory

    user = UserFactory()
    services.record(action="audit.verified", actor=user)
    with pytest.raises(ProtectedError):
        user.delete()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_restores_the_protection():
    from django.core.management import call_command

    from gongkai.audit import services

    services.record(action="audit.verified")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert triggers.installed(connection) is True
    assert services.record(action="audit.verified").seq == 1
