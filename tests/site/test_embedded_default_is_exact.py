"""`make run` as a new user runs it: web, worker, beat and the demo sandbox as separate
processes on SQLite, with no Redis. Every figure the product shows about today's calls must
agree with what the (simulated) Marketo counted, however many processes made the calls."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from apps.site.demo import DEMO_API_USER

ROOT = Path(__file__).resolve().parents[2]
EMAILS_IN_A_BATCH = 700  # 300 values a call: 3 calls from the worker


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _until(predicate, *, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout} s waiting for {predicate.__name__}")


@pytest.fixture
def embedded(tmp_path):
    """A running `make run` of its own: its var/ folder, ports, SQLite database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.local",
        "MARKETO_ADMIN_VAR_DIR": str(tmp_path / "var"),
        "SANDBOX_PORT": str(_free_port()),
        "PORT": str(_free_port()),
        "PYTHONUNBUFFERED": "1",
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout

    manage("migrate", "--no-input")
    password = re.search(r"password:\s+(\S+)", manage("seed_demo")).group(1)
    api_key = manage("create_api_token", "admin").strip()
    log = (tmp_path / "run.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_embedded", "--port", env["PORT"]],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        _until(lambda: "running at" in (tmp_path / "run.log").read_text(), timeout=90)
        api = requests.Session()
        api.headers["Authorization"] = f"Token {api_key}"
        yield {
            "base": base,
            "api": api,
            "password": password,
            "sandbox": f"http://127.0.0.1:{env['SANDBOX_PORT']}",
            "log": tmp_path / "run.log",
        }
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _sandbox_calls(embedded) -> int:
    stats = requests.get(f"{embedded['sandbox']}/_sandbox/stats.json", timeout=5).json()
    return stats["by_user"].get(DEMO_API_USER, 0)


def _quiet(embedded, instance_id):
    """Wait until nothing is in flight and the sandbox's count has stood still for 3 s (the
    demo's first asset sync and usage back-fill run when the worker starts)."""
    last = [None, time.monotonic()]

    def settled():
        calls = _sandbox_calls(embedded)
        governor = _quota(embedded, instance_id)["governor"]
        if calls != last[0] or governor["in_flight"]:
            last[:] = [calls, time.monotonic()]
            return False
        return time.monotonic() - last[1] >= 3

    _until(settled, timeout=240)


def _quota(embedded, instance_id) -> dict:
    url = f"{embedded['base']}/api/v1/instances/{instance_id}/quota/"
    return embedded["api"].get(url, timeout=10).json()


def _ledger_calls_today(embedded, instance_id) -> int:
    url = f"{embedded['base']}/api/v1/instances/{instance_id}/calls/"
    report = embedded["api"].get(url, params={"group_by": "feature"}, timeout=10).json()
    return sum(row["calls"] for row in report["results"])


def _signed_in_page(embedded, path) -> str:
    browser = requests.Session()
    login = f"{embedded['base']}/accounts/login/"
    form = browser.get(login, timeout=10).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    browser.post(
        login,
        data={"username": "admin", "password": embedded["password"], "csrfmiddlewaretoken": token},
        headers={"Referer": login},
        timeout=10,
    )
    return browser.get(f"{embedded['base']}{path}", timeout=10).text


def test_every_count_of_todays_calls_agrees_with_marketos_across_the_processes(embedded):
    api, base = embedded["api"], embedded["base"]
    (instance,) = api.get(f"{base}/api/v1/instances/", timeout=10).json()["results"]
    _quiet(embedded, instance["id"])

    # Single lookups: made by the web process, while the worker is idle.
    for n in range(5):
        found = api.get(
            f"{base}/api/v1/instances/{instance['id']}/leads/",
            params={"filterType": "email", "filterValues": f"nobody-{n}@example.com"},
            timeout=30,
        )
        assert found.status_code == 200, found.text
    # A batch lookup: made by the worker process.
    started = api.post(
        f"{base}/api/v1/instances/{instance['id']}/lead-lookups/",
        json={"field": "email", "values": [f"v{n}@example.com" for n in range(EMAILS_IN_A_BATCH)]},
        timeout=30,
    )
    assert started.status_code == 202, started.text
    lookup_url = started.json()["url"]

    def lookup_done():
        return api.get(lookup_url, timeout=10).json()["status"] in {"done", "failed"}

    _until(lookup_done, timeout=120)
    assert api.get(lookup_url, timeout=10).json()["status"] == "done"
    marketo, quota, ledger, counted, home = _figures_at_one_moment(embedded, instance["id"])
    assert marketo >= 5 + 3  # the lookups, after whatever the demo's first syncs made
    assert quota["governor"]["daily_used"] == marketo
    assert ledger == marketo
    assert quota["product_share_left"] == quota["product_budget"] - marketo  # the cost check
    # Nothing is in flight; the window holds at most what was called in the last 20 s.
    assert quota["governor"]["in_flight"] == 0
    assert quota["governor"]["in_window"] <= marketo
    assert counted == marketo
    # The home page's card says the same: our calls from the ledger, the governor's now.
    assert home["our-calls"] == marketo
    assert home["in-flight"] == 0
    assert home["in-window"] <= marketo


def _figures_at_one_moment(embedded, instance_id):
    """Marketo's count and each of ours, read while no call was made: beat's schedules
    (a usage sync, say) may call Marketo at any moment, and a figure read before such a call
    cannot be compared with one read after it."""
    for _ in range(5):
        _quiet(embedded, instance_id)
        before = _sandbox_calls(embedded)
        quota = _quota(embedded, instance_id)
        ledger = _ledger_calls_today(embedded, instance_id)
        page = _signed_in_page(embedded, f"/usage/instances/{instance_id}/")
        counted = re.search(r'data-testid="counted-today">([\d,]+)', page).group(1)
        home = _home_card(_signed_in_page(embedded, "/"))
        if _sandbox_calls(embedded) == before:
            return before, quota, ledger, int(counted.replace(",", "")), home
    raise AssertionError("Marketo was called during every reading of the figures")


def _home_card(page: str) -> dict:
    """The home page card's figures: our calls today (the ledger) and the calls in flight and
    in the last 20 s (the governor, here its SQLite file shared by the processes)."""

    def figure(test_id: str) -> int:
        found = re.search(rf'data-testid="{test_id}">(?:<strong>)?([\d,]+)', page)
        assert found, f"no {test_id} on the home page"
        return int(found.group(1).replace(",", ""))

    return {name: figure(name) for name in ("our-calls", "in-flight", "in-window")}
