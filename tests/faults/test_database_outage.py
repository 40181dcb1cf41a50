"""The database becomes unreachable under a running web server: /healthz says so (503, with
the database named), the liveness probe still answers, and all is well again once it is
back."""

import time

import pytest
import requests
from django.db import connection

from tests.faults.conftest import report
from tests.processes import TcpProxy, wait_until

pytestmark = pytest.mark.fault


def _health(web) -> tuple[int, dict]:
    answer = requests.get(f"{web.url}/healthz", timeout=30)
    return answer.status_code, answer.json()


def test_with_the_database_unreachable_healthz_answers_503_and_recovers(deployment):
    settings = connection.settings_dict
    proxy = TcpProxy(settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))
    try:
        deployment.worker()  # on the database directly: its heartbeat keeps /healthz green
        through_proxy = deployment.env["DATABASE_URL"].replace(
            f":{settings['PORT'] or 5432}/", f":{proxy.port}/"
        )
        web = deployment.web(DATABASE_URL=through_proxy)
        wait_until(lambda: _health(web)[0] == 200, timeout=30, what="/healthz to be green")

        proxy.cut()
        cut_at = time.monotonic()
        status, body = _health(web)
        assert status == 503
        assert body["checks"]["database"] == {
            "ok": False,
            "error": "OperationalError",
            "ms": body["checks"]["database"]["ms"],
        }
        assert body["checks"]["broker"]["ok"] and body["checks"]["governor"]["ok"]
        detected = time.monotonic() - cut_at
        assert requests.get(f"{web.url}/healthz/live", timeout=10).status_code == 200

        proxy.restore()
        back_at = time.monotonic()
        wait_until(lambda: _health(web)[0] == 200, timeout=60, what="/healthz to recover")
        recovery = time.monotonic() - back_at
        assert web.process.alive
    finally:
        proxy.close()
    report(
        "4. database unreachable (/healthz)",
        recovery_seconds=recovery,
        data_lost="none",
        note=f"503 naming the database {detected:.1f} s after the cut; /healthz/live stayed 200",
    )
