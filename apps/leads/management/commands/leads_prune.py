from django.core.management.base import BaseCommand

from apps.leads.services import lead_lookup_prune, retention_days


class Command(BaseCommand):
    help = (
        "Delete lead lookups (and their results, which are personal data) older than "
        "LEAD_LOOKUP_RETENTION_DAYS (default 30)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Override the setting.")

    def handle(self, *args, days=None, **options) -> None:
        days = retention_days() if days is None else days
        count = lead_lookup_prune(days=days)
        self.stdout.write(f"Deleted {count} lead lookup(s) older than {days} days.")
