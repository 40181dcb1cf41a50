"""python manage.py marketo_sandbox: serve one or more simulated Marketo instances."""

from __future__ import annotations

import threading

from django.core.management.base import BaseCommand, CommandError

from apps.sandbox.config import ApiUser, parse_latency, parse_rate_limit
from apps.sandbox.runtime import start_sandbox


class Command(BaseCommand):
    help = "Serve a simulated Marketo instance (identity, REST, bulk) until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument(
            "--api-user",
            default="api@sandbox.example",
            help="the API-only user's email: the token's scope",
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--leads", type=int, default=20000)
        parser.add_argument("--latency-ms", default=None, help="e.g. 20-150, or 50")
        parser.add_argument("--token-ttl", type=int, default=3600)
        parser.add_argument("--rate-limit", default="100/20", help="calls/seconds")
        parser.add_argument("--concurrency", type=int, default=10)
        parser.add_argument("--daily-quota", type=int, default=50_000)
        parser.add_argument("--instances", type=int, default=1)
        parser.add_argument("--fault-rate", type=float, default=0.0)

    def handle(self, *args, **options):
        try:
            latency = parse_latency(options["latency_ms"])
            rate_limit = parse_rate_limit(options["rate_limit"])
        except ValueError as invalid:
            raise CommandError(str(invalid)) from invalid
        if not 0 <= options["fault_rate"] <= 1:
            raise CommandError("--fault-rate is a share between 0 and 1")
        user = ApiUser(options["client_id"], options["client_secret"], options["api_user"])
        handles = []
        try:
            for number in range(max(1, options["instances"])):
                handles.append(
                    start_sandbox(
                        host=options["host"],
                        port=options["port"] + number,
                        api_users=[user],
                        munchkin_id=f"{123 + number}-ABC-456",
                        seed=options["seed"] + number,
                        leads=options["leads"],
                        latency_ms=latency,
                        token_ttl=options["token_ttl"],
                        rate_limit=rate_limit,
                        concurrency=options["concurrency"],
                        daily_quota=options["daily_quota"],
                        fault_rate=options["fault_rate"],
                    )
                )
        except OSError as failed:
            for handle in handles:
                handle.stop()
            raise CommandError(f"cannot listen: {failed}") from failed
        for handle in handles:
            self.stdout.write(
                f"Marketo sandbox {handle.munchkin_id} at {handle.base_url}\n"
                f"  identity  {handle.identity_url}/oauth/token\n"
                f"  REST      {handle.rest_url}\n"
                f"  bulk      {handle.base_url}/bulk\n"
                f"  stats     {handle.base_url}/_sandbox/stats.json\n"
                f"  client id {user.client_id}   client secret {user.client_secret}   "
                f"API user {user.email}"
            )
        self.stdout.write("Serving until stopped (Ctrl-C).")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            for handle in handles:
                handle.stop()
