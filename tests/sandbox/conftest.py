import pytest
import requests


def identity_answer(sandbox, client_id=None, client_secret=None) -> requests.Response:
    """The sandbox's identity endpoint asked as authentication.md shows it: a GET with the
    credentials in the query string."""
    return requests.get(
        f"{sandbox.identity_url}/oauth/token",
        params={
            "grant_type": "client_credentials",
            "client_id": client_id or sandbox.client_id,
            "client_secret": client_secret or sandbox.client_secret,
        },
        timeout=5,
    )


def get_token(sandbox, client_id=None, client_secret=None) -> str:
    response = identity_answer(sandbox, client_id, client_secret)
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture
def api(sandbox):
    """A requests.Session that sends the sandbox's token in the Authorization header."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {get_token(sandbox)}"
    session.base = sandbox.rest_url
    yield session
    session.close()
