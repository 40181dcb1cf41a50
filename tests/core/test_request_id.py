import logging
import os
import signal
import subprocess
import sys

import pytest
from django.db import connection
from django_guid import clear_guid, set_guid

from apps.core.tasks import worker_heartbeat_prune
from tests.conftest import ROOT, needs_shared_services, wait_for

PRUNE = "core.worker_heartbeat_prune"


@pytest.mark.django_db
def test_each_response_carries_a_request_id_that_its_log_lines_share(client, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    response = client.get("/api/v1/me/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.request_id == request_id


@pytest.mark.django_db
def test_a_well_formed_incoming_id_is_kept_and_a_strange_one_replaced(client):
    assert (
        client.get("/healthz/live", headers={"X-Request-ID": "lb-1234abcd"})["X-Request-ID"]
        == "lb-1234abcd"
    )
    replaced = client.get("/healthz/live", headers={"X-Request-ID": "<script>"})["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32


@pytest.fixture
def worker_log(transactional_db, tmp_path):
    """A real Celery worker in its own process, logging at INFO into the file it yields."""
    s = connection.settings_dict
    database_url = (
        f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "marketo_admin", "worker"),
                *("--pool=threads", "--concurrency=1", "--queues=interactive,background"),
                *("--without-mingle", "--without-gossip", "--hostname=request-id@%h"),
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.test",
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    yield log
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


def _task_lines(log, name):
    return [line for line in log.read_text().splitlines() if f"{name}[" in line]


@needs_shared_services
def test_a_task_logs_with_the_id_of_the_request_that_queued_it(worker_log):
    set_guid("req-1234abcd")  # what the middleware does while a request is served
    worker_heartbeat_prune.delay()
    clear_guid()
    worker_heartbeat_prune.delay()  # from no request: beat, a command

    def both_done():
        return len([x for x in _task_lines(worker_log, PRUNE) if "succeeded" in x]) == 2

    assert wait_for(both_done), worker_log.read_text()
    first, second = [x for x in _task_lines(worker_log, PRUNE) if "succeeded" in x]
    assert "[req-1234abcd]" in first
    assert "[req-1234abcd]" not in second and "[-]" not in second
