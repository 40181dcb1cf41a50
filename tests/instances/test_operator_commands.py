import io
import json

import pytest
import redis
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.instances.client import instance_budget
from apps.instances.load import ChildFailed, LoadGroup, run_load
from apps.instances.models import MarketoInstance
from apps.marketo.governor import redis_governor
from apps.usage.models import LedgerEntry
from tests.factories import make_instance


def _sandbox_instance(sandbox):
    return make_instance(
        "Sandbox",
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
    )


@pytest.mark.django_db
def test_marketo_call_prints_the_answer_and_is_ledgered(sandbox):
    _sandbox_instance(sandbox)
    out = io.StringIO()
    call_command(
        "marketo_call", "--instance", "Sandbox", "GET", "/rest/v1/leads/describe2.json", stdout=out
    )
    answer = json.loads(out.getvalue())
    assert answer["success"] is True
    searchable = [field for group in answer["result"][0]["searchableFields"] for field in group]
    assert "email" in searchable
    entry = LedgerEntry.objects.get()
    assert (entry.endpoint, entry.feature, entry.priority) == (
        "/rest/v1/leads/describe2.json",
        "marketo_call",
        "interactive",
    )


@pytest.mark.django_db
def test_marketo_call_reports_marketos_error_plainly(sandbox):
    _sandbox_instance(sandbox)
    with pytest.raises(CommandError, match=r"Marketo answered 701"):
        call_command(
            "marketo_call",
            "--instance",
            "Sandbox",
            "GET",
            "/rest/v1/leads.json",
            stdout=io.StringIO(),
        )


@pytest.mark.django_db
def test_marketo_call_names_the_instances_it_knows(sandbox):
    _sandbox_instance(sandbox)
    with pytest.raises(CommandError, match=r"No instance named 'Prod' \(instances: Sandbox\)"):
        call_command(
            "marketo_call", "--instance", "Prod", "GET", "/rest/v1/leads.json", stdout=io.StringIO()
        )


@pytest.mark.django_db(transaction=True)
def test_marketo_load_drives_calls_from_several_processes(sandbox, role_groups):
    _sandbox_instance(sandbox)
    out = io.StringIO()
    call_command(
        "marketo_load",
        "--instance",
        "Sandbox",
        "--processes",
        "2",
        "--threads",
        "2",
        "--seconds",
        "3",
        "--endpoint",
        "usage",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    summary = json.loads(out.getvalue())
    assert 10 < summary["calls"] <= 50  # the instance's budget: 50 calls per 20 s
    assert set(summary["answers"]) == {"ok"}
    assert sandbox.stats()["identity_calls"] == 1  # two processes, one shared token
    assert LedgerEntry.objects.filter(feature="load_test").count() == summary["calls"]


@pytest.mark.django_db(transaction=True)
def test_marketo_load_on_a_redis_cluster_stays_inside_marketos_limits(
    sandbox, role_groups, settings, redis_cluster_url
):
    # Marketo's own limits as the budget (help/rest-api/rest-api.md): 4 processes that did
    # not share one governor would each admit a window's worth and meet 606 and 615.
    settings.GOVERNOR_BACKEND, settings.GOVERNOR_REDIS_URL = "redis", redis_cluster_url
    instance = _sandbox_instance(sandbox)
    MarketoInstance.objects.filter(pk=instance.pk).update(calls_per_20s=100, concurrent_calls=10)
    instance.refresh_from_db()
    out = io.StringIO()
    call_command(
        "marketo_load",
        *("--instance", "Sandbox", "--processes", "4", "--threads", "4", "--seconds", "5"),
        *("--endpoint", "leads", "--priority", "background", "--json"),
        stdout=out,
        stderr=io.StringIO(),
    )
    summary = json.loads(out.getvalue())
    assert set(summary["answers"]) == {"ok"}
    stats = sandbox.stats()
    assert not {"606", "615"} & set(stats["by_code"])
    # Background work leaves the interactive fifth of the window and one slot free.
    assert 40 < summary["calls"] <= 80
    assert stats["max_calls_in_window"] <= 80 and stats["max_in_flight"] <= 9
    assert stats["identity_calls"] == 1  # four processes, one token, kept on the cluster
    # The counts live on the cluster, not on REDIS_URL's server.
    state = redis_governor(redis_cluster_url).state(instance_budget(instance))
    assert state["daily_used"] == summary["calls"]
    if settings.REDIS_URL:
        plain = redis.Redis.from_url(settings.REDIS_URL)
        assert not list(plain.scan_iter(f"mka:{{i{instance.pk}}}:*"))


@pytest.mark.django_db(transaction=True)
def test_a_load_process_that_fails_reports_its_traceback_instead_of_an_empty_queue(sandbox):
    instance = _sandbox_instance(sandbox)
    # An endpoint the load test does not know fails each child before it calls anything.
    with pytest.raises(ChildFailed, match=r"KeyError: 'no-such-endpoint'"):
        run_load(
            instance_id=instance.pk,
            groups=[LoadGroup(processes=2, threads=1, priority="background")],
            seconds=1,
            endpoint="no-such-endpoint",
        )
