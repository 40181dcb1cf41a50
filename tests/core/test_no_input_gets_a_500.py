"""Issue 12, row 7: the inputs that answered 500. Each is now a 400 that says what is wrong,
in the API's `{"detail", "code"}` body under /api/ and on the error page elsewhere."""

import json

import pytest

from tests.factories import make_instance

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 5000 + "]" * 5000


@pytest.fixture
def instance(db):
    return make_instance("Production")


def _api(client, method, path, body=None):
    data = body if body is None or isinstance(body, str) else json.dumps(body)
    return client.generic(method, path, data or "", content_type="application/json")


CASES = {
    "JSON nested 5,000 deep": lambda c, i: _api(c, "PATCH", "/api/v1/me/", DEEP_JSON),
    "a JSON array posted to the instances": lambda c, i: _api(c, "POST", "/api/v1/instances/", [1]),
    "a JSON string patched onto an instance": lambda c, i: _api(
        c, "PATCH", f"/api/v1/instances/{i.pk}/", '"x"'
    ),
    "end=0001-01-01 on the usage API": lambda c, i: c.get(
        f"/api/v1/instances/{i.pk}/usage/?end=0001-01-01"
    ),
    "end=0001-01-01 on the errors API": lambda c, i: c.get(
        f"/api/v1/instances/{i.pk}/errors/?end=0001-01-01"
    ),
    "end=0001-01-01 on the calls API": lambda c, i: c.get(
        f"/api/v1/instances/{i.pk}/calls/?end=0001-01-01"
    ),
    "a NUL in lookup values (API)": lambda c, i: _api(
        c, "POST", f"/api/v1/instances/{i.pk}/lead-lookups/", {"values": ["a\x00@example.com"]}
    ),
    "a NUL in lookup values (paste box)": lambda c, i: c.post(
        "/leads/lookups/", {"field": "email", "values": "a@example.com\nb\x00@example.com"}
    ),
    "a NUL in a grant's user": lambda c, i: _api(
        c, "POST", f"/api/v1/instances/{i.pk}/grants/", {"user": "\x00", "role": "viewer"}
    ),
    "a NUL in a usage page's path": lambda c, i: c.get(f"/usage/instances/{i.pk}/users/%00/"),
    "a NUL in a grant's path": lambda c, i: c.delete(f"/api/v1/instances/{i.pk}/grants/%00/"),
    "instance=abc to the switcher": lambda c, i: c.post("/instances/switch/", {"instance": "abc"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_input_that_gave_a_500_is_a_400_that_says_why(case, client_for, admin_user, instance):
    client = client_for(admin_user)
    response = CASES[case](client, instance)
    assert response.status_code == 400
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        assert isinstance(body["detail"], str) and body["detail"]
        assert isinstance(body["code"], str) and body["code"]
    else:
        assert b"Bad request" in response.content
