import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from apps.accounts.services import user_create
from apps.core.permissions import Role
from apps.site.demo import (
    DEMO_NAME,
    demo_first_syncs_queue,
    demo_instance_register,
    demo_integrations_seed,
)


class Command(BaseCommand):
    help = (
        "Register the demo sandbox instance, and create the demo admin (whose password is "
        "printed once, when it is created)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options) -> None:
        instance = demo_instance_register()
        demo_first_syncs_queue(instance)
        demo_integrations_seed(instance)
        self.stdout.write(f"Demo instance: {DEMO_NAME}, served by the sandbox on this machine.")
        if get_user_model().objects.filter(username=username).exists():
            self.stdout.write(
                f"Demo admin: {username} (its password was printed when it was created; "
                f"`python manage.py changepassword {username}` sets a new one)."
            )
            return
        password = secrets.token_urlsafe(12)
        user_create(username=username, password=password, role=Role.ADMIN, is_superuser=True)
        self.stdout.write(self.style.SUCCESS("Created the demo admin. Sign in with:"))
        self.stdout.write(f"  user name: {username}")
        self.stdout.write(f"  password:  {password}")
        self.stdout.write("  (shown only this once)")
