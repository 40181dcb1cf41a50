"""The services the suite runs on: PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).

REQUIRE_SERVICES=1 (.ci/run sets it) makes both mandatory: a run without them is a session
error before any test runs, and a run in which any test skipped fails, so a CI that lost a
service can never go green on skips. Without the switch a developer may run the suite on the
embedded setup (SQLite, no Redis); the tests that need a shared service then skip.

Under pytest-xdist (`-n 2`) each worker runs a redis-server of its own on a free port: the
tests flush their Redis (tests/conftest.py), so two workers cannot share one database, and a
private server keeps a run apart from any other run on the machine. The worker's database is
pytest-django's test database with the worker's suffix (test_<name>_gw0, ...).

This module is loaded with `-p` (pyproject.toml), before Django reads its settings, because
REDIS_URL must name the worker's own server by then.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

REQUIRED = os.environ.get("REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_private_redis: dict = {}


def service_missing(reason: str) -> None:
    """Skip the test for a missing service, or fail it when the run requires the services."""
    if REQUIRED:
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set: a missing service fails, never skips)")
    pytest.skip(reason)


def shared_services_missing() -> str:
    """Why processes beside a test cannot share its state, or "" when they can."""
    from django.db import connection

    if not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set"
    if connection.vendor != "postgresql":
        return "DATABASE_URL does not name PostgreSQL"
    return ""


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Before pytest-django imports the settings, which read REDIS_URL.
    if WORKER and os.environ.get("REDIS_URL"):
        _start_private_redis()
    return (yield)


def _start_private_redis() -> None:
    program = shutil.which("redis-server")
    if program is None:
        raise pytest.UsageError("pytest -n gives each worker a redis-server: none is installed")
    directory = tempfile.mkdtemp(prefix=f"marketo-admin-redis-{WORKER}-")
    port = _free_port()
    process = subprocess.Popen(
        [
            *(program, "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise pytest.UsageError(f"the redis-server of worker {WORKER} did not start")
        time.sleep(0.02)
    given = os.environ["REDIS_URL"]
    os.environ["REDIS_URL"] = url
    # Unset, GOVERNOR_REDIS_URL follows REDIS_URL (and must stay unset: some tests check
    # what the settings make of the variables a process has).
    if os.environ.get("GOVERNOR_REDIS_URL") == given:
        os.environ["GOVERNOR_REDIS_URL"] = url
    _private_redis.update(process=process, directory=directory)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=0.2) as client:
            return client.ping()
    except redis.RedisError:
        return False


def pytest_unconfigure(config):
    process = _private_redis.pop("process", None)
    if process is not None:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(_private_redis.pop("directory"), ignore_errors=True)


def pytest_sessionstart(session):
    if REQUIRED:
        problems = _unavailable_services(session.config)
        if problems:
            raise pytest.UsageError(
                "REQUIRE_SERVICES is set and the suite's services are not there: "
                + "; ".join(problems)
            )


def _unavailable_services(config) -> list[str]:
    import redis
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL does not name PostgreSQL")
    else:
        try:
            with config.stash[blocking_manager_key].unblock():
                connection.ensure_connection()
                connection.close()
        except Exception as exc:  # any failure to connect is the finding
            problems.append(f"PostgreSQL does not answer ({exc})")
    url = os.environ.get("REDIS_URL")
    if not url:
        problems.append("REDIS_URL is not set")
    else:
        try:
            with redis.Redis.from_url(url, socket_connect_timeout=2) as client:
                client.ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at REDIS_URL does not answer ({exc})")
    return problems


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    # An expected failure (xfail) is reported as skipped, but it ran: it is a known
    # difference waiting for its fix (strict, so it fails once fixed), not a lost service.
    if REQUIRED and report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if REQUIRED and _skipped and not WORKER:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if REQUIRED and _skipped and not WORKER:
        terminalreporter.write_sep("=", "skipped under REQUIRE_SERVICES: the run fails", red=True)
        for nodeid in _skipped:
            terminalreporter.write_line(nodeid)
