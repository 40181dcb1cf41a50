"""Plain `requests` calls copied from the examples in Marketo's docs (URL and parameters),
so that the sandbox is not only tested by the client that will use it."""

from datetime import datetime, timedelta

import requests


def test_leads_md_get_leads_by_filter_type_id(sandbox, api):
    # leads.md: GET /rest/v1/leads.json?filterType=id&filterValues=318581,318592
    body = api.get(
        f"{sandbox.base_url}/rest/v1/leads.json?filterType=id&filterValues=100001,100002"
    ).json()
    assert body["success"] is True
    assert [lead["id"] for lead in body["result"]] == [100001, 100002]
    assert set(body["result"][0]) <= {
        "id",
        "updatedAt",
        "lastName",
        "email",
        "createdAt",
        "firstName",
    }


def test_rest_api_md_first_call_by_email(sandbox, api):
    # rest-api.md: <Endpoint>/rest/v1/leads.json?&filterType=email&filterValues=<email>
    email = api.get(f"{sandbox.rest_url}/v1/lead/100010.json").json()["result"][0]["email"]
    body = api.get(
        f"{sandbox.base_url}/rest/v1/leads.json?&filterType=email&filterValues={email}"
    ).json()
    assert body["result"][0]["id"] == 100010


def test_paging_tokens_md_since_datetime_then_activities(sandbox, api):
    # paging-tokens.md: pagingtoken.json?sinceDatetime=2014-10-06T13:22:17-08:00, then
    # activities.json?nextPageToken=...&activityTypeIds=1&activityTypeIds=12
    token = api.get(
        f"{sandbox.base_url}/rest/v1/activities/pagingtoken.json"
        "?sinceDatetime=2014-10-06T13:22:17-08:00"
    ).json()["nextPageToken"]
    body = api.get(
        f"{sandbox.base_url}/rest/v1/activities.json?nextPageToken={token}"
        "&activityTypeIds=1&activityTypeIds=12"
    ).json()
    assert body["success"] and body["nextPageToken"]
    assert {row["activityTypeId"] for row in body["result"]} <= {1, 12}
    # activities.md, "Query": "fewer than 300 activity items while setting moreResult to
    # true": a page holds one week of the log from the token's position.
    assert 0 < len(body["result"]) < 300 and body["moreResult"] is True
    dates = [row["activityDate"] for row in body["result"]]
    first, last = (datetime.fromisoformat(dates[i]) for i in (0, -1))
    assert dates == sorted(dates) and last - first <= timedelta(days=7)


def test_folders_md_browse_with_root(sandbox, api):
    # folders.md: GET /rest/asset/v1/folders.json?root={"id":14,"type":"Folder"}
    root = api.get(
        f"{sandbox.base_url}/rest/asset/v1/folder/byName.json?name=Marketing Activities"
    ).json()["result"][0]["id"]
    body = api.get(
        f'{sandbox.base_url}/rest/asset/v1/folders.json?root={{"id":{root},"type":"Folder"}}'
    ).json()
    assert body["result"][0]["name"] == "Marketing Activities"
    assert body["result"][0]["folderType"] == "Zone"


def test_emails_md_browse_by_folder_with_max_return(sandbox, api):
    # emails.md: GET /rest/asset/v1/emails.json?maxReturn=3&folder={"id":341,"type":"Folder"}
    any_email = api.get(f"{sandbox.rest_url}/asset/v1/emails.json").json()["result"][0]
    folder = any_email["folder"]
    body = api.get(
        f"{sandbox.base_url}/rest/asset/v1/emails.json?maxReturn=3&folder="
        f'{{"id":{folder["value"]},"type":"{folder["type"]}"}}'
    ).json()
    assert 1 <= len(body["result"]) <= 3
    assert all(email["folder"]["value"] == folder["value"] for email in body["result"])


def test_usage_md_daily_usage_counts_this_user(sandbox, api):
    # usage.md: GET /rest/v1/stats/usage.json (the call itself is counted after it answers)
    api.get(f"{sandbox.rest_url}/v1/activities/types.json")
    body = api.get(f"{sandbox.base_url}/rest/v1/stats/usage.json").json()
    day = body["result"][0]
    assert day["users"] == [{"userId": "api@sandbox.example", "count": 1}]
    week = api.get(f"{sandbox.base_url}/rest/v1/stats/usage/last7days.json").json()["result"]
    assert len(week) == 7
    assert {"crm-sync@corp.example"} & {u["userId"] for d in week for u in d["users"]}


def test_authentication_md_identity_example(sandbox):
    # authentication.md: GET <Identity URL>/oauth/token?grant_type=client_credentials&...
    body = requests.get(
        f"{sandbox.identity_url}/oauth/token?grant_type=client_credentials"
        f"&client_id={sandbox.client_id}&client_secret={sandbox.client_secret}",
        timeout=5,
    ).json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
