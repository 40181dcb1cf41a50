"""Identity and authentication of calls (authentication.md)."""

import requests

from tests.sandbox.conftest import get_token


def token_url(sandbox):
    return f"{sandbox.identity_url}/oauth/token"


def test_get_and_post_return_a_bearer_token_scoped_to_the_api_user(sandbox):
    params = {
        "grant_type": "client_credentials",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
    }
    by_get = requests.get(token_url(sandbox), params=params, timeout=5)
    by_post = requests.post(token_url(sandbox), data=params, timeout=5)
    assert by_get.status_code == by_post.status_code == 200
    body = by_get.json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "api@sandbox.example"
    assert 3590 <= body["expires_in"] <= 3600
    assert by_post.json()["access_token"] == body["access_token"]


def test_asking_again_returns_the_same_token_with_a_smaller_expires_in(sandbox):
    params = {
        "grant_type": "client_credentials",
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
    }
    first = requests.get(token_url(sandbox), params=params, timeout=5).json()
    sandbox.advance_clock(600)
    second = requests.get(token_url(sandbox), params=params, timeout=5).json()
    assert second["access_token"] == first["access_token"]
    assert second["expires_in"] <= first["expires_in"] - 600


def test_each_launchpoint_service_has_its_own_token_and_scope(sandbox):
    other = requests.get(
        token_url(sandbox),
        params={
            "grant_type": "client_credentials",
            "client_id": "sync-client",
            "client_secret": "sync-secret",
        },
        timeout=5,
    ).json()
    assert other["scope"] == "sync@sandbox.example"
    assert other["access_token"] != get_token(sandbox)


def test_wrong_secret_gets_http_401_with_an_oauth_error(sandbox):
    response = requests.get(
        token_url(sandbox),
        params={
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": "wrong",
        },
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_missing_or_unknown_token_gets_601_and_expired_gets_602(sandbox):
    url = f"{sandbox.rest_url}/v1/activities/types.json"
    missing = requests.get(url, timeout=5)
    unknown = requests.get(url, headers={"Authorization": "Bearer nope:sb"}, timeout=5)
    assert missing.status_code == unknown.status_code == 200
    assert missing.json()["errors"][0]["code"] == "601"
    assert unknown.json()["errors"][0]["code"] == "601"
    token = get_token(sandbox)
    sandbox.advance_clock(3601)
    expired = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert expired.json() == {
        "requestId": expired.json()["requestId"],
        "success": False,
        "errors": [{"code": "602", "message": "Access token expired"}],
    }
    assert get_token(sandbox) != token


def test_the_access_token_parameter_is_no_longer_a_token(sandbox):
    # help/rest-api/authentication.md: support for the access_token query parameter was
    # removed on 31 August 2026; every call carries its token in the Authorization header.
    token = get_token(sandbox)
    url = f"{sandbox.rest_url}/v1/activities/types.json"
    for sent in (
        requests.get(url, params={"access_token": token}, timeout=5),
        requests.post(url, data={"access_token": token, "_method": "GET"}, timeout=5),
    ):
        assert sent.status_code == 200
        assert sent.json()["success"] is False
        assert sent.json()["errors"] == [{"code": "601", "message": "Access token not specified"}]
    by_header = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert by_header.json()["success"] is True
    assert sandbox.stats()["query_token_calls"] == 2  # who still sends it shows in the stats
    assert sandbox.stats()["identity_calls"] == 1
