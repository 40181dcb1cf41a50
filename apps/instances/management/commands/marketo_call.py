import json

from django.core.management.base import BaseCommand, CommandError

from apps.instances.client import InstanceDisabled, marketo_client
from apps.instances.credentials import CredentialsUnavailable
from apps.instances.models import MarketoInstance
from apps.instances.selectors import instance_by_name_or_id
from apps.marketo.errors import MarketoError
from apps.marketo.governor import GovernorUnavailable, Priority


class Command(BaseCommand):
    help = (
        "Call Marketo through the governor and the ledger, and print the JSON answer: "
        "marketo_call --instance NAME GET /rest/v1/leads.json filterType=email filterValues=a@b.com"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--instance", required=True, help="The instance's name (or id).")
        parser.add_argument("method", choices=["GET", "POST", "get", "post"])
        parser.add_argument("path", help="From /rest on, e.g. /rest/v1/leads/describe2.json")
        parser.add_argument("params", nargs="*", help="name=value query parameters")
        parser.add_argument("--json", dest="body", help="A JSON body for POST.")
        parser.add_argument(
            "--priority", choices=[p.value for p in Priority], default=Priority.INTERACTIVE.value
        )

    def handle(self, *args, instance, method, path, params, body, priority, **options):
        target = find_instance(instance)
        query = {}
        for pair in params:
            name, sep, value = pair.partition("=")
            if not sep:
                raise CommandError(f"{pair!r} is not name=value")
            query[name] = value
        rest_path = path.removeprefix("/rest")
        if not rest_path.startswith("/"):
            raise CommandError("The path starts with /rest/, e.g. /rest/v1/leads.json")
        try:
            client = marketo_client(
                target, priority=Priority(priority), feature="marketo_call", job="cli"
            )
            answer = client.request(
                method.upper(), rest_path, params=query, json=json.loads(body) if body else None
            )
        except (CredentialsUnavailable, InstanceDisabled, GovernorUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        except MarketoError as exc:
            raise CommandError(
                f"Marketo answered {exc} (requestId {exc.request_id or '-'})"
            ) from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"--json is not valid JSON: {exc}") from exc
        self.stdout.write(json.dumps(answer, indent=2, ensure_ascii=False))


def find_instance(name_or_id: str) -> MarketoInstance:
    """The instance a command names, or a CommandError listing the ones there are."""
    instance = instance_by_name_or_id(name_or_id)
    if instance is None:
        names = ", ".join(MarketoInstance.objects.values_list("name", flat=True)) or "none yet"
        raise CommandError(f"No instance named {name_or_id!r} (instances: {names}).")
    return instance
