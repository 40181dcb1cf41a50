"""Marketo's limits, as error-codes.md and rest-api.md state them (docs/marketo.md, "Limits")."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

from apps.sandbox import start_sandbox
from tests.sandbox.conftest import get_token

CHICAGO = ZoneInfo("America/Chicago")


def code_of(response) -> str | None:
    body = response.json()
    return None if body.get("success") else body["errors"][0]["code"]


def test_the_101st_call_in_20_seconds_gets_606(sandbox, api):
    url = f"{api.base}/v1/activities/types.json"
    answers = [code_of(api.get(url)) for _ in range(101)]
    assert answers[:100] == [None] * 100
    last = api.get(url)
    assert answers[100] == "606"
    assert last.json()["errors"][0]["message"] == "Max rate limit '100' exceeded with in '20' secs"
    sandbox.advance_clock(20.5)
    assert code_of(api.get(url)) is None
    stats = sandbox.stats()
    assert stats["max_calls_in_window"] >= 101
    assert stats["by_code"]["606"] == 2


def test_calls_answered_601_do_not_count_against_the_rate_limit(sandbox, api):
    url = f"{sandbox.rest_url}/v1/activities/types.json"
    for _ in range(120):
        requests.get(url, headers={"Authorization": "Bearer bad"}, timeout=5)
    assert code_of(api.get(url)) is None
    assert sandbox.stats()["quota_used_today"] == 1


def test_the_11th_concurrent_call_gets_615(sandbox):
    token = get_token(sandbox)
    sandbox.script_fault(path="describe.json", hang=1.5)
    barrier = threading.Barrier(11)
    codes = []

    def call():
        barrier.wait()
        response = requests.get(
            f"{sandbox.rest_url}/v1/leads/describe.json",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        codes.append(code_of(response))

    threads = [threading.Thread(target=call) for _ in range(11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes.count(None) == 10
    assert codes.count("615") == 1
    assert sandbox.stats()["max_in_flight"] == 10


def test_quota_exhaustion_gives_607_until_chicago_midnight_on_a_dst_change_day():
    # 2026-03-08 is 23 hours long in Chicago: a UTC-6 midnight would be an hour late.
    with start_sandbox(daily_quota=5, leads=20) as sandbox:
        sandbox.set_clock(datetime(2026, 3, 8, 0, 30, tzinfo=CHICAGO))
        headers = {"Authorization": f"Bearer {get_token(sandbox)}"}
        url = f"{sandbox.rest_url}/v1/activities/types.json"
        answers = [code_of(requests.get(url, headers=headers, timeout=5)) for _ in range(6)]
        assert answers == [None] * 5 + ["607"]
        sandbox.set_clock(datetime(2026, 3, 8, 23, 59, 30, tzinfo=CHICAGO))
        headers = {"Authorization": f"Bearer {get_token(sandbox)}"}
        assert code_of(requests.get(url, headers=headers, timeout=5)) == "607"
        sandbox.set_clock(datetime(2026, 3, 9, 0, 0, 30, tzinfo=CHICAGO))
        assert code_of(requests.get(url, headers=headers, timeout=5)) is None


def test_a_9_kib_lead_get_gets_414_and_the_same_query_as_post_method_get_succeeds(sandbox, api):
    emails = [f"someone.with.a.long.address.{n:04d}@example.com" for n in range(200)]
    params = {"filterType": "email", "filterValues": ",".join(emails)}
    url = f"{api.base}/v1/leads.json"
    response = api.get(url, params=params)
    assert len(response.request.url) > 9 * 1024
    assert response.status_code == 414
    posted = api.post(url, params={"_method": "GET"}, data=params)
    assert posted.status_code == 200
    assert posted.json()["success"] is True


def test_a_body_over_1_mb_gets_413(sandbox, api):
    response = api.post(
        f"{api.base}/v1/leads.json",
        data=b"{" + b" " * (1024 * 1024 + 1) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_asset_uris_up_to_65_kib_are_accepted(sandbox, api):
    response = api.get(f"{api.base}/asset/v1/emails.json", params={"x": "a" * 40_000})
    assert response.status_code == 200


def test_post_with_method_get_in_a_form_body_is_a_lead_query(api):
    # help/rest-api/leads.md ("Query"): POST, _method=GET, the query string in the body.
    # Third-party clients put _method in the form body with the other parameters:
    # requests.post(url, data={"_method": "GET", "filterType": ..., "filterValues": ...}).
    url = f"{api.base}/v1/leads.json"
    query = {"filterType": "id", "filterValues": "100001,100002"}
    posted = api.post(url, data={"_method": "GET", **query})
    assert posted.status_code == 200
    assert posted.json()["success"] is True, posted.json()
    assert posted.json()["result"] == api.get(url, params=query).json()["result"]
    assert [lead["id"] for lead in posted.json()["result"]] == [100001, 100002]
    # The query-string form keeps working.
    in_url = api.post(url, params={"_method": "GET"}, data=query)
    assert in_url.json()["result"] == posted.json()["result"]
