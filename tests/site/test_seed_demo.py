import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.assets.models import AssetSync
from apps.instances import vault
from apps.instances.models import MarketoInstance
from apps.integrations.models import Integration, UserSync
from apps.usage.models import UsageSync

pytestmark = pytest.mark.django_db


def test_the_demo_gets_an_admin_a_sandbox_instance_and_its_first_syncs(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    with django_capture_on_commit_callbacks() as queued:
        call_command("seed_demo", stdout=out)
    instance = MarketoInstance.objects.get(name="Sandbox (demo)")
    assert instance.effective_rest_url == f"http://127.0.0.1:{settings.SANDBOX_PORT}/rest"
    secret = vault.decrypt(instance.client_secret_encrypted)
    assert secret in (tmp_path / "sandbox_demo.json").read_text()
    assert AssetSync.objects.filter(instance=instance).count() == 1
    assert UsageSync.objects.filter(instance=instance, kind="backfill").count() == 1
    assert UserSync.objects.filter(instance=instance).count() == 1
    assert len(queued) == 3
    assert get_user_model().objects.get(username="admin").is_superuser
    # Two integrations over the sandbox's API users; its webinar connector left unassigned.
    mapped = {
        integration.name: [row.userid for row in integration.api_users.all()]
        for integration in Integration.objects.all()
    }
    assert mapped == {
        "marketo-admin": ["demo-api@sandbox.example"],
        "Salesforce sync": ["crm-sync@corp.example"],
    }
    assert Integration.objects.get(name="Salesforce sync").budget_calls == 5_000
    password_line = next(line for line in out.getvalue().splitlines() if "password:" in line)
    assert len(password_line.split()[-1]) >= 12

    again = io.StringIO()
    call_command("seed_demo", stdout=again)  # idempotent: nothing new, no password shown
    assert "password:" not in again.getvalue()
    assert MarketoInstance.objects.count() == 1
    assert AssetSync.objects.count() == 1 and UsageSync.objects.count() == 1
    assert UserSync.objects.count() == 1
    assert Integration.objects.count() == 2
