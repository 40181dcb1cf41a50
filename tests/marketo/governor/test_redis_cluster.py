"""What only a Redis Cluster adds: a URL of several nodes, keys spread over the nodes, and
nodes that fail one at a time. The whole contract suite and the 4-process tests also run on
the cluster (the "redis-cluster" parameter of `make_governor` and `make_shared_governor`),
and so do the token broker (test_token_broker.py) and the client (tests/marketo/conftest.py).
"""

import multiprocessing
import time

import pytest
from redis.cluster import ClusterNode

from apps.marketo.config import InstanceConfig
from apps.marketo.governor import (
    GovernorUnavailable,
    Lease,
    Priority,
    connect,
    is_cluster_url,
    redis_governor,
)
from apps.marketo.governor.redis_backend import parse_cluster_url
from apps.marketo.token_broker import CachedToken, RedisTokenStore, token_key
from tests.plugins.redis_cluster import LocalRedisCluster, free_ports

from .conftest import make_budget

FORK = multiprocessing.get_context("fork")
INTERACTIVE = Priority.INTERACTIVE
# Their hash tags {i4}, {i42} and {i3} fall in slots 1893, 6842 and 14210: one in each third
# of the 16,384 slots, so on a cluster of three primaries each instance has a node of its own.
# Instance 42 is the contract suite's (conftest.INSTANCE_ID).
INSTANCES_ON_THREE_NODES = (4, 42, 3)


def _same(value):
    return value


def _token_config(instance_id: int) -> InstanceConfig:
    return InstanceConfig(
        instance_id=instance_id,
        name=f"Instance {instance_id}",
        rest_url="https://x/rest",
        identity_url="https://x/identity",
        client_id="cid",
        client_secret="a-secret-value",
    )


def test_a_cluster_url_names_its_startup_nodes_and_credentials():
    nodes, options = parse_cluster_url("rediss+cluster://ops:p%40ss@10.0.0.1:7000,10.0.0.2:7001")
    assert [node.name for node in nodes] == ["10.0.0.1:7000", "10.0.0.2:7001"]
    assert options == {"ssl": True, "username": "ops", "password": "p@ss"}
    nodes, options = parse_cluster_url("redis+cluster://[::1]:7000/0")
    assert nodes == [ClusterNode("::1", 7000)] and options == {"ssl": False}
    assert is_cluster_url("REDIS+CLUSTER://h:1") and not is_cluster_url("redis://h:6379/0")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis+cluster://h:7000/3", "only database 0"),
        ("redis+cluster://", "names no host:port"),
        ("redis+cluster://h", "not host:port"),
        ("redis+cluster://h:7000,h:port", "not host:port"),
    ],
)
def test_a_malformed_cluster_url_is_refused_with_the_reason(url, problem):
    with pytest.raises(ValueError, match=problem):
        connect(url)


def test_the_test_instances_land_on_three_different_nodes(redis_cluster):
    # Without this the cluster tests would prove nothing that one server does not.
    ports = {redis_cluster.port_of(f"mka:{{i{i}}}:window") for i in INSTANCES_ON_THREE_NODES}
    assert ports == set(redis_cluster.ports)


def test_every_key_of_an_instance_lives_on_its_node_and_instances_spread_over_all_nodes(
    redis_cluster, redis_cluster_url
):
    client = connect(redis_cluster_url)
    governor = redis_governor(client)
    store = RedisTokenStore(client, encrypt=_same, decrypt=_same)
    for instance_id in INSTANCES_ON_THREE_NODES:
        budget = make_budget(instance_id=instance_id)
        assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)
        governor.penalize(budget, "606")  # cool-down and penalty keys
        governor.penalize(budget, "607")  # the blocked key
        key = token_key(_token_config(instance_id))
        store.put(key, CachedToken("tok:ab", time.time() + 3600, "api@corp.com"))
        assert store.lock(key).acquire(blocking=False)  # the refresh lock holds a key too
    keys_by_node = {
        port: sorted(key.decode() for key in redis_cluster.node(port).scan_iter("mka:*"))
        for port in redis_cluster.ports
    }
    instance_of_node = {}
    for port, keys in keys_by_node.items():
        tags = {key.split(":")[1] for key in keys}
        assert len(tags) == 1, f"node {port} holds keys of {tags}"
        assert len(keys) == 8, keys  # window, inflight, daily, cooldown, blocked, penalty,
        instance_of_node[port] = tags.pop()  # token, token lock
    assert sorted(instance_of_node.values()) == sorted(f"{{i{i}}}" for i in (3, 4, 42))


def _admit_on_every_instance(url, attempts, barrier, results):
    governor = redis_governor(url)
    governor.ping()
    barrier.wait(timeout=30)
    admitted = {}
    for _ in range(attempts):
        for instance_id in INSTANCES_ON_THREE_NODES:
            budget = make_budget(instance_id=instance_id, interactive_reserve=0, concurrency=10**4)
            answer = governor.try_acquire(budget, Priority.BACKGROUND)
            if isinstance(answer, Lease):
                admitted.setdefault(instance_id, []).append(answer.id)
    results.put(admitted)


def test_4_processes_get_exactly_each_instances_budget_on_every_node(redis_cluster_url):
    barrier, results = FORK.Barrier(4), FORK.Queue()
    workers = [
        FORK.Process(
            target=_admit_on_every_instance, args=(redis_cluster_url, 40, barrier, results)
        )
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    admitted = {instance_id: [] for instance_id in INSTANCES_ON_THREE_NODES}
    for _ in workers:
        for instance_id, lease_ids in results.get(timeout=60).items():
            admitted[instance_id] += lease_ids
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0
    # 160 attempts on each instance, whose budget is 50 calls per window.
    assert {i: len(set(ids)) for i, ids in admitted.items()} == {3: 50, 4: 50, 42: 50}
    assert sum(map(len, admitted.values())) == 150


def test_any_reachable_startup_node_finds_the_whole_cluster(redis_cluster, redis_cluster_url):
    (dead_port,) = free_ports(1)
    url = f"redis+cluster://127.0.0.1:{dead_port},127.0.0.1:{redis_cluster.ports[1]}"
    governor = redis_governor(url)
    assert all(_admits(governor, i) for i in INSTANCES_ON_THREE_NODES)
    governor.ping()


def test_an_unreachable_cluster_fails_closed_with_a_clear_message():
    ports = free_ports(2)  # nothing listens there
    started = time.monotonic()
    with pytest.raises(
        GovernorUnavailable,
        match=(
            rf"the rate governor \(Redis Cluster at 127\.0\.0\.1:{ports[0]},127\.0\.0\.1:"
            rf"{ports[1]}\) is unreachable; no call to Marketo was made"
        ),
    ):
        redis_governor(f"redis+cluster://127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}")
    assert time.monotonic() - started < 2


@pytest.fixture
def fragile_cluster(tmp_path):
    """A cluster of this test's own, whose nodes declare a silent peer failed after 1 s."""
    cluster = LocalRedisCluster(tmp_path, free_ports(3), node_timeout_ms=1000)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def _eventually(predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _admits(governor, instance_id) -> bool:
    try:
        answer = governor.try_acquire(make_budget(instance_id=instance_id), INTERACTIVE)
    except GovernorUnavailable:
        return False
    return isinstance(answer, Lease)


def test_a_failed_node_fails_closed_and_the_governor_recovers_when_it_returns(fragile_cluster):
    governor = redis_governor(fragile_cluster.url)
    assert all(_admits(governor, i) for i in INSTANCES_ON_THREE_NODES)
    port = fragile_cluster.port_of("mka:{i42}:window")
    fragile_cluster.stop_node(port)

    # Its own instance at once: its node does not answer.
    started = time.monotonic()
    with pytest.raises(GovernorUnavailable, match=r"\(Redis Cluster at .*\) is unreachable"):
        governor.try_acquire(make_budget(instance_id=42), INTERACTIVE)
    assert time.monotonic() - started < 3

    # Then every instance, once the others declare the cluster down (CLUSTERDOWN): with a
    # third of the slots unserved, Redis refuses them all, and so does the governor.
    alive = [other for other in fragile_cluster.ports if other != port]
    assert _eventually(lambda: all(fragile_cluster.state(p) == "fail" for p in alive))
    for instance_id in INSTANCES_ON_THREE_NODES:
        with pytest.raises(GovernorUnavailable):
            governor.try_acquire(make_budget(instance_id=instance_id), INTERACTIVE)
    with pytest.raises(GovernorUnavailable):
        governor.ping()

    fragile_cluster.restart_node(port)
    assert _eventually(lambda: all(_admits(governor, i) for i in INSTANCES_ON_THREE_NODES))
    governor.ping()
