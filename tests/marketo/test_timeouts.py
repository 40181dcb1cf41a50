"""Each endpoint's timeouts (apps/marketo/timeouts.py): Marketo's documented server timeout,
our read timeout a little above it, and a governor lease that outlives both."""

import re
from pathlib import Path

import pytest

from apps.marketo.client import endpoint_template
from apps.marketo.governor import Budget, Lease, Priority, memory_governor, sqlite_governor
from apps.marketo.timeouts import (
    DEFAULT_LEASE_SECONDS,
    DEFAULT_TIMEOUTS,
    SERVER_TIMEOUTS,
    Timeouts,
    server_timeout,
)
from apps.marketo.transport import DEFAULT_TIMEOUT

from .governor.conftest import FakeClock

APPS = Path(__file__).resolve().parents[2] / "apps"


@pytest.mark.parametrize(
    ("method", "path", "seconds", "page"),
    [
        ("GET", "/v1/leads.json", 60, "leads.md"),  # Get Leads by Filter Type
        ("POST", "/v1/leads.json", 90, "leads.md"),  # Sync Leads
        ("POST", "/v1/leads/12/merge.json", 180, "leads.md"),
        ("GET", "/v1/lists/7/leads.json", 60, "leads.md"),
        ("GET", "/v1/lead/12.json", 30, "30 s unless otherwise noted"),
        ("GET", "/v1/activities/pagingtoken.json", 300, "activities.md"),
        ("GET", "/v1/activities.json", 30, "30 s unless otherwise noted"),
        ("POST", "/v1/activities/external.json", 90, "activities.md"),
        ("POST", "/asset/v1/email/1021/clone.json", 300, "assets.md"),
        ("POST", "/asset/v1/landingPage/5/approveDraft.json", 300, "assets.md"),
        ("GET", "/asset/v1/folders.json", 300, "assets.md"),
        ("POST", "/v1/customobjects/car_c.json", 120, "custom-objects.md"),
        ("POST", "/v1/customobjects/schema.json", 30, "custom-objects.md"),
        ("POST", "/v1/namedAccountList/dff23271-f996/namedAccounts/remove.json", 60, "named"),
        ("GET", "/v1/stats/usage.json", 30, "30 s unless otherwise noted"),
    ],
)
def test_each_endpoint_has_marketos_documented_timeout(method, path, seconds, page):
    timeout = server_timeout(method, "/rest" + endpoint_template(path))
    assert timeout.seconds == seconds
    assert page in timeout.source


def test_every_entry_cites_its_page_and_section():
    for (method, template), timeout in SERVER_TIMEOUTS.items():
        assert method in ("GET", "POST")
        assert template.startswith("/rest/v1/"), template
        assert re.match(r"help/rest-api/[a-z-]+\.md, Timeouts", timeout.source), template
        assert 30 <= timeout.seconds <= 300


def _paths_the_product_calls() -> set[str]:
    """Every Marketo path in the product's code, as a literal or an f-string (an int() in
    it is an id: 1; any other placeholder a name: "x")."""
    paths = set()
    for source in APPS.rglob("*.py"):
        if "sandbox" in source.parts:
            continue  # the simulator answers these paths; it calls none of them
        text = source.read_text()
        for literal in re.findall(r'f?"(/(?:asset/)?v1/[^"\s]+\.json)"', text):
            literal = re.sub(r"\{int\([^}]*\)\}", "1", literal)
            paths.add(re.sub(r"\{[^}]*\}", "x", literal))
    return paths


def test_every_call_the_product_makes_reads_past_marketos_timeout_within_its_lease():
    paths = _paths_the_product_calls()
    assert {"/v1/leads.json", "/v1/activities/pagingtoken.json"} <= paths
    assert any(path.endswith("/clone.json") for path in paths)
    for path in paths:
        endpoint = "/rest" + endpoint_template(path)
        for method in ("GET", "POST"):
            limits = DEFAULT_TIMEOUTS.for_call(method, endpoint)
            assert limits.read > server_timeout(method, endpoint).seconds, (method, path)
            assert limits.lease > limits.connect + limits.read, (method, path)


def test_the_default_lease_outlives_a_default_call_and_is_the_budgets():
    connect, read = DEFAULT_TIMEOUT
    assert read > 30 and connect + read < DEFAULT_LEASE_SECONDS
    assert Budget(
        instance_id=1, calls_per_window=1, concurrency=1, daily_limit=1
    ).lease_seconds == (DEFAULT_LEASE_SECONDS)


def test_a_fixed_timeout_still_gets_a_lease_that_outlives_it():
    limits = DEFAULT_TIMEOUTS.fixed((2, 400))
    assert limits.http == (2, 400) and limits.lease > 402


def test_scaled_timeouts_keep_their_proportions():
    endpoint = "/rest/asset/v1/email/{id}/clone.json"
    full, scaled = DEFAULT_TIMEOUTS.for_call("POST", endpoint), Timeouts(scale=0.01)
    small = scaled.for_call("POST", endpoint)
    assert small.read == pytest.approx(full.read / 100)
    assert small.lease == pytest.approx(full.lease / 100)
    with pytest.raises(ValueError, match="positive"):
        Timeouts(scale=0)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_an_asset_calls_lease_holds_its_slot_past_the_old_45_s(backend, tmp_path):
    # On a clock only the test moves: Marketo's real figures, no real wait.
    clock = FakeClock()
    timing = {"clock": clock, "sleep": clock.sleep}
    if backend == "memory":
        governor = memory_governor(**timing)
    else:
        governor = sqlite_governor(tmp_path / "governor.sqlite3", **timing)
    budget = Budget(instance_id=1, calls_per_window=50, concurrency=1, daily_limit=100)
    approve = DEFAULT_TIMEOUTS.for_call("POST", "/rest/asset/v1/email/{id}/approveDraft.json")
    assert approve.read > 300  # assets.md: Marketo gives an asset call 300 s
    governor.acquire(budget, Priority.BACKGROUND, timeout=1, lease_seconds=approve.lease)
    clock.sleep(45.5)  # the old lease of every call: the approval is still running
    assert governor.try_acquire(budget, Priority.INTERACTIVE).reason == "concurrency"
    clock.sleep(approve.connect + approve.read - 45.5)  # our read timeout has passed
    assert governor.try_acquire(budget, Priority.INTERACTIVE).reason == "concurrency"
    clock.sleep(approve.lease - approve.connect - approve.read)
    assert isinstance(governor.try_acquire(budget, Priority.INTERACTIVE), Lease)


def test_a_person_waits_at_most_30_s_for_a_read_and_for_a_write_as_long_as_marketo():
    paging = "/rest/v1/activities/pagingtoken.json"
    assert DEFAULT_TIMEOUTS.for_call("GET", paging).read == 305
    assert DEFAULT_TIMEOUTS.for_call("GET", paging, person_waiting=True).read == 30
    approve = "/rest/asset/v1/email/{id}/approveDraft.json"
    assert DEFAULT_TIMEOUTS.for_call("POST", approve, person_waiting=True).read == 305
    assert (
        DEFAULT_TIMEOUTS.for_call("GET", "/rest/v1/lead/{id}.json", person_waiting=True).read == 30
    )
