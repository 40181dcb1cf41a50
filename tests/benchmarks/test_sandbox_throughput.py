"""Sandbox throughput and memory (issue 4): run with
`.venv/bin/python -m pytest tests/benchmarks -o addopts="" -s`. Targets: >= 200 req/s for a
300-value lead lookup and an asset page with latency off; < 300 MB for 100,000 leads."""

import resource
import subprocess
import sys
import time

import requests

from apps.sandbox import start_sandbox

SECONDS = 5


def _rate(session, url, **kwargs) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        response = session.request(url=url, **kwargs)
        assert response.status_code == 200 and response.json()["success"]
        count += 1
    return count / (time.perf_counter() - started)


def test_sandbox_requests_per_second():
    with start_sandbox(leads=20_000, rate_limit=(10**9, 20), daily_quota=10**9) as sandbox:
        session = requests.Session()
        token = session.get(
            f"{sandbox.identity_url}/oauth/token",
            params={
                "grant_type": "client_credentials",
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
            },
        ).json()["access_token"]
        session.headers["Authorization"] = f"Bearer {token}"
        values = ",".join(str(100_001 + n * 7) for n in range(300))
        leads = _rate(
            session,
            f"{sandbox.rest_url}/v1/leads.json",
            method="POST",
            params={"_method": "GET"},
            data={"filterType": "id", "filterValues": values},
        )
        assets = _rate(
            session,
            f"{sandbox.rest_url}/asset/v1/emails.json",
            method="GET",
            params={"maxReturn": 200},
        )
    print(
        f"\nsandbox: 300-value lead lookup {leads:.0f} req/s; asset page (200) {assets:.0f} "
        "req/s (client and server on one machine)"
    )
    assert leads >= 200 and assets >= 200


MEMORY_SCRIPT = """
import resource
from apps.sandbox.instance import Instance
from apps.sandbox.config import ApiUser, SandboxConfig
instance = Instance(SandboxConfig(api_users=[ApiUser("a", "b", "c@d")], leads=100_000))
instance.leads.find("email", ["x"])  # build one index too
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_sandbox_memory_for_100000_leads():
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True, check=True
    ).stdout
    megabytes = int(output.strip()) / 1024
    print(
        f"\nsandbox: 100,000 seeded leads -> peak RSS {megabytes:.0f} MB "
        f"(seeded in {time.perf_counter() - started:.1f} s)"
    )
    assert megabytes < 300
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
