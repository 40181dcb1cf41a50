"""Faults on demand, the stats endpoint, and Marketo's answers to malformed requests."""

import socket
import struct
import time

import pytest
import requests

from tests.sandbox.conftest import get_token, identity_answer


def code(response):
    return response.json()["errors"][0]["code"]


def test_the_next_3_calls_to_leads_json_answer_602(sandbox, api):
    requests.post(
        f"{sandbox.base_url}/_sandbox/faults",
        json={"path": "leads.json", "times": 3, "error": "602"},
        timeout=5,
    )
    url = f"{api.base}/v1/leads.json?filterType=id&filterValues=100001"
    assert [code(api.get(url)) for _ in range(3)] == ["602"] * 3
    assert api.get(url).json()["success"] is True
    assert sandbox.stats()["quota_used_today"] == 1  # 602 does not count


def test_http_502_and_a_dropped_connection(sandbox, api):
    sandbox.script_fault(http=502, times=1)
    sandbox.script_fault(drop=True, times=1)
    assert api.get(f"{api.base}/v1/activities/types.json").status_code == 502
    with pytest.raises(requests.ConnectionError):
        api.get(f"{api.base}/v1/activities/types.json")
    assert api.get(f"{api.base}/v1/activities/types.json").status_code == 200


def test_http_500_answers_an_internal_server_error_page(sandbox, api):
    # error-codes.md lists 500 "Internal Server error" beside 502.
    added = requests.post(
        f"{sandbox.base_url}/_sandbox/faults", json={"http": 500, "times": 1}, timeout=5
    )
    assert added.json()["added"][0]["status"] == 500
    answer = api.get(f"{api.base}/v1/activities/types.json")
    assert answer.status_code == 500
    assert "Internal Server Error" in answer.text
    assert api.get(f"{api.base}/v1/activities/types.json").status_code == 200
    # Only HTTP error statuses are faults.
    refused = requests.post(f"{sandbox.base_url}/_sandbox/faults", json={"http": 200}, timeout=5)
    assert refused.status_code == 400


def test_stats_json_counts_by_endpoint_user_and_code_and_reset_clears_them(sandbox, api):
    api.get(f"{api.base}/v1/lead/100001.json")
    api.get(f"{api.base}/v1/nope.json")
    stats = requests.get(f"{sandbox.base_url}/_sandbox/stats.json", timeout=5).json()
    assert stats["by_endpoint"]["GET /rest/v1/lead/{id}.json"] == 1
    assert stats["by_user"] == {"api@sandbox.example": 2}
    assert stats["by_code"]["610"] == 1
    assert stats["identity_calls"] == 1
    requests.post(f"{sandbox.base_url}/_sandbox/reset", timeout=5)
    assert requests.get(f"{sandbox.base_url}/_sandbox/stats.json", timeout=5).json()["calls"] == 0


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "expected"),
    [
        (
            "post",
            "/v1/leads.json",
            {"data": "{not json", "headers": {"Content-Type": "application/json"}},
            "609",
        ),
        ("post", "/v1/leads.json", {"data": "a=b"}, "612"),
        ("get", "/v1/no/such/thing.json", {}, "610"),
        ("get", "/v1/leads.json?filterValues=1", {}, "701"),
        ("get", "/v1/leads.json?filterType=firstName&filterValues=Ada", {}, "1011"),
        ("get", "/v1/leads.json?filterType=nope&filterValues=1", {}, "1006"),
        ("get", "/v1/leads.json?filterType=leadPartitionId&filterValues=1", {}, "1003"),
        ("get", "/v1/activities.json?activityTypeIds=1", {}, "701"),
        ("get", "/v1/activities/pagingtoken.json?sinceDatetime=yesterday", {}, "704"),
        ("delete", "/v1/leads/describe.json", {}, "605"),
        ("post", "/asset/v1/email/1/approveDraft.json", {}, "702"),
    ],
)
def test_malformed_requests_get_marketos_error(api, method, path, kwargs, expected):
    response = getattr(api, method)(f"{api.base}{path}", **kwargs)
    assert response.status_code == 200
    assert response.json()["success"] is False
    assert code(response) == expected


def test_more_than_300_filter_values_get_1003(api):
    values = ",".join(str(100001 + n) for n in range(301))
    response = api.post(
        f"{api.base}/v1/leads.json",
        params={"_method": "GET"},
        data={"filterType": "id", "filterValues": values},
    )
    assert code(response) == "1003"


def test_a_client_that_resets_its_connection_is_not_reported_as_an_error(sandbox, capfd):
    # As a worker that exits with an answer unread: its kernel resets the connection.
    host, port = sandbox.server.server_address[:2]
    for _ in range(5):
        with socket.create_connection((host, port), timeout=5) as client:
            client.sendall(b"GET /rest/v1/leads.json HTTP/1.1\r\nHost: sandbox\r\n\r\n")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.3)  # the handler threads meet the reset
    assert "Traceback" not in capfd.readouterr().err


def test_an_error_spike_hits_one_api_user_and_spares_the_others(sandbox, api):
    sandbox.script_fault(error="606", client_id=sandbox.client_id, times=2)
    other = requests.Session()
    other.headers["Authorization"] = "Bearer " + get_token(
        sandbox, client_id="sync-client", client_secret="sync-secret"
    )
    url = f"{sandbox.rest_url}/v1/leads.json"
    query = {"filterType": "id", "filterValues": "1"}
    assert other.get(url, params=query, timeout=5).json()["success"] is True
    for _ in range(2):
        assert api.get(url, params=query, timeout=5).json()["errors"][0]["code"] == "606"
    assert api.get(url, params=query, timeout=5).json()["success"] is True  # the spike ended


def test_identity_can_refuse_one_client_id_as_if_its_secret_were_wrong(sandbox):
    sandbox.script_fault(identity="refused", client_id="sync-client")
    refused = identity_answer(sandbox, client_id="sync-client", client_secret="sync-secret")
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "unauthorized",
        "error_description": "Bad client credentials",
    }
    assert identity_answer(sandbox).status_code == 200  # the other API user still signs in


@pytest.mark.parametrize("spec", [{"identity": "accepted"}, {"error": "606", "client_id": 7}])
def test_bad_per_client_faults_are_refused_with_the_reason(sandbox, spec):
    answer = requests.post(f"{sandbox.base_url}/_sandbox/faults", json=spec, timeout=5)
    assert answer.status_code == 400


def test_an_error_spike_of_another_integration_shows_in_the_statistics(sandbox, api):
    spike = {"user": "webinar@corp.example", "code": "606", "count": 40}
    answer = requests.post(f"{sandbox.base_url}/_sandbox/error-spike", json=spike, timeout=5)
    assert answer.status_code == 200 and answer.json()["counted"] is True
    requests.post(
        f"{sandbox.base_url}/_sandbox/error-spike",
        json={"user": "webinar@corp.example", "code": "601", "count": 5},
        timeout=5,
    )
    (day,) = api.get(f"{api.base}/v1/stats/errors.json").json()["result"]
    by_code = {row["errorCode"]: row["count"] for row in day["errors"]}
    assert (by_code["606"], by_code["601"]) == (40, 5)
    (usage,) = api.get(f"{api.base}/v1/stats/usage.json").json()["result"]
    by_user = {row["userId"]: row["count"] for row in usage["users"]}
    assert by_user["webinar@corp.example"] == 40  # 606 is counted, 601 is not


@pytest.mark.parametrize(
    "spike",
    [
        {"code": "606", "count": 4},
        {"user": "w@x", "code": "x", "count": 4},
        {"user": "w@x", "code": "606", "count": 0},
    ],
)
def test_a_bad_error_spike_is_refused_with_the_reason(sandbox, spike):
    answer = requests.post(f"{sandbox.base_url}/_sandbox/error-spike", json=spike, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]
