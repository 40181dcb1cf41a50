"""Slow but successful calls, against the sandbox over real HTTP on every governor backend.

The timeouts are scaled down (Timeouts(scale=)): a call "slower than the default read
timeout" takes a second or two instead of half a minute. Scaled by 1/50, the default read
timeout is 0.7 s, an asset call's (assets.md: 300 s at Marketo) 6.1 s.
"""

import json
import threading
import time

import pytest

from apps.marketo.errors import TransientError
from apps.marketo.governor import Budget, Priority
from apps.marketo.timeouts import Timeouts
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

SCALE = 0.02
SLOW_SECONDS = 2.0  # past the scaled default read timeout (0.7 s), well within an asset's
# The budget's default lease is shorter than the slow call: only a lease of the call's own
# length keeps its slot.
BUDGET = Budget(
    instance_id=1, calls_per_window=50, concurrency=5, daily_limit=25_000, lease_seconds=0.3
)


def no_sleep(seconds):
    pass


def _draft_email(client) -> dict:
    return client.get("/asset/v1/emails.json", {"status": "draft", "maxReturn": 1})["result"][0]


def _in_flight_during(client, call) -> tuple[object, int]:
    """Run `call` in a thread; return its result and the calls in flight 1 s into it (past
    the scaled default read timeout and the budget's default lease)."""
    outcome: dict[str, object] = {}

    def run():
        try:
            outcome["result"] = call()
        except Exception as exc:  # handed to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive(), "the slow call must still be running for this check"
    in_flight = client.governor.state(client.budget)["in_flight"]
    thread.join(timeout=30)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"], in_flight


def test_a_slow_asset_write_is_answered_and_holds_its_slot_until_it_returns(make_client, sandbox):
    client = make_client(
        priority=Priority.BACKGROUND, budget=BUDGET, timeouts=Timeouts(scale=SCALE), sleep=no_sleep
    )
    email = _draft_email(client)
    folder = {"id": email["folder"]["value"], "type": email["folder"]["type"]}
    sandbox.script_fault(path="clone.json", times=1, hang=SLOW_SECONDS)
    clone, in_flight = _in_flight_during(
        client,
        lambda: client.post(
            f"/asset/v1/email/{email['id']}/clone.json",
            data={"name": "Slow clone", "folder": json.dumps(folder)},
        ),
    )
    # Marketo's answer arrived: the clone is known to be made, not "outcome unknown".
    assert clone["result"][0]["name"] == "Slow clone"
    assert in_flight == 1, "the slot stays taken while Marketo runs the call"
    assert [row.code for row in client.ledger_rows[-1:]] == [""]
    assert client.governor.state(client.budget)["in_flight"] == 0, "and is freed when it ends"


def test_a_slow_lead_query_within_its_documented_60_s_is_answered(make_client, sandbox):
    # leads.md, Timeouts: Get Leads by Filter Type has 60 s (scaled: read 1.3 s).
    client = make_client(
        priority=Priority.BACKGROUND, budget=BUDGET, timeouts=Timeouts(scale=SCALE), sleep=no_sleep
    )
    sandbox.script_fault(path="/v1/leads.json", times=1, hang=1.0)
    envelope = client.get("/v1/leads.json", {"filterType": "email", "filterValues": "a@b.example"})
    assert envelope["success"]
    assert [row.code for row in client.ledger_rows] == [""]


def test_the_same_delay_on_a_30_s_endpoint_times_out(make_client, sandbox):
    # The scale applies to every endpoint: one with Marketo's default 30 s gives up first.
    client = make_client(budget=BUDGET, timeouts=Timeouts(scale=SCALE), sleep=no_sleep)
    sandbox.script_fault(path="usage.json", times=1, hang=1.0)
    assert client.get("/v1/stats/usage.json")["success"]  # a GET is retried
    assert [row.code for row in client.ledger_rows] == ["timeout", ""]
    # The sandbox counts the call that timed out when its second is over: let it.
    assert wait_for(lambda: sandbox.stats()["calls"] == 2, timeout=5)


def test_a_write_slower_than_its_read_timeout_stays_outcome_unknown(make_client, sandbox):
    # The contract callers build on (pending asset writes): not repeated, code "timeout".
    client = make_client(budget=BUDGET, timeouts=Timeouts(scale=0.002), sleep=no_sleep)
    sandbox.script_fault(path="approveDraft.json", times=1, hang=1.0)
    with pytest.raises(TransientError, match="was not repeated") as caught:
        client.post("/asset/v1/email/1/approveDraft.json")
    assert caught.value.code == "timeout"
    assert len(client.ledger_rows) == 1
    # The sandbox counts that call when its second is over: let it, before the next test.
    assert wait_for(lambda: sandbox.stats()["calls"] == 1, timeout=5)


@pytest.mark.parametrize(
    ("priority", "codes"),
    [(Priority.BACKGROUND, [""]), (Priority.INTERACTIVE, ["timeout", ""])],
)
def test_a_read_a_person_waits_for_gives_up_after_30_s(make_client, sandbox, priority, codes):
    # A slow asset read (300 s at Marketo): a sync waits for it; the lead search, inside a
    # web request, gives up after 30 s (scaled: 0.6 s) and retries.
    client = make_client(
        priority=priority, budget=BUDGET, timeouts=Timeouts(scale=SCALE), sleep=no_sleep
    )
    sandbox.script_fault(path="folders.json", times=1, hang=1.0)
    assert client.get("/asset/v1/folders.json", {"maxDepth": 1})["success"]
    assert [row.code for row in client.ledger_rows] == codes
    assert wait_for(lambda: sandbox.stats()["calls"] == len(codes), timeout=5)


def test_a_dropped_connection_holds_its_slot_for_a_while_not_for_the_whole_lease(
    make_client, sandbox
):
    # An asset read's lease is 350 s (scaled: 7 s); a dropped connection keeps the slot for
    # timeouts.DROPPED_HOLD_SECONDS (45 s, scaled: 0.9 s), then frees it.
    client = make_client(budget=BUDGET, timeouts=Timeouts(scale=SCALE), sleep=no_sleep)
    sandbox.script_fault(path="folders.json", times=1, drop=True)
    assert client.get("/asset/v1/folders.json", {"maxDepth": 1})["success"]  # retried
    assert [row.code for row in client.ledger_rows] == ["connection", ""]
    assert client.governor.state(client.budget)["in_flight"] == 1, "held after the drop"
    assert wait_for(lambda: client.governor.state(client.budget)["in_flight"] == 0, timeout=3)
