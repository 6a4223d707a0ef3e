"""Django's ``flush``, able to empty the append-only audit log.

``flush`` erases every table (test teardown of transactional tests, development resets). The audit
table's triggers would refuse that, so they are lifted and re-installed inside the flush transaction;
no other session ever sees the table unprotected. Nothing else changes.
"""

from django.core.management.commands import flush
from django.db import connections

from gongkai.audit import triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        original = connection.ops.execute_sql_flush

        def execute_sql_flush(sql_list):
            with triggers.suspended(connection):
                original(sql_list)

        connection.ops.execute_sql_flush = execute_sql_flush
        try:
            return super().handle(**options)
        finally:
            del connection.ops.execute_sql_flush
