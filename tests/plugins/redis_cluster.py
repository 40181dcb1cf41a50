"""The `redis_cluster` fixture: a real Redis Cluster of three primaries on local ports.

The governor and the token store promise to work on Redis Cluster (GOVERNOR_REDIS_URL =
redis+cluster://...); the tests that prove it run on this one. It is started once per
session, only when a test asks for it, and stopped at the end; `redis_cluster_url` hands
each test an empty cluster.

It needs the redis-server and redis-cli programs (Debian: redis-server, redis-tools).
Without them the tests fail, never skip: a run that did not prove the cluster must not pass.
"""

import os
import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from redis.cluster import RedisCluster

PRIMARIES = 3
# Where to look for free ports (the cluster bus of each node takes its port + 10000).
# REDIS_CLUSTER_PORTS=7100-7199 keeps several test runs on one machine apart.
DEFAULT_PORT_RANGE = "7100-7199"
BUS_PORT_OFFSET = 10_000
START_TIMEOUT_SECONDS = 30


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    low, _, high = os.environ.get("REDIS_CLUSTER_PORTS", DEFAULT_PORT_RANGE).partition("-")
    candidates = list(range(int(low), int(high) + 1))
    # pytest -n: each worker looks in its own slice, so two never pick the same free port.
    worker, workers = _xdist_worker()
    candidates = candidates[worker::workers]
    random.shuffle(candidates)  # two test runs starting together rarely pick the same ports
    ports = [p for p in candidates if _free(p) and _free(p + BUS_PORT_OFFSET)][:count]
    if len(ports) < count:
        pytest.fail(f"no {count} free ports (and bus ports + {BUS_PORT_OFFSET}) in {low}-{high}")
    return ports


def _xdist_worker() -> tuple[int, int]:
    """(this worker's number, how many workers): (0, 1) outside pytest-xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return int(worker), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def _program(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(
            f"the Redis Cluster tests need the {name} program "
            "(Debian: apt-get install redis-server redis-tools); they do not skip"
        )
    return path


def _wait(predicate, what: str, logs: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    tails = "\n".join(f"{log.name}: {log.read_text()[-800:]}" for log in logs.glob("*.log"))
    pytest.fail(f"the Redis Cluster did not come up: {what}\n{tails}")


@dataclass
class LocalRedisCluster:
    """Three redis-server processes joined into one cluster, each holding a third of the
    16,384 hash slots, with no replicas."""

    directory: Path
    ports: list[int]
    # How long the others wait before they call a silent node failed (Redis: 15 s).
    node_timeout_ms: int = 15_000
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def node(self, port: int) -> redis.Redis:
        """A plain client of one node: it sees only the keys of that node's slots."""
        return redis.Redis(port=port, socket_timeout=2)

    def state(self, port: int) -> str:
        """What one node thinks of the cluster: "ok", or "fail" when slots are unserved."""
        with self.node(port) as node:
            return node.cluster("info")["cluster_state"]

    def _wait_until_whole(self) -> None:
        for port in self.ports:
            _wait(
                lambda port=port: self.state(port) == "ok",
                f"node {port} never reported cluster_state:ok",
                self.directory,
            )

    def client(self) -> RedisCluster:
        return RedisCluster(host="127.0.0.1", port=self.ports[0], socket_timeout=2)

    def port_of(self, key: str) -> int:
        """The port of the node that holds `key`, as the cluster itself says."""
        with self.client() as cluster:
            return cluster.get_node_from_key(key).port

    def start(self) -> None:
        for port in self.ports:
            self.processes.append(self._serve(port))
        for port in self.ports:
            _wait(lambda port=port: self._answers(port), f"node {port} is silent", self.directory)
        created = subprocess.run(
            [
                _program("redis-cli"),
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in self.ports),
                *("--cluster-replicas", "0", "--cluster-yes"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if created.returncode != 0:
            pytest.fail(f"redis-cli --cluster create failed:\n{created.stdout}{created.stderr}")
        self._wait_until_whole()

    def _answers(self, port: int) -> bool:
        with self.node(port) as node:
            return node.ping()

    def _serve(self, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [
                _program("redis-server"),
                *("--port", str(port), "--bind", "127.0.0.1"),
                *("--cluster-enabled", "yes"),
                *("--cluster-config-file", str(self.directory / f"nodes-{port}.conf")),
                *("--cluster-node-timeout", str(self.node_timeout_ms)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                *("--dir", str(self.directory)),
                *("--logfile", str(self.directory / f"redis-{port}.log")),
            ],
            stdout=subprocess.DEVNULL,
        )

    def stop_node(self, port: int) -> None:
        """Kill one primary: its slots have no one left to serve them."""
        process = self.processes[self.ports.index(port)]
        process.kill()
        process.wait(timeout=10)

    def restart_node(self, port: int) -> None:
        """Start a stopped node again; its nodes-<port>.conf brings it back into the cluster
        with the same slots (empty: nothing is saved)."""
        self.processes[self.ports.index(port)] = self._serve(port)
        self._wait_until_whole()

    def flush(self) -> None:
        with self.client() as cluster:
            cluster.flushall()  # sent to every primary

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory):
    cluster = LocalRedisCluster(tmp_path_factory.mktemp("redis-cluster"), free_ports(PRIMARIES))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def redis_cluster_url(redis_cluster):
    """The URL of an empty cluster, as GOVERNOR_REDIS_URL would name it."""
    redis_cluster.flush()
    yield redis_cluster.url
    redis_cluster.flush()
