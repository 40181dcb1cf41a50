"""The API user's role: a call its role does not allow answers 603 (apps/sandbox/roles.py)."""

import requests

from apps.sandbox.roles import EVERY_PERMISSION, required_permissions
from tests.sandbox.conftest import get_token


def code(response):
    body = response.json()
    return body["errors"][0]["code"] if not body.get("success", True) else "ok"


def test_routes_need_the_permissions_the_swagger_files_name():
    assert required_permissions("GET", "/rest/v1/activities/types.json") == (
        "Read-Only Activity",
        "Read-Write Activity",
    )
    assert required_permissions("GET", "/rest/v1/leads/describe2.json")[0] == "Read-Only Lead"
    assert required_permissions("POST", "/rest/v1/leads.json") == ("Read-Write Lead",)
    assert required_permissions("GET", "/rest/v1/leads/{id}/listMembership.json") == (
        "Read-Only Asset",
    )
    assert required_permissions("POST", "/rest/asset/v1/email/{id}/approveDraft.json") == (
        "Approve Assets",
    )
    assert required_permissions("GET", "/rest/v1/stats/usage.json") == ()


def test_a_role_without_read_only_activity_is_refused_activities_only(sandbox, api):
    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/roles",
        json={"client_id": sandbox.client_id, "permissions": ["Read-Only Lead"]},
        timeout=5,
    )
    assert answer.json()["roles"][sandbox.client_id] == ["Read-Only Lead"]
    refused = api.get(f"{api.base}/v1/activities/types.json")
    assert refused.json()["errors"] == [{"code": "603", "message": "Access denied"}]
    assert code(api.get(f"{api.base}/v1/leads/describe2.json")) == "ok"
    assert code(api.get(f"{api.base}/v1/stats/usage.json")) == "ok"
    assert code(api.get(f"{api.base}/asset/v1/folders.json")) == "603"


def test_read_write_activity_is_enough_and_a_full_reset_restores_the_role(sandbox, api):
    sandbox.set_role(sandbox.client_id, ["Read-Write Activity"])
    assert code(api.get(f"{api.base}/v1/activities/types.json")) == "ok"
    sandbox.set_role(sandbox.client_id, [])
    assert code(api.get(f"{api.base}/v1/activities/types.json")) == "603"
    sandbox.reset()  # everything, tokens included
    assert sandbox.stats()["roles"][sandbox.client_id] == sorted(EVERY_PERMISSION)
    api.headers["Authorization"] = f"Bearer {get_token(sandbox)}"
    assert code(api.get(f"{api.base}/v1/activities/types.json")) == "ok"


def test_an_unknown_api_user_is_a_clear_400(sandbox):
    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/roles",
        json={"client_id": "nobody", "permissions": []},
        timeout=5,
    )
    assert answer.status_code == 400
    assert "nobody" in answer.json()["error"]
