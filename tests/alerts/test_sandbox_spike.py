"""Through the sandbox over HTTP: another integration's 606 spike reaches the errors
statistics, each usage sync records what it added, and the error-spike rule fires once
right after the sync, then resolves once the window has passed. An identity refusal of the
instance's client id fires the credential rule."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from apps.alerts.models import RuleKind
from apps.alerts.services import evaluate
from apps.instances.models import MarketoInstance
from apps.usage.models import ErrorDay, ErrorReading, UsageSync
from apps.usage.services import usage_sync_run
from tests.alerts.conftest import alerts_of, events_of
from tests.factories import make_sandbox_instance


@pytest.fixture
def sandbox_instance(db, sandbox):
    instance = make_sandbox_instance(sandbox)
    MarketoInstance.objects.filter(pk=instance.pk).update(api_user="api@sandbox.example")
    instance.refresh_from_db()
    return instance


def _sync(instance):
    sync = usage_sync_run(sync_id=UsageSync.objects.create(instance=instance, kind="today").pk)
    assert sync.status == "succeeded", sync.error
    return sync


def test_a_606_spike_of_one_integration_fires_one_alert_after_the_sync(sandbox_instance, sandbox):
    spike = {"user": "webinar@corp.example", "code": "606", "count": 40}
    url = f"{sandbox.base_url}/_sandbox/error-spike"
    requests.post(url, json=spike, timeout=5).raise_for_status()
    _sync(sandbox_instance)  # the first: today's errors so far, not a spike
    assert not ErrorReading.objects.exists()
    assert alerts_of(RuleKind.ERROR_SPIKE, sandbox_instance) == []
    requests.post(
        f"{sandbox.base_url}/_sandbox/error-spike",
        json={"user": "webinar@corp.example", "code": "606", "count": 40},
        timeout=5,
    ).raise_for_status()
    _sync(sandbox_instance)  # the sync itself evaluates the instance's rules
    (alert,) = alerts_of(RuleKind.ERROR_SPIKE, sandbox_instance)
    assert alert.subject == "code:606" and alert.facts["errors_in_the_window"] == 40
    assert ErrorDay.objects.get(code="606").count == 80
    assert ErrorReading.objects.filter(code="606").latest("read_at").added == 40
    _sync(sandbox_instance)
    evaluate()
    assert len(alerts_of(RuleKind.ERROR_SPIKE, sandbox_instance)) == 1  # one episode
    evaluate(now=timezone.now() + timedelta(minutes=61))
    alert.refresh_from_db()
    assert alert.state == "resolved"
    assert events_of(alert) == ["fired", "resolved"]


def test_a_refused_client_id_fires_the_credential_alert(sandbox_instance, sandbox):
    sandbox.script_fault(identity="refused", client_id=sandbox_instance.client_id)
    sync = usage_sync_run(
        sync_id=UsageSync.objects.create(instance=sandbox_instance, kind="today").pk
    )
    assert sync.status == "failed"
    evaluate(instances=[sandbox_instance], deployment=False)
    (alert,) = alerts_of(RuleKind.CREDENTIAL, sandbox_instance)
    assert alert.subject == "identity"
    requests.delete(f"{sandbox.base_url}/_sandbox/faults", timeout=5)
    _sync(sandbox_instance)
    alert.refresh_from_db()
    assert alert.state == "resolved"
