from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import api_token_create
from apps.audit.context import AuditContext


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print its key (shown only once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="created from the command line")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _token, key = api_token_create(user=user, name=name, audit=AuditContext.system())
        self.stdout.write(key)
