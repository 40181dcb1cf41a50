"""The pieces of a deployment, as processes a test owns: a Redis server it may stop and
start, Celery workers and beat, a gunicorn web server, and a TCP proxy it may cut.

Each runs with the test settings on the test database (PostgreSQL: workers elsewhere must see
what the test commits) and on whatever Redis the test gives it. Nothing here skips: a
missing program or service is an error, so a test that needs one fails where it is absent.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "it") -> float:
    """Seconds it took for `predicate()` to hold; AssertionError after `timeout`."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(interval)


def database_url_of_this_test() -> str:
    """The database this test runs on, for processes started beside it."""
    if connection.vendor != "postgresql":
        raise AssertionError(
            "processes beside the test need a shared database: set DATABASE_URL to PostgreSQL"
        )
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{s['USER']}{password}@{host}:{port}/{s['NAME']}"


class PrivateRedis:
    """A redis-server of the test's own on a free port; `stop()` and `start()` again keep the
    port, and the restarted server is empty, as after a restart without persistence."""

    def __init__(self, directory: Path):
        program = shutil.which("redis-server")
        if program is None:
            raise AssertionError("the fault tests need the redis-server program")
        self.program, self.directory, self.port = program, directory, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.program, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: _pings(client), timeout=10, interval=0.05, what="redis-server start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # as a crash: no goodbye to the clients
            self.process.wait(timeout=10)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


class Process:
    """A Python process of the project, its output kept in a log file for failures."""

    def __init__(self, name: str, args: list[str], *, env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped together, never ours
        )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group: the process dies mid-work, as in an OOM kill."""
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")


def project_env(*, redis_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.test",
        "DATABASE_URL": database_url_of_this_test(),
        "REDIS_URL": redis_url,
        "GOVERNOR_REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
        **{name: str(value) for name, value in extra.items()},
    }


def celery_worker(name: str, *, env: dict, log_dir: Path) -> Process:
    return Process(
        name,
        [
            *("-m", "celery", "-A", "marketo_admin", "worker", "--pool=threads"),
            *("--concurrency=4", "--queues=interactive,background"),
            *("--without-mingle", "--without-gossip", f"--hostname={name}@%h", "--loglevel=INFO"),
        ],
        env=env,
        log_dir=log_dir,
    )


def celery_beat(*, env: dict, log_dir: Path) -> Process:
    return Process(
        "beat",
        [
            *("-m", "celery", "-A", "marketo_admin", "beat", "--loglevel=INFO"),
            *("--max-interval=2", f"--pidfile={log_dir / 'beat.pid'}"),
        ],
        env={**env, "BEAT_HEARTBEAT_FILE": str(log_dir / "beat-heartbeat")},
        log_dir=log_dir,
    )


class Web:
    """gunicorn serving the project, as the production image does."""

    def __init__(self, *, env: dict, log_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process(
            "web",
            [
                *("-m", "gunicorn", "marketo_admin.wsgi:application"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4"),
            ],
            env=env,
            log_dir=log_dir,
        )
        try:
            wait_until(self._answers, timeout=60, what="the web server start")
        except BaseException:
            self.process.stop()  # not handed to the test yet: nobody else would stop it
            raise

    def _answers(self) -> bool:
        if not self.process.alive:
            raise AssertionError(f"the web server exited:\n{self.process.log()[-3000:]}")
        try:
            return requests.get(f"{self.url}/healthz/live", timeout=5).ok
        except requests.RequestException:  # not listening yet, or still loading the app
            return False

    def stop(self) -> None:
        self.process.stop()


class TcpProxy:
    """Forwards a local port to `target`; `cut()` drops every connection and refuses new ones
    (the database unreachable), `restore()` accepts again."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._open = threading.Event()
        self._open.set()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True, name="tcp-proxy").start()

    def _accept(self):
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()

    def cut(self):
        self._open.clear()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for end in sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self):
        self._open.set()

    def close(self):
        self.cut()
        self._server.close()
