"""The client against the sandbox over real HTTP, with both governor backends."""

import contextlib
import dataclasses
import itertools
import threading

import pytest
import requests

from apps.marketo.client import MAX_INLINE_WAIT_SECONDS, RetryLater
from apps.marketo.errors import InvalidRequest, QuotaExhausted, TransientError
from apps.marketo.governor import Budget, GovernorUnavailable, Priority, redis_governor
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db


def no_sleep(seconds):
    pass


def short_cool_down(seconds: float) -> Budget:
    """make_client's budget with a shorter cool-down after a 606 or 615 than the default 5 s:
    the same probes and halvings, without waiting 5 s for each."""
    return Budget(
        instance_id=1,
        calls_per_window=50,
        concurrency=5,
        daily_limit=25_000,
        cooldown_seconds=seconds,
    )


def test_a_call_carries_the_token_in_the_header_and_is_ledgered(make_client, sandbox):
    client = make_client()
    envelope = client.get("/v1/leads/describe2.json")
    assert envelope["success"] is True
    stats = sandbox.stats()
    assert stats["identity_calls"] == 1
    assert stats["query_token_calls"] == 0
    (row,) = client.ledger_rows
    assert (row.method, row.endpoint, row.code, row.attempt) == (
        "GET",
        "/rest/v1/leads/describe2.json",
        "",
        1,
    )
    assert row.http_status == 200 and row.request_id


def test_a_successful_call_is_ledgered_with_its_request_id(make_client):
    client = make_client()
    written = []
    # A copy of each record as the ledger got it (the ledger writes it at once).
    client.ledger = lambda record: written.append(dataclasses.replace(record))
    envelope = client.get("/v1/stats/usage.json")
    assert [row.request_id for row in written] == [envelope["requestId"]]


def test_one_token_serves_many_calls(make_client, sandbox):
    client = make_client()
    for _ in range(5):
        client.get("/v1/stats/usage.json")
    assert sandbox.stats()["identity_calls"] == 1


def test_an_injected_602_is_invisible_to_the_caller_and_refunded(make_client, sandbox):
    client = make_client()
    client.get("/v1/stats/usage.json")
    sandbox.script_fault(path="describe2.json", times=1, error="602")
    assert client.get("/v1/leads/describe2.json")["success"]
    assert [r.code for r in client.ledger_rows] == ["", "602", ""]
    # Two calls counted, the 602 given back (Marketo does not count it either).
    assert client.governor.state(client.budget)["daily_used"] == 2


@pytest.mark.parametrize(
    "fault",
    [
        {"error": "604"},
        {"error": "608"},
        {"error": "611"},
        {"http": 500},
        {"http": 502},
        {"drop": True},
    ],
    ids=["604", "608", "611", "500", "502", "dropped"],
)
def test_a_transient_fault_is_retried_to_success(make_client, sandbox, fault):
    client = make_client(sleep=no_sleep)
    sandbox.script_fault(path="usage.json", times=1, **fault)
    assert client.get("/v1/stats/usage.json")["success"]
    assert len(client.ledger_rows) == 2
    assert client.ledger_rows[-1].code == ""


def test_a_614_is_retried_as_temporary_and_counted(make_client, sandbox):
    # error-codes.md: 614 "usually indicates temporary inaccessibility", and is not starred.
    client = make_client(sleep=no_sleep)
    sandbox.script_fault(path="usage.json", times=1, error="614")
    assert client.get("/v1/stats/usage.json")["success"]
    assert [row.code for row in client.ledger_rows] == ["614", ""]
    assert client.governor.state(client.budget)["daily_used"] == 2


def test_a_413_answered_by_marketo_is_the_callers_mistake_and_not_retried(make_client, sandbox):
    client = make_client(sleep=no_sleep)
    sandbox.script_fault(path="usage.json", times=1, http=413)
    with pytest.raises(InvalidRequest) as caught:
        client.get("/v1/stats/usage.json")
    assert (caught.value.code, caught.value.message) == ("413", "Request Entity Too Large")
    assert len(client.ledger_rows) == 1


def test_an_answer_slower_than_the_timeout_is_retried_and_keeps_its_slot(make_client, sandbox):
    client = make_client(sleep=no_sleep, timeout=(2, 0.5))
    sandbox.script_fault(path="usage.json", times=1, hang=2)
    assert client.get("/v1/stats/usage.json")["success"]
    assert client.ledger_rows[0].code == "timeout"
    # Marketo may still be running the call that timed out: its lease is not given back.
    assert client.governor.state(client.budget)["in_flight"] == 1
    # The sandbox counts that call when its 2 s are over: let it, or it lands in the counts
    # of whichever test runs next.
    assert wait_for(lambda: sandbox.stats()["calls"] == 2, timeout=5)


def test_a_caller_mistake_is_reported_and_not_retried(make_client):
    client = make_client(sleep=no_sleep)
    with pytest.raises(InvalidRequest) as caught:
        client.get("/v1/leads.json", {"filterType": "email"})
    assert caught.value.code == "701"
    assert len(client.ledger_rows) == 1


def test_a_lead_query_over_8_kib_is_sent_as_post_with_method_get(make_client, sandbox):
    client = make_client()
    emails = [f"someone.with.a.long.address.{n:03}@example.com" for n in range(250)]
    envelope = client.get(
        "/v1/leads.json", {"filterType": "email", "filterValues": ",".join(emails)}
    )
    assert envelope["success"]
    assert sandbox.stats()["by_code"].get("414", 0) == 0
    assert client.ledger_rows[0].method == "GET"


def test_a_body_over_1_mb_is_refused_before_sending(make_client, sandbox):
    client = make_client()
    with pytest.raises(InvalidRequest, match="at most 1 MB"):
        client.post("/v1/leads.json", json={"input": [{"email": "x" * 1024}] * 1100})
    assert sandbox.stats()["calls"] == 0


def test_a_606_caused_by_another_integration_cools_the_deployment_down(
    make_client, sandbox, monkeypatch
):
    # Time scaled down by five: a 1 s cool-down, and a background caller waits inline at
    # most 1 s (5 s and 5 s in production).
    monkeypatch.setitem(MAX_INLINE_WAIT_SECONDS, Priority.BACKGROUND, 1.0)
    other = requests.Session()
    token = other.get(
        f"{sandbox.identity_url}/oauth/token",
        params={
            "grant_type": "client_credentials",
            "client_id": "sync-client",
            "client_secret": "sync-secret",
        },
        timeout=5,
    ).json()["access_token"]
    for _ in range(100):  # the other integration fills Marketo's window
        other.get(
            f"{sandbox.rest_url}/v1/stats/usage.json",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    client = make_client(priority=Priority.BACKGROUND, budget=short_cool_down(1.0))
    with pytest.raises(RetryLater) as caught:
        client.get("/v1/stats/usage.json")
    assert caught.value.reason in {"cooldown", "window"}  # the governor holds the call back
    # No second burst: each retry is a single probe after a cool-down, and they stop soon.
    codes = [r.code for r in client.ledger_rows]
    assert set(codes) == {"606"} and len(codes) <= 3, codes
    starts = [r.started_at for r in client.ledger_rows]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(starts))
    assert client.governor.state(client.budget)["window_budget"] < 50  # shrunk for a while


def test_a_607_stops_every_call_until_the_quota_day_ends(make_client, sandbox):
    client = make_client()
    sandbox.script_fault(path="usage.json", times=1, error="607")
    with pytest.raises(QuotaExhausted, match="calls resume after midnight US Central"):
        client.get("/v1/stats/usage.json")
    calls = sandbox.stats()["calls"]
    with pytest.raises(RetryLater) as caught:
        client.get("/v1/leads/describe2.json")
    assert caught.value.reason == "blocked"
    assert sandbox.stats()["calls"] == calls  # the second call never left


def test_50_callers_around_token_expiry_cause_one_identity_call(make_client, sandbox):
    budget = Budget(instance_id=1, calls_per_window=80, concurrency=5, daily_limit=25_000)
    client = make_client(budget=budget)
    client.get("/v1/stats/usage.json")
    sandbox.advance_clock(3601)  # the sandbox's token expires; ours looks valid until a 602
    errors = []

    def call():
        try:
            make_client(budget=budget).get("/v1/stats/usage.json")
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sandbox.stats()["identity_calls"] == 2  # the first token, and its one successor


def test_with_the_governor_unreachable_no_call_is_made(make_client, sandbox):
    client = make_client()
    client.governor = redis_governor("redis://127.0.0.1:1/0")
    with pytest.raises(GovernorUnavailable, match="no call to Marketo was made"):
        client.get("/v1/stats/usage.json")
    assert sandbox.stats()["calls"] == 0


def test_a_write_whose_outcome_is_unknown_is_not_repeated(make_client, sandbox):
    client = make_client(sleep=no_sleep)
    sandbox.script_fault(path="clone.json", times=1, drop=True)
    with pytest.raises(TransientError, match="was not repeated"):
        client.post(
            "/asset/v1/email/1/clone.json",
            data={"name": "Copy", "folder": '{"id": 1, "type": "Folder"}'},
        )
    assert len(client.ledger_rows) == 1


@pytest.mark.parametrize("status", [500, 502])
def test_a_write_answered_with_a_5xx_is_not_repeated(make_client, sandbox, status):
    # error-codes.md lists 500 and 502: Marketo may have carried the write out first.
    client = make_client(sleep=no_sleep)
    sandbox.script_fault(path="clone.json", times=1, http=status)
    with pytest.raises(TransientError, match="was not repeated") as caught:
        client.post(
            "/asset/v1/email/1/clone.json",
            data={"name": "Copy", "folder": '{"id": 1, "type": "Folder"}'},
        )
    assert caught.value.code == str(status)
    assert len(client.ledger_rows) == 1


def test_a_long_lead_query_answered_with_500_is_retried(make_client, sandbox):
    # A POST with _method=GET is a read: retried like a GET.
    client = make_client(sleep=no_sleep)
    sandbox.script_fault(path="leads.json", times=1, http=500)
    emails = [f"someone.with.a.long.address.{n:03}@example.com" for n in range(250)]
    envelope = client.get(
        "/v1/leads.json", {"filterType": "email", "filterValues": ",".join(emails)}
    )
    assert envelope["success"]
    assert [(row.code, row.http_status) for row in client.ledger_rows] == [("500", 500), ("", 200)]
    assert sandbox.stats()["query_token_calls"] == 0  # the token went in the header


def test_a_write_refused_with_a_6xx_is_retried(make_client, sandbox):
    client = make_client(sleep=no_sleep)
    sandbox.script_fault(path="leads.json", times=1, error="608")
    envelope = client.post(
        "/v1/leads.json", json={"action": "createOrUpdate", "input": [{"email": "new@example.com"}]}
    )
    assert envelope["success"]
    assert [r.code for r in client.ledger_rows] == ["608", ""]


def test_a_615_cools_the_governor_down(make_client, sandbox):
    client = make_client(priority=Priority.BACKGROUND, budget=short_cool_down(0.2), sleep=no_sleep)
    sandbox.script_fault(path="usage.json", times=1, error="615")
    # The cool-down may outlast the inline wait: a task would then retry later.
    with contextlib.suppress(RetryLater):
        client.get("/v1/stats/usage.json")
    assert client.ledger_rows[0].code == "615"
    assert client.governor.state(client.budget)["window_budget"] < 50
