from django.core.management.base import BaseCommand

from apps.instances import vault
from apps.instances.rotation import credentials_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (Marketo's client secrets, the alert channels' "
        "webhook addresses and signing secrets) with the first key in CREDENTIALS_KEYS. "
        "Safe to interrupt and run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=100)

    def handle(self, *args, batch_size, **options) -> None:
        self.stdout.write(f"Re-encrypting with key {vault.current_key_id()}…")
        report = credentials_rotate(batch_size=batch_size)
        self.stdout.write(
            f"Moved {report.moved} secret(s) to the current key; "
            f"{report.already_current} already used it."
        )
        if report.undecryptable:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(report.undecryptable)} secret(s) open with no configured key and "
                    f"were left as they are: {', '.join(report.undecryptable)}. "
                    "Re-enter those secrets, or add the key that encrypted them."
                )
            )
