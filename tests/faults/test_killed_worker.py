"""SIGKILL the worker in the middle of a lead lookup: the job finishes by itself, exact."""

import time

import pytest
from django.db.models import Count

from apps.audit.context import AuditContext
from apps.core.permissions import Role
from apps.leads import selectors, services
from apps.leads.models import LeadLookup, LeadLookupBatch, LeadLookupResult
from tests.factories import UserFactory
from tests.faults.conftest import report
from tests.leads.conftest import leads_calls, missing_emails, sandbox_emails, sandbox_instance_for
from tests.processes import wait_until

pytestmark = pytest.mark.fault

FOUND, MISSING = 1500, 300  # 1,800 values: 6 batches of 300


def test_a_lookup_whose_worker_was_killed_finishes_by_itself_exactly(deployment, sandbox):
    otto = UserFactory(username="otto", role=Role.OPERATOR)
    instance = sandbox_instance_for(sandbox, otto)
    # Each call takes a second, so that the worker is killed in the middle of one.
    sandbox.script_fault(path="leads.json", hang=1)
    first = deployment.worker("first")
    deployment.beat()

    values = sandbox_emails(sandbox, FOUND) + missing_emails(MISSING)
    lookup = services.lead_lookup_prepare(
        instance=instance, user=otto, field="email", raw_values=values
    )
    services.lead_lookup_start(lookup=lookup, user=otto, audit=AuditContext.system())
    wait_until(
        lambda: LeadLookup.objects.get(pk=lookup.pk).done_values >= 600,
        timeout=60,
        what="two batches",
    )
    first.kill()
    killed_at = time.monotonic()
    killed = LeadLookup.objects.get(pk=lookup.pk)
    assert killed.status == "running" and killed.done_values < killed.total_values

    # The orchestrator starts a new worker; nobody touches the job.
    deployment.worker("second", wait=False)
    wait_until(
        lambda: LeadLookup.objects.get(pk=lookup.pk).status == "done",
        timeout=120,
        what=f"the lookup to finish after the kill\n{deployment.logs()}",
    )
    recovery = time.monotonic() - killed_at

    done = LeadLookup.objects.get(pk=lookup.pk)
    assert (done.done_values, done.found_count, done.not_found_count) == (1800, FOUND, MISSING)
    assert done.recoveries == 1 and done.calls_used == 6
    assert LeadLookupBatch.objects.filter(lookup=done, done=True).count() == 6
    results = LeadLookupResult.objects.filter(lookup=done)
    assert results.count() == FOUND
    assert not results.values("lead_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    found = {result.data["email"].lower() for result in results}
    assert found == {email.lower() for email in values[:FOUND]}
    assert sorted(selectors.not_found_values(lookup=done)) == sorted(values[FOUND:])
    # Only the batch in flight when the worker died was asked for twice.
    assert 6 <= leads_calls(sandbox) <= 7
    assert recovery < 120  # with the production thresholds too (FAULT_PRODUCTION_THRESHOLDS)
    report(
        "1. worker SIGKILLed mid-lookup (6 batches)",
        recovery_seconds=recovery,
        data_lost="none",
        note=f"{leads_calls(sandbox) - 6} in-flight batch repeated; {deployment.thresholds}",
    )
