"""The demo of `make run`: a sandbox instance, registered as "Sandbox (demo)".

Its credentials are made once per machine and kept in var/ (git-ignored), so the stored
instance and the sandbox started by `run_embedded` agree across restarts.
"""

import json
import secrets
from typing import Any

from django.conf import settings

from apps.assets.models import AssetSync
from apps.assets.services import asset_sync_start
from apps.audit.context import AuditContext
from apps.instances.models import MarketoInstance
from apps.instances.services import instance_create, instance_update
from apps.integrations.models import Integration, IntegrationApiUser, UserSync
from apps.integrations.services import user_sync_start
from apps.sandbox import ApiUser, start_sandbox
from apps.usage.models import UsageSync
from apps.usage.services import usage_sync_start

DEMO_NAME = "Sandbox (demo)"
DEMO_CLIENT_ID = "demo-client"
DEMO_API_USER = "demo-api@sandbox.example"
DEMO_MUNCHKIN_ID = "123-ABC-456"
# The demo's integrations, over the API users the sandbox seeds (apps/sandbox/config.py:
# other_users): its CRM sync is listed by Marketo and has a budget; its webinar connector,
# seen in usage only, is left unassigned, so the integrations page shows one to assign.
DEMO_INTEGRATIONS: list[dict[str, Any]] = [
    {
        "name": "marketo-admin",
        "purpose": "This control room: lead lookups, the asset mirror, and the usage and"
        " users readings.",
        "owner_email": "marketing-ops@corp.example",
        "api_user": DEMO_API_USER,
    },
    {
        "name": "Salesforce sync",
        "purpose": "Keeps leads and their activities in step between Salesforce and Marketo.",
        "owner_email": "crm-team@corp.example",
        "budget_calls": 5_000,
        "api_user": "crm-sync@corp.example",
    },
]


def demo_port() -> int:
    return settings.SANDBOX_PORT


def demo_credentials() -> tuple[str, str]:
    path = settings.VAR_DIR / "sandbox_demo.json"
    if not path.exists():
        settings.VAR_DIR.mkdir(exist_ok=True)
        path.write_text(json.dumps({"client_secret": secrets.token_urlsafe(24)}))
        path.chmod(0o600)
    return DEMO_CLIENT_ID, json.loads(path.read_text())["client_secret"]


def demo_urls() -> tuple[str, str]:
    base = f"http://127.0.0.1:{demo_port()}"
    return f"{base}/rest", f"{base}/identity"


def start_demo_sandbox():
    client_id, client_secret = demo_credentials()
    return start_sandbox(
        port=demo_port(),
        api_users=[ApiUser(client_id, client_secret, DEMO_API_USER)],
        munchkin_id=DEMO_MUNCHKIN_ID,
        seed=42,
        leads=20_000,
        latency_ms=(20, 150),
    )


def demo_instance_register():
    """Create (or repair) the demo instance so it points at the demo sandbox."""
    client_id, client_secret = demo_credentials()
    rest_url, identity_url = demo_urls()
    fields = {
        "munchkin_id": DEMO_MUNCHKIN_ID,
        "client_id": client_id,
        "rest_url": rest_url,
        "identity_url": identity_url,
        "notes": "The sandbox that `make run` starts: a simulated Marketo instance.",
    }
    existing = MarketoInstance.objects.filter(name=DEMO_NAME).first()
    if existing is None:
        return instance_create(
            actor=None,
            audit=AuditContext.system(),
            client_secret=client_secret,
            name=DEMO_NAME,
            **fields,
        )
    instance_update(
        instance=existing,
        actor=None,
        audit=AuditContext.system(),
        client_secret=client_secret,
        **fields,
    )
    return existing


def demo_first_syncs_queue(instance) -> None:
    """Queue the first asset sync, usage back-fill and reading of Marketo's users of a new
    demo instance, so that a new user finds the asset browser, the usage reports and the
    API users filled. The worker takes them when it starts (the broker keeps the messages)."""
    if not AssetSync.objects.filter(instance=instance).exists():
        asset_sync_start(instance=instance, audit=AuditContext.system())
    if not UserSync.objects.filter(instance=instance).exists():
        user_sync_start(instance=instance, audit=AuditContext.system())
    if not UsageSync.objects.filter(instance=instance).exists():
        usage_sync_start(
            instance=instance, kind=UsageSync.Kind.BACKFILL, audit=AuditContext.system()
        )


def demo_integrations_seed(instance) -> None:
    """Register the demo's integrations once, so that the integrations page, a budget and an
    unassigned API user show from the start. Written directly, as the demo's other seeds:
    the API users are mapped before the first reading of Marketo's users has listed them."""
    if Integration.objects.exists():
        return  # the demo's own, or the admin's since: either way not ours to add to
    for spec in DEMO_INTEGRATIONS:
        fields = {key: value for key, value in spec.items() if key != "api_user"}
        integration = Integration.objects.create(**fields)
        IntegrationApiUser.objects.create(
            integration=integration, instance=instance, userid=spec["api_user"]
        )
