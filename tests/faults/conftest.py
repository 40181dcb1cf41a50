"""The fault suite: a deployment of the test's own (a private Redis, Celery workers and beat,
gunicorn) on the test's PostgreSQL database, broken on purpose while it works.

The processes run with short job thresholds (heartbeat 2 s, stale after 10 s, a sweep every
5 s) so that the suite stays short; tests/core/test_jobs.py checks that the production
defaults (10 s, 60 s, 30 s) resume a killed worker's job within two minutes, and
FAULT_PRODUCTION_THRESHOLDS=1 runs the suite with them. Each scenario records its recovery
time, and the session ends with the table.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from apps.core import jobs
from apps.core.models import WorkerHeartbeat
from marketo_admin.celery import app as celery_app
from tests.plugins.fault_report import report  # noqa: F401 - the scenarios' table
from tests.processes import (
    PrivateRedis,
    Process,
    Web,
    celery_beat,
    celery_worker,
    project_env,
    wait_until,
)

FAULT_JOB_SETTINGS = (
    {}
    if os.environ.get("FAULT_PRODUCTION_THRESHOLDS")
    else {"JOB_HEARTBEAT_SECONDS": 2, "JOB_STALE_SECONDS": 10, "JOB_SWEEP_SECONDS": 5}
)


@dataclass
class Deployment:
    redis: PrivateRedis
    log_dir: Path
    settings: dict
    processes: list[Process] = field(default_factory=list)
    webs: list[Web] = field(default_factory=list)

    @property
    def thresholds(self) -> str:
        stale = self.settings.get("JOB_STALE_SECONDS", django_settings.JOB_STALE_SECONDS)
        sweep = self.settings.get("JOB_SWEEP_SECONDS", django_settings.JOB_SWEEP_SECONDS)
        return f"stale after {stale} s, sweep every {sweep} s"

    @property
    def env(self) -> dict:
        return project_env(redis_url=self.redis.url, **self.settings)

    def worker(self, name: str = "worker", *, wait: bool = True) -> Process:
        worker = celery_worker(name, env=self.env, log_dir=self.log_dir)
        self.processes.append(worker)
        if wait:
            self.wait_for_worker(worker)
        return worker

    def wait_for_worker(self, worker: Process) -> None:
        def ready():
            if not worker.alive:
                raise AssertionError(f"{worker.name} exited:\n{worker.log()[-3000:]}")
            return WorkerHeartbeat.objects.filter(hostname__startswith=f"{worker.name}@").exists()

        wait_until(ready, timeout=90, what=f"{worker.name} to start")

    def beat(self) -> Process:
        beat = celery_beat(env=self.env, log_dir=self.log_dir)
        self.processes.append(beat)
        return beat

    def web(self, **env) -> Web:
        web = Web(env={**self.env, **env}, log_dir=self.log_dir)
        self.webs.append(web)
        return web

    def publish(self, model, pk, *, countdown=None) -> bool:
        """What jobs.job_publish does, on this deployment's broker (the test process's own
        Celery app is configured for the shared Redis of the rest of the suite)."""
        task = import_string(model.job_task)
        with celery_app.connection_for_write(self.redis.url) as connection:
            task.apply_async(args=[pk], countdown=countdown, connection=connection)
        return True

    def logs(self) -> str:
        return "\n".join(
            f"--- {process.name} ---\n{process.log()[-4000:]}"
            for process in [*self.processes, *(web.process for web in self.webs)]
        )

    def stop(self) -> None:
        for web in self.webs:
            web.stop()
        for process in reversed(self.processes):
            process.stop()
        self.redis.stop()


@pytest.fixture
def deployment(tmp_path, transactional_db, role_groups, monkeypatch):
    server = PrivateRedis(tmp_path)
    server.start()
    running = Deployment(server, tmp_path, dict(FAULT_JOB_SETTINGS))
    # Jobs this process starts are sent to the deployment's broker.
    monkeypatch.setattr(jobs, "job_publish", running.publish)
    yield running
    running.stop()
