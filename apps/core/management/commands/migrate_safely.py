"""`migrate` that several containers may start at once: on PostgreSQL, one runs it while
the others wait for it, then find nothing left to do."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

# Any fixed number; it names this lock among the database's advisory locks.
MIGRATION_LOCK_ID = 7_346_001


class Command(BaseCommand):
    help = "Apply migrations, serialised across processes with a PostgreSQL advisory lock."

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            call_command("migrate", interactive=False)
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_ID])
            try:
                call_command("migrate", interactive=False)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_ID])
