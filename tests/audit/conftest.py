from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from gongkai.audit import services
from gongkai.audit.hashing import compute_hash
from gongkai.audit.models import AuditEvent


@pytest.fixture(autouse=True)
def _postgres_only(request):
    if request.node.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def drop_triggers() -> None:
    """What a tamperer with database access does first. Rolled back with the test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")
        else:
            # Django's foreign keys are deferred; PostgreSQL refuses ALTER TABLE while checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def raw(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def refused():
    """The statement fails at the database; the savepoint keeps the test's transaction usable."""
    from django.db import IntegrityError

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        yield


def forge(**fields) -> AuditEvent:
    """Insert an event behind the service's back (the head row is not moved), with a valid-looking hash."""
    event = AuditEvent(**fields)
    event.hash = compute_hash(event)
    event._chained = True
    event.save(force_insert=True)
    return event


@pytest.fixture
def chain(db):
    """Five events recorded through the service."""
    return [services.record(action="audit.verified", data={"n": n}) for n in range(1, 6)]
