"""Database triggers that make ``audit_auditevent`` append-only beneath the ORM.

Migration 0002 installs them (its SQL is frozen there); this module holds the same SQL for checking that
they are present and for ``flush``, which must empty the log (test teardown, development resets).

Note for future migrations: on SQLite, altering ``audit_auditevent`` rebuilds the table and drops its
triggers, so such a migration must re-install them (``install(schema_editor.connection)``).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction

TABLE = "audit_auditevent"
MESSAGE = "audit log is append-only"

SQLITE_TRIGGERS = ("audit_auditevent_no_update", "audit_auditevent_no_delete")
SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name};" for name in SQLITE_TRIGGERS]

PG_FUNCTION = "audit_auditevent_append_only"
PG_TRIGGERS = ("audit_auditevent_no_update_delete", "audit_auditevent_no_truncate")
PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END;
    $$;
    """,
    f"DROP TRIGGER IF EXISTS audit_auditevent_no_update_delete ON {TABLE};",
    f"CREATE TRIGGER audit_auditevent_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}();",
    f"DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON {TABLE};",
    f"CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON {TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}();",
]
PG_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_auditevent_no_update_delete ON {TABLE};",
    f"DROP FUNCTION IF EXISTS {PG_FUNCTION}();",
]


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection) -> None:
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_INSTALL)
    elif connection.vendor == "postgresql":
        _run(connection, PG_INSTALL)


def uninstall(connection) -> None:
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_UNINSTALL)
    elif connection.vendor == "postgresql":
        _run(connection, PG_UNINSTALL)


def installed(connection) -> bool | None:
    """True when all triggers are present and enabled; None on vendors without triggers here."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s)",
                [TABLE, *SQLITE_TRIGGERS],
            )
            return cursor.fetchone()[0] == len(SQLITE_TRIGGERS)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname IN (%s, %s) "
                "AND tgenabled <> 'D'",
                [TABLE, *PG_TRIGGERS],
            )
            return cursor.fetchone()[0] == len(PG_TRIGGERS)
    return None


@contextmanager
def suspended(connection):
    """Lift the protection inside one transaction (other sessions never see it lifted)."""
    with transaction.atomic(using=connection.alias):
        uninstall(connection)
        yield
        install(connection)
