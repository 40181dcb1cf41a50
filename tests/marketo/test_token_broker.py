import multiprocessing
import os
import signal
import threading
import time

import pytest
import redis
from django.conf import settings

from apps.marketo.config import InstanceConfig
from apps.marketo.governor import connect
from apps.marketo.identity import AccessToken
from apps.marketo.token_broker import (
    MemoryTokenStore,
    RedisTokenStore,
    SqliteTokenStore,
    TokenBroker,
    token_key,
)
from tests.plugins.services import service_missing

CONFIG = InstanceConfig(
    instance_id=7,
    name="X",
    rest_url="https://x/rest",
    identity_url="https://x/identity",
    client_id="cid",
    client_secret="a-secret-value",
)


class FakeIdentity:
    """Answers like Marketo: the same token until it expires, then a new one."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, config):
        self.calls += 1
        value, expires_in = self.answers.pop(0)
        return AccessToken(
            value=value, expires_in=expires_in, scope="api@corp.com", obtained_at=time.time()
        )


def reversible(value: str) -> str:
    """Stands in for the vault (tested on its own), but proves the store seals what it keeps."""
    return value[::-1]


@pytest.fixture(params=["memory", "sqlite", "redis", "redis-cluster"])
def make_store(request, tmp_path):
    """make_store(): a token store of the kind under test; stores made by one test share
    their tokens, as the processes of a deployment do (memory: one process only)."""
    if request.param == "memory":
        shared = MemoryTokenStore()
        return lambda: shared
    if request.param == "sqlite":
        path = tmp_path / "governor.sqlite3"
        return lambda: SqliteTokenStore(path, encrypt=reversible, decrypt=reversible)
    if request.param == "redis-cluster":  # a client per store, as each process has its own
        url = request.getfixturevalue("redis_cluster_url")
        return lambda: RedisTokenStore(connect(url), encrypt=reversible, decrypt=reversible)
    if not settings.REDIS_URL:
        service_missing("the Redis token store needs REDIS_URL")
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(token_key(CONFIG), f"{token_key(CONFIG)}:lock")
    return lambda: RedisTokenStore(client, encrypt=reversible, decrypt=reversible)


@pytest.fixture
def store(make_store):
    return make_store()


def test_every_token_fetched_or_handed_out_is_remembered_for_the_log_filter(make_store):
    fetched, handed_out = [], []

    def recorder(into):
        return lambda value, *, owner=None: into.append((value, owner))

    TokenBroker(
        make_store(), fetch=FakeIdentity([("tok-1:ab", 3599)]), remember_secret=recorder(fetched)
    ).token(CONFIG)
    # Another process finds the token in the shared store: it must remember it too.
    TokenBroker(make_store(), fetch=FakeIdentity([]), remember_secret=recorder(handed_out)).token(
        CONFIG
    )
    # The owner is the token's key, so the log filter keeps one token and its predecessor per
    # instance instead of every token ever issued.
    assert fetched == [("tok-1:ab", token_key(CONFIG))]
    assert handed_out == [("tok-1:ab", token_key(CONFIG))]


def test_the_token_is_fetched_once_and_shared(store):
    identity = FakeIdentity([("tok-1:ab", 3599)])
    broker = TokenBroker(store, fetch=identity)
    assert {broker.token(CONFIG).value for _ in range(10)} == {"tok-1:ab"}
    assert identity.calls == 1


def test_concurrent_callers_wait_for_one_refresh(store):
    def slow_identity(config):
        slow_identity.calls += 1
        time.sleep(0.2)
        return AccessToken("tok-1:ab", 3599, "api@corp.com", time.time())

    slow_identity.calls = 0
    broker = TokenBroker(store, fetch=slow_identity)
    values = []
    threads = [
        threading.Thread(target=lambda: values.append(broker.token(CONFIG).value))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values == ["tok-1:ab"] * 20
    assert slow_identity.calls == 1


@pytest.mark.parametrize("expires_in", [0, 1])
def test_an_expiring_answer_is_waited_out_then_fetched_once(store, expires_in):
    identity = FakeIdentity([("old:ab", expires_in), ("new:ab", 3600)])
    slept = []
    broker = TokenBroker(store, fetch=identity, sleep=slept.append)
    assert broker.token(CONFIG).value == "new:ab"
    assert identity.calls == 2
    assert slept == [expires_in + 1]


def test_only_the_token_that_failed_is_discarded(store):
    identity = FakeIdentity([("tok-1:ab", 3599), ("tok-2:ab", 3599)])
    broker = TokenBroker(store, fetch=identity)
    broker.token(CONFIG)
    broker.invalidate(CONFIG, "tok-1:ab")  # a 602 on tok-1
    assert broker.token(CONFIG).value == "tok-2:ab"
    broker.invalidate(CONFIG, "tok-1:ab")  # a late 602 from a call that still used tok-1
    assert store.get(token_key(CONFIG)).value == "tok-2:ab"
    assert identity.calls == 2


def test_a_new_client_id_gets_its_own_token():
    other = InstanceConfig(**{**CONFIG.__dict__, "client_id": "another"})
    assert token_key(CONFIG) != token_key(other)
    assert "{i7}" in token_key(CONFIG)  # one Redis Cluster slot per instance


# fork: the children need only this module's functions and the store's factory.
FORK = multiprocessing.get_context("fork")


def _ask_for_the_token(make_store, barrier, answers):
    def slow_identity(config):
        time.sleep(0.2)
        answers.put("identity call")
        return AccessToken("tok-1:ab", 3599, "api@corp.com", time.time())

    broker = TokenBroker(make_store(), fetch=slow_identity)
    barrier.wait(timeout=30)
    answers.put(broker.token(CONFIG).value)


@pytest.mark.parametrize("make_store", ["sqlite", "redis", "redis-cluster"], indirect=True)
def test_four_processes_asking_at_once_cause_one_identity_call(make_store):
    barrier, answers = FORK.Barrier(4), FORK.Queue()
    workers = [
        FORK.Process(target=_ask_for_the_token, args=(make_store, barrier, answers))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    said = sorted(answers.get(timeout=5) for _ in range(5))
    assert said == ["identity call"] + ["tok-1:ab"] * 4
    assert answers.empty()


def test_the_sqlite_store_keeps_the_token_sealed(tmp_path):
    store = SqliteTokenStore(tmp_path / "g.sqlite3", encrypt=reversible, decrypt=reversible)
    TokenBroker(store, fetch=FakeIdentity([("tok-1:ab", 3599)])).token(CONFIG)
    written = b"".join(path.read_bytes() for path in tmp_path.glob("g.sqlite3*"))
    assert b"tok-1:ab" not in written
    assert b"ba:1-kot" in written


def _refresh_forever(make_store, ready):
    with make_store().lock(token_key(CONFIG)):
        ready.put("locked")
        time.sleep(60)  # stuck in the identity call, until it is killed


@pytest.mark.parametrize("make_store", ["sqlite"], indirect=True)
def test_a_refresher_killed_holding_the_lock_delays_the_others_by_the_lock_time_only(
    make_store, monkeypatch
):
    monkeypatch.setattr("apps.marketo.token_broker.REFRESH_LOCK_SECONDS", 1.0)
    ready = FORK.Queue()
    refresher = FORK.Process(target=_refresh_forever, args=(make_store, ready))
    refresher.start()
    assert ready.get(timeout=10) == "locked"
    os.kill(refresher.pid, signal.SIGKILL)
    refresher.join(timeout=10)
    started = time.monotonic()
    broker = TokenBroker(make_store(), fetch=FakeIdentity([("tok-1:ab", 3599)]))
    assert broker.token(CONFIG).value == "tok-1:ab"
    assert 0.3 < time.monotonic() - started < 2


def test_each_token_the_identity_endpoint_hands_out_is_announced_once():
    refreshed = []
    broker = TokenBroker(
        MemoryTokenStore(),
        fetch=FakeIdentity([("first", 3600), ("second", 3600)]),
        on_refresh=lambda config: refreshed.append(config.instance_id),
    )
    broker.token(CONFIG)
    broker.token(CONFIG)  # cached: no identity call, nothing announced
    assert refreshed == [7]
    broker.invalidate(CONFIG, "first")
    assert broker.token(CONFIG).value == "second"
    assert refreshed == [7, 7]
