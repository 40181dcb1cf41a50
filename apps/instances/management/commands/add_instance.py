import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.audit.context import AuditContext
from apps.instances.models import MarketoInstance
from apps.instances.services import instance_create

# The governor's limits, by option. The bounds live in the model fields' validators, which
# instance_create runs (as the instance form does): they are not repeated here.
LIMIT_OPTIONS = {
    "--calls-per-20s": "calls_per_20s",
    "--concurrency": "concurrent_calls",
    "--daily-quota": "daily_quota",
    "--share": "quota_share_percent",
}
# A problem is reported under the option that set the field.
OPTION_FOR_FIELD = {
    "name": "--name",
    "munchkin_id": "--munchkin-id",
    "client_id": "--client-id",
    "rest_url": "--rest-url",
    "identity_url": "--identity-url",
    **{field: option for option, field in LIMIT_OPTIONS.items()},
}


class Command(BaseCommand):
    help = (
        "Register a Marketo instance. The client secret is read from standard input "
        "(never from an argument, where `ps` and shell history would show it)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--munchkin-id", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--rest-url", default="")
        parser.add_argument("--identity-url", default="")
        for option, field_name in LIMIT_OPTIONS.items():
            field = MarketoInstance._meta.get_field(field_name)
            parser.add_argument(
                option,
                dest=field_name,
                type=int,
                metavar="N",
                help=f"{field.help_text} Default: {field.default}.".replace("%", "%%"),  # type: ignore[union-attr]  # not a relation
            )

    def handle(self, *args, name, munchkin_id, client_id, rest_url, identity_url, **options):
        limits = {
            field: options[field] for field in LIMIT_OPTIONS.values() if options[field] is not None
        }
        if sys.stdin.isatty():
            self.stderr.write("Client secret (input hidden): ", ending="")
            secret = getpass.getpass(prompt="")
        else:
            secret = sys.stdin.readline()
        secret = secret.strip()
        if not secret:
            raise CommandError("No client secret on standard input.")
        try:
            instance = instance_create(
                actor=None,
                audit=AuditContext.system(),
                client_secret=secret,
                name=name,
                munchkin_id=munchkin_id.strip().upper(),
                client_id=client_id,
                rest_url=rest_url,
                identity_url=identity_url,
                **limits,
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{OPTION_FOR_FIELD.get(field, field)}: {' '.join(msgs)}"
                for field, msgs in exc.message_dict.items()
            )
            raise CommandError(f"The instance was not added. {problems}") from exc
        self.stdout.write(f"Added {instance.name} (id {instance.pk}).")
