"""The User Management reads (apps/marketo/users.py) against the sandbox over real HTTP: no
/rest prefix, no {success, result} envelope, paging by pageOffset, the 403 of a role that
lacks the permissions, every call through the governor and into the ledger."""

import pytest
import requests

from apps.marketo import users
from apps.marketo.errors import AccessDenied, TokenInvalid
from tests.sandbox.conftest import get_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(sandbox):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {get_token(sandbox)}"
    yield session
    session.close()


def test_all_users_reads_every_page_and_ledgers_each_call(make_client):
    client = make_client()
    pages = list(users.all_users_pages(client, page_size=20))
    records = [user for page, _ in pages for user in page]
    assert [len(page) for page, _ in pages] == [20, 10]
    assert pages[-1][1] == len(records) == 30
    assert {"api@sandbox.example", "sync@sandbox.example", "crm-sync@corp.example"} <= {
        user["userid"] for user in records if user["apiOnly"]
    }
    assert any(not user["apiOnly"] for user in records)
    assert [row.endpoint for row in client.ledger_rows] == [users.USERS_PATH] * 2
    assert all(row.http_status == 200 and row.code == "" for row in client.ledger_rows)


def test_a_full_last_page_is_followed_by_one_empty_page(make_client):
    client = make_client()
    pages = [page for page, _ in users.all_users_pages(client, page_size=15)]
    assert [len(page) for page in pages] == [15, 15, 0]


def test_paging_resumes_from_an_offset(make_client):
    client = make_client()
    every = users.all_users(client)
    rest = [user for page, _ in users.all_users_pages(client, offset=25) for user in page]
    assert rest == every[25:]


def test_roles_workspaces_and_a_user_s_roles(make_client):
    client = make_client()
    names = {role["name"] for role in users.roles(client)}
    assert {"Admin", "Standard User", "API Integration"} <= names
    assert "World" in {space["name"] for space in users.workspaces(client)}
    pairs = users.user_roles(client, "api@sandbox.example")
    assert pairs == [
        {
            "accessRoleId": 101,
            "accessRoleName": "API Integration",
            "workspaceId": 0,
            "workspaceName": "AllZones",
        }
    ]
    # The ledger groups every user's roles under one endpoint.
    assert client.ledger_rows[-1].endpoint == "/userservice/management/v1/users/{userid}/roles.json"


def test_the_answers_have_no_envelope_on_the_wire(sandbox, api):
    base = sandbox.rest_url.removesuffix("/rest")
    body = api.get(f"{base}{users.USERS_PATH}").json()
    assert isinstance(body, list) and len(body) == 20  # the documented default page size
    assert "success" not in body[0]


@pytest.mark.parametrize(
    "permissions",
    [["Access Users"], ["Access User Management Api"], ["Read-Only Lead"]],
)
def test_a_role_without_both_permissions_is_refused_with_403(sandbox, make_client, permissions):
    sandbox.set_role(sandbox.client_id, permissions)
    client = make_client()
    with pytest.raises(AccessDenied) as refused:
        users.all_users(client)
    assert refused.value.code == "603"
    (row,) = client.ledger_rows
    assert (row.http_status, row.code) == (403, "603")


def test_the_refusal_on_the_wire_is_a_403_with_the_errors_array(sandbox, api):
    sandbox.set_role(sandbox.client_id, ["Access Users"])
    base = sandbox.rest_url.removesuffix("/rest")
    answer = api.get(f"{base}{users.ROLES_PATH}")
    assert answer.status_code == 403
    assert answer.json() == {"errors": [{"code": "603", "message": "Access denied"}]}


def test_no_token_is_a_401(sandbox):
    base = sandbox.rest_url.removesuffix("/rest")
    answer = requests.get(f"{base}{users.USERS_PATH}", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["code"] == "601"


def test_an_unknown_user_s_roles_are_not_found(make_client):
    from apps.marketo.errors import MarketoError

    with pytest.raises(MarketoError) as failed:
        users.user_roles(make_client(), "nobody@corp.example")
    assert failed.value.code == "610"
    assert not isinstance(failed.value, TokenInvalid)
