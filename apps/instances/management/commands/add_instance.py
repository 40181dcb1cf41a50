import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.instances.services import instance_create


class Command(BaseCommand):
    help = (
        "Register a Marketo instance. The client secret is read from standard input "
        "(never from an argument, where `ps` and shell history would show it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--munchkin-id", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--rest-url", default="")
        parser.add_argument("--identity-url", default="")

    def handle(self, *args, name, munchkin_id, client_id, rest_url, identity_url, **options):
        if sys.stdin.isatty():
            self.stderr.write("Client secret (input hidden): ", ending="")
            import getpass

            secret = getpass.getpass(prompt="")
        else:
            secret = sys.stdin.readline()
        secret = secret.strip()
        if not secret:
            raise CommandError("No client secret on standard input.")
        try:
            instance = instance_create(
                actor=None,
                client_secret=secret,
                name=name,
                munchkin_id=munchkin_id.strip().upper(),
                client_id=client_id,
                rest_url=rest_url,
                identity_url=identity_url,
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
            )
            raise CommandError(f"The instance was not added. {problems}") from exc
        self.stdout.write(f"Added {instance.name} (id {instance.pk}).")
