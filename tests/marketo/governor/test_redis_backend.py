"""What only the Redis backend has: a server that can be down, keys, scripts."""

import shutil
import socket
import subprocess
import time

import pytest
import redis

from apps.marketo.governor import (
    GovernorUnavailable,
    Lease,
    Priority,
    redis_governor,
)
from tests.plugins.services import service_missing

from .conftest import INSTANCE_ID, make_budget


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own, which it may stop and start again."""

    def __init__(self, directory):
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return client
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        service_missing("needs the redis-server program")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_an_unreachable_redis_fails_closed_with_a_clear_message():
    port = free_port()  # nothing listens there
    governor = redis_governor(f"redis://127.0.0.1:{port}/0")
    budget = make_budget()
    message = (
        rf"the rate governor \(Redis at 127\.0\.0\.1:{port}\) is unreachable; "
        r"no call to Marketo was made"
    )
    lease = Lease("a-lease", INSTANCE_ID, Priority.INTERACTIVE, time.time())
    for attempt in [
        lambda: governor.try_acquire(budget, Priority.INTERACTIVE),
        lambda: governor.acquire(budget, Priority.INTERACTIVE, timeout=5),
        lambda: governor.release(lease),
        lambda: governor.release(lease, counted=False),
        lambda: governor.penalize(budget, "606"),
        lambda: governor.state(budget),
        lambda: governor.set_daily_used(budget, 10),
        governor.ping,
    ]:
        started = time.monotonic()
        with pytest.raises(GovernorUnavailable, match=message):
            attempt()
        assert time.monotonic() - started < 2


def test_the_governor_recovers_when_redis_comes_back(private_redis):
    governor = redis_governor(private_redis.url)
    budget = make_budget()
    assert isinstance(governor.try_acquire(budget, Priority.INTERACTIVE), Lease)
    private_redis.stop()
    with pytest.raises(GovernorUnavailable):
        governor.try_acquire(budget, Priority.INTERACTIVE)
    private_redis.start()  # empty: no keys, no cached scripts
    assert isinstance(governor.try_acquire(budget, Priority.INTERACTIVE), Lease)
    governor.ping()


def test_an_admission_is_one_cached_script_call(private_redis):
    client = redis.Redis.from_url(private_redis.url)
    governor = redis_governor(private_redis.url)
    budget = make_budget()
    governor.release(governor.try_acquire(budget, Priority.INTERACTIVE))  # loads the script
    client.config_resetstat()
    for _ in range(10):
        governor.release(governor.try_acquire(budget, Priority.BACKGROUND))
    stats = client.info("commandstats")
    assert stats["cmdstat_evalsha"]["calls"] == 10
    assert stats["cmdstat_zrem"]["calls"] == 10
    assert "cmdstat_eval" not in stats and "cmdstat_script|load" not in stats


def test_all_keys_of_an_instance_share_one_hash_tag(redis_url):
    governor = redis_governor(redis_url)
    budget = make_budget()
    governor.try_acquire(budget, Priority.INTERACTIVE)
    governor.penalize(budget, "606")
    governor.penalize(budget, "607")
    keys = sorted(key.decode() for key in redis.Redis.from_url(redis_url).scan_iter("mka:*"))
    assert [key.split(":")[2] for key in keys] == [
        "blocked",
        "cooldown",
        "daily",
        "inflight",
        "penalty",
        "window",
    ]
    assert all(key.startswith(f"mka:{{i{INSTANCE_ID}}}:") for key in keys)


def test_keys_expire_so_an_idle_instance_leaves_nothing_behind(redis_url):
    client = redis.Redis.from_url(redis_url)
    governor = redis_governor(client)
    governor.try_acquire(make_budget(), Priority.INTERACTIVE)
    for key in client.scan_iter("mka:*"):
        assert client.ttl(key) > 0, key
