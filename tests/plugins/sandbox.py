"""The `sandbox` fixture: a running Marketo sandbox for tests (see apps/sandbox).

One instance per test session, in-process on a free port, with a small seed; each test
gets it back fully reset (counters, limits, faults, clock, tokens, data). Talk to it over
real HTTP: `sandbox.identity_url`, `sandbox.rest_url`, `sandbox.client_id`, ...
"""

import pytest

from apps.sandbox import ApiUser, start_sandbox

SANDBOX_USERS = [
    ApiUser("sandbox-client", "sandbox-secret", "api@sandbox.example"),
    ApiUser("sync-client", "sync-secret", "sync@sandbox.example"),
]


@pytest.fixture(scope="session")
def _sandbox_session():
    handle = start_sandbox(port=0, api_users=SANDBOX_USERS, seed=42, leads=2000)
    yield handle
    handle.stop()


@pytest.fixture
def sandbox(_sandbox_session):
    _sandbox_session.reset()
    yield _sandbox_session
    _sandbox_session.reset()
