"""The scale simulation: many instances, many worker processes, one governor.

50 simulated Marketo instances (`manage.py marketo_sandbox --instances 50`, each with
Marketo's limits: 100 calls per 20 s and 10 in flight, help/rest-api/rest-api.md; answers
take 50-300 ms), each with the product's default budget (50 calls per 20 s and 5 in flight,
apps/instances/models.py). 8 worker processes x 8 threads go round the instances, each
thread from its own starting point, through the product's client, governor and token
broker: one thread per process makes an interactive lookup a second, the other seven make
background lookups as fast as the governor admits them. 5 minutes (SCALE_SECONDS).

Judged by the sandbox's own counts, per instance: 606 and 615 (must be 0), the most calls
in any 20 s and in flight, and budget use. Also the governor's overhead under that load
(each try_acquire and release, timed in the workers) and what Redis spent (INFO: CPU,
commands, memory peak, clients).

The governor gets a Redis server of its own (GOVERNOR_REDIS_URL), started here, so that
its CPU and memory are the governor's alone and not those of whatever else shares REDIS_URL;
SCALE_GOVERNOR=redis-cluster runs it on a local cluster of three primaries instead.
The call ledger is left out: 64 threads would each hold a PostgreSQL connection, and the
ledger is not what is measured here (test_usage_reports.py measures it).

A second test compares shorter runs (SCALE_COMPARE_SECONDS, 60 s each): 10 and 50
instances, 2 and 8 processes, and one Redis against a cluster, to show what grows with
instances and what with processes.

    .venv/bin/python -m pytest tests/benchmarks/test_scale_simulation.py -p no:randomly \\
        -o addopts="" -s
"""

import math
import multiprocessing
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import redis
import requests

from apps.instances.client import instance_budget
from apps.instances.models import MarketoInstance
from apps.instances.outbound import outbound_policy
from apps.marketo.client import MarketoClient, RetryLater
from apps.marketo.config import InstanceConfig
from apps.marketo.errors import MarketoError
from apps.marketo.governor import Lease, Priority
from tests.plugins.redis_cluster import LocalRedisCluster, free_ports

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("SCALE_SECONDS", 300))
COMPARE_SECONDS = float(os.environ.get("SCALE_COMPARE_SECONDS", 60))
GOVERNOR = os.environ.get("SCALE_GOVERNOR", "redis")
CLIENT_ID, CLIENT_SECRET = "scale-client", "scale-secret"
LOOKUP = ("/v1/leads.json", {"filterType": "email", "filterValues": "nobody@example.com"})
INTERACTIVE_INTERVAL_SECONDS = 1.0
SAMPLE_SECONDS = 2.0
# The fork start method: children get the parent's settings (GOVERNOR_REDIS_URL) as they are.
FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Scenario:
    instances: int = int(os.environ.get("SCALE_INSTANCES", 50))
    processes: int = int(os.environ.get("SCALE_PROCESSES", 8))
    threads: int = int(os.environ.get("SCALE_THREADS", 8))
    seconds: float = SECONDS
    governor: str = GOVERNOR  # "redis" or "redis-cluster"

    @property
    def name(self) -> str:
        return (
            f"{self.instances} instances, {self.processes} x {self.threads}, "
            f"{self.seconds:.0f} s, {self.governor}"
        )


# --- what runs: the sandbox fleet and the governor's Redis ----------------------------


def _free_block(count: int) -> int:
    """The first of `count` consecutive free ports."""
    for base in range(20_000, 40_000, count):
        if all(_port_free(base + offset) for offset in range(count)):
            return base
    pytest.fail(f"no {count} consecutive free ports between 20000 and 40000")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class SandboxFleet:
    """`manage.py marketo_sandbox --instances N` in a process of its own: N instances with
    Marketo's limits on N consecutive ports."""

    def __init__(self, count: int):
        self.count, self.base = count, _free_block(count)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "marketo_sandbox",
                *("--port", str(self.base), "--instances", str(count)),
                *("--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET),
                *("--leads", "200", "--latency-ms", "50-300"),
                *("--rate-limit", "100/20", "--concurrency", "10"),
            ],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.test"},
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while not all(self._answers(number) for number in range(count)):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                pytest.fail("the sandbox fleet did not start")
            time.sleep(0.5)

    def base_url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.base + number}"

    def stats(self, number: int) -> dict:
        return requests.get(f"{self.base_url(number)}/_sandbox/stats.json", timeout=10).json()

    def _answers(self, number: int) -> bool:
        try:
            self.stats(number)
        except requests.RequestException:
            return False
        return True

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class GovernorRedis:
    """A fresh Redis for one run's governor and tokens: one server, or a cluster of three.
    Fresh, so that its memory peak and CPU belong to that run."""

    def __init__(self, kind: str, directory: Path):
        self.kind, self.cluster, self.server = kind, None, None
        if kind == "redis-cluster":
            self.cluster = LocalRedisCluster(directory, free_ports(3))
            self.cluster.start()
            self.ports, self.url = self.cluster.ports, self.cluster.url
            return
        (port,) = free_ports(1)
        program = shutil.which("redis-server") or pytest.fail("needs redis-server")
        self.server = subprocess.Popen(
            [
                program,
                *("--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        self.ports, self.url = [port], f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 30
        while not self._answers(port):
            if time.monotonic() > deadline:
                pytest.fail("the governor's redis-server did not start")
            time.sleep(0.1)

    @staticmethod
    def _answers(port: int) -> bool:
        try:
            with redis.Redis(port=port, socket_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def info(self) -> dict:
        """INFO of every node, added up (memory peaks too: each node holds its own keys)."""
        totals = Counter()
        for port in self.ports:
            with redis.Redis(port=port, socket_timeout=2) as client:
                info = client.info()
                commandstats = client.info("commandstats")
            totals["cpu_seconds"] += info["used_cpu_sys"] + info["used_cpu_user"]
            totals["commands"] += info["total_commands_processed"]
            totals["memory"] += info["used_memory"]
            totals["memory_peak"] += info["used_memory_peak"]
            totals["clients"] += info["connected_clients"]
            totals["ops_per_second"] += info["instantaneous_ops_per_sec"]
            # Time Redis itself spent: it tells the governor's cost from the wait for a CPU.
            for command, stats in commandstats.items():
                if command in ("cmdstat_evalsha", "cmdstat_zrem"):
                    totals[f"{command}_calls"] += stats["calls"]
                    totals[f"{command}_usec"] += stats["usec"]
        return totals

    def key_bytes(self) -> int:
        """What the keys of the governor and the tokens take (MEMORY USAGE of each)."""
        total = 0
        for port in self.ports:
            with redis.Redis(port=port, socket_timeout=5) as client:
                total += sum(client.memory_usage(key) or 0 for key in client.scan_iter("mka:*"))
        return total

    def stop(self) -> None:
        if self.cluster:
            self.cluster.stop()
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=10)


# --- the worker processes ----------------------------------------------------------------


def _timed(function, into: list):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            into.append((time.perf_counter() - started) * 1e6)

    return timed


def _worker_process(scenario: Scenario, index: int, instances, barrier, results):
    from apps.instances import client as instance_clients

    # A forked child opens its own Redis connections instead of sharing its parent's.
    for cached in (
        instance_clients._redis_client,
        instance_clients.shared_governor,
        instance_clients.shared_token_broker,
    ):
        cached.cache_clear()
    governor, broker = instance_clients.shared_governor(), instance_clients.shared_token_broker()
    timings = {"try_acquire": [], "release": [], "pair": [], "interactive": [], "background": []}
    admitted_in = {}  # lease id -> microseconds of the try_acquire that admitted it
    tries = Counter()

    # Time the governor's own work: every try_acquire (the blocking acquire calls it again
    # after each refusal) and every release; and, per priority, how long admission took.
    try_acquire, release, acquire = governor.try_acquire, governor.release, governor.acquire

    def timed_try_acquire(budget, priority, **kwargs):
        started = time.perf_counter()
        answer = try_acquire(budget, priority, **kwargs)
        took = (time.perf_counter() - started) * 1e6
        timings["try_acquire"].append(took)
        with counting:
            tries["admitted" if isinstance(answer, Lease) else "refused"] += 1
        if isinstance(answer, Lease):
            admitted_in[answer.id] = took
        return answer

    def timed_release(lease, **kwargs):
        started = time.perf_counter()
        release(lease, **kwargs)
        took = (time.perf_counter() - started) * 1e6
        timings["release"].append(took)
        if lease.id in admitted_in:
            timings["pair"].append(admitted_in.pop(lease.id) + took)

    def timed_acquire(budget, priority, *, timeout, **kwargs):
        started = time.perf_counter()
        try:
            return acquire(budget, priority, timeout=timeout, **kwargs)
        finally:
            timings[Priority(priority).value].append((time.perf_counter() - started) * 1e3)

    governor.try_acquire, governor.release, governor.acquire = (
        timed_try_acquire,
        timed_release,
        timed_acquire,
    )
    answers = Counter()  # answers the workers saw, by code
    counting = threading.Lock()  # a Counter's += is not atomic across threads
    governor.ping()
    barrier.wait(timeout=120)
    deadline = time.monotonic() + scenario.seconds

    def work(thread: int):
        priority = Priority.INTERACTIVE if thread == 0 else Priority.BACKGROUND
        clients = [
            MarketoClient(
                config,
                budget=budget,
                governor=governor,
                broker=broker,
                priority=priority,
                caused_by={"feature": "scale_simulation"},
            )
            for config, budget in instances
        ]
        # Spread the starting points evenly over the instances, then go round.
        position = (index * scenario.threads + thread) * len(clients)
        position //= scenario.processes * scenario.threads
        while time.monotonic() < deadline:
            client = clients[position % len(clients)]
            position += 1
            began, code = time.monotonic(), "ok"
            try:
                client.get(*LOOKUP)
            except RetryLater:
                code = None  # not admitted in time: no call was made; on to the next instance
            except MarketoError as exc:
                code = exc.code
            if code:
                with counting:
                    answers[code] += 1
            if priority is Priority.INTERACTIVE:
                pause = INTERACTIVE_INTERVAL_SECONDS - (time.monotonic() - began)
                time.sleep(max(0.0, min(pause, deadline - time.monotonic())))

    pool = [threading.Thread(target=work, args=[thread]) for thread in range(scenario.threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put(
        {
            "timings": timings,
            "tries": tries,
            "answers": answers,
            "identity_calls": broker.identity_calls,
        }
    )


# --- one run -------------------------------------------------------------------------------


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values) or [0.0]

    def at(share):
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


def simulate(scenario: Scenario, settings, directory: Path) -> dict:
    """Run one scenario and return what it measured, per instance and overall."""
    directory.mkdir(parents=True, exist_ok=True)
    fleet = SandboxFleet(scenario.instances)
    governor_redis = GovernorRedis(scenario.governor, directory)
    try:
        settings.GOVERNOR_BACKEND, settings.GOVERNOR_REDIS_URL = "redis", governor_redis.url
        instances = []
        for number in range(scenario.instances):
            # An unsaved instance has the product's default limits (apps/instances/models.py).
            default = MarketoInstance(pk=1 + number)
            config = InstanceConfig(
                instance_id=default.pk,
                name=f"Scale {default.pk}",
                rest_url=f"{fleet.base_url(number)}/rest",
                identity_url=f"{fleet.base_url(number)}/identity",
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                outbound=outbound_policy(),  # the test settings let it reach 127.0.0.1
            )
            instances.append((config, instance_budget(default)))
        budget = instances[0][1]
        before = governor_redis.info()
        barrier, results = FORK.Barrier(scenario.processes), FORK.Queue()
        workers = [
            FORK.Process(
                target=_worker_process, args=(scenario, index, instances, barrier, results)
            )
            for index in range(scenario.processes)
        ]
        for worker in workers:
            worker.start()
        samples, outcomes = [], []
        while len(outcomes) < len(workers):
            try:
                outcomes.append(results.get(timeout=SAMPLE_SECONDS))
            except queue.Empty:  # the run goes on: look at Redis meanwhile
                samples.append(governor_redis.info())
                if not any(worker.is_alive() for worker in workers) and results.empty():
                    pytest.fail("a worker process died without reporting")
        for worker in workers:
            worker.join(timeout=30)
        after = governor_redis.info()
        key_bytes = governor_redis.key_bytes()
        per_instance = [fleet.stats(number) for number in range(scenario.instances)]
    finally:
        fleet.stop()
        governor_redis.stop()

    timings = {key: [] for key in outcomes[0]["timings"]}
    tries, answers, identity_calls = Counter(), Counter(), 0
    for outcome in outcomes:
        for key, values in outcome["timings"].items():
            timings[key] += values
        tries += outcome["tries"]
        answers += outcome["answers"]
        identity_calls += outcome["identity_calls"]
    # Budget use: calls counted / the most the budget allows in the run. No 20.5 s span
    # (Marketo's 20 s plus the governor's margin) holds more than the budget, and the run
    # is covered by this many spans.
    windows = math.ceil(scenario.seconds / budget.window_span)
    rows = []
    for number, stats in enumerate(per_instance):
        codes = stats["by_code"]
        counted = stats["quota_used_today"]
        rows.append(
            {
                "instance": number + 1,
                "calls": counted,
                "606": codes.get("606", 0),
                "615": codes.get("615", 0),
                "most in 20 s": stats["max_calls_in_window"],
                "most in flight": stats["max_in_flight"],
                "budget use": counted / (budget.calls_per_window * windows),
                "identity calls": stats["identity_calls"],
            }
        )
    calls = sum(row["calls"] for row in rows)
    return {
        "scenario": scenario,
        "budget": budget,
        "rows": rows,
        "calls": calls,
        "answers": answers,
        "identity_calls": identity_calls,
        "tries_per_admission": (tries["admitted"] + tries["refused"]) / max(1, tries["admitted"]),
        "overhead_us": {
            key: _percentiles(timings[key]) for key in ("try_acquire", "release", "pair")
        },
        "admission_wait_ms": {
            key: _percentiles(timings[key]) for key in ("interactive", "background")
        },
        "redis": {
            "cpu_seconds": after["cpu_seconds"] - before["cpu_seconds"],
            "commands": after["commands"] - before["commands"],
            "memory_before": before["memory"],
            "memory_peak": after["memory_peak"],
            "most_clients": max([sample["clients"] for sample in samples] or [after["clients"]]),
            "most_ops_per_second": max([sample["ops_per_second"] for sample in samples] or [0]),
            "key_bytes": key_bytes,
            # Microseconds Redis spent on one admission script, and on one release.
            **{
                f"{name}_us": (after[f"cmdstat_{name}_usec"] - before[f"cmdstat_{name}_usec"])
                / max(1, after[f"cmdstat_{name}_calls"] - before[f"cmdstat_{name}_calls"])
                for name in ("evalsha", "zrem")
            },
        },
    }


# --- reports -------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _summary_rows(result: dict) -> list[list]:
    rows = result["rows"]
    measures = [
        ("calls counted by the sandbox", "calls", "{:d}"),
        ("606", "606", "{:d}"),
        ("615", "615", "{:d}"),
        ("most calls in any 20 s", "most in 20 s", "{:d}"),
        ("most calls in flight", "most in flight", "{:d}"),
        ("budget use", "budget use", "{:.0%}"),
        ("identity calls", "identity calls", "{:d}"),
    ]
    summary = []
    for label, key, shape in measures:
        values = [row[key] for row in rows]
        total = "" if key in ("most in 20 s", "most in flight") else sum(values)
        if key == "budget use":
            total = statistics.fmean(values)
        summary.append(
            [
                label,
                shape.format(min(values)),
                shape.format(max(values)),
                shape.format(total) if total != "" else "",
            ]
        )
    return summary


def _overhead_line(result: dict) -> str:
    overhead, waits, used = result["overhead_us"], result["admission_wait_ms"], result["redis"]
    lines = [
        "governor overhead under load (us): "
        + "; ".join(
            f"{name} p50 {o['p50']:.0f} p95 {o['p95']:.0f} p99 {o['p99']:.0f} max {o['max']:.0f}"
            for name, o in overhead.items()
        ),
        f"try_acquire calls per admission: {result['tries_per_admission']:.2f}; "
        f"answers the workers saw: {dict(result['answers'])}",
        "admission wait (ms): "
        + "; ".join(
            f"{name} p50 {w['p50']:.1f} p95 {w['p95']:.1f} p99 {w['p99']:.1f}"
            for name, w in waits.items()
        ),
        f"Redis: CPU {used['cpu_seconds']:.1f} s "
        f"({used['cpu_seconds'] / result['scenario'].seconds:.1%} of a core), "
        f"{used['commands']} commands, those inside scripts included "
        f"({used['commands'] / max(1, result['calls']):.1f} per call), "
        f"memory peak {used['memory_peak'] / 2**20:.2f} MiB "
        f"(at start {used['memory_before'] / 2**20:.2f} MiB), "
        f"governor and token keys at the end {used['key_bytes'] / 2**10:.0f} KiB "
        f"({used['key_bytes'] / result['scenario'].instances / 2**10:.1f} KiB per instance), "
        f"most clients {used['most_clients']}, most ops/s {used['most_ops_per_second']}",
        f"time inside Redis: {used['evalsha_us']:.0f} us per admission script (EVALSHA), "
        f"{used['zrem_us']:.0f} us per release (ZREM)",
    ]
    return "\n".join(lines)


def _check(result: dict) -> None:
    """Correctness, never time: no 606 or 615 anywhere, and one token per instance."""
    rows = result["rows"]
    assert sum(row["606"] for row in rows) == 0, [r for r in rows if r["606"]]
    assert sum(row["615"] for row in rows) == 0, [r for r in rows if r["615"]]
    assert [row["identity calls"] for row in rows] == [1] * len(rows)


@pytest.fixture
def governed_by_a_fresh_redis(settings):
    """settings (GOVERNOR_REDIS_URL is set per run) and clean process-wide clients."""
    return settings


def test_the_scale_simulation(governed_by_a_fresh_redis, tmp_path):
    scenario = Scenario()
    result = simulate(scenario, governed_by_a_fresh_redis, tmp_path)
    budget = result["budget"]
    print(
        f"\nScale simulation: {scenario.name}; Marketo's limits 100 calls / 20 s and 10 in "
        f"flight per instance; budget {budget.calls_per_window} / 20 s and "
        f"{budget.concurrency} in flight (interactive reserve {budget.interactive_reserve})"
    )
    header = list(result["rows"][0])
    print(
        _table(
            header,
            [
                [f"{value:.0%}" if key == "budget use" else value for key, value in row.items()]
                for row in result["rows"]
            ],
        )
    )
    print(_table(["per instance", "min", "max", "total"], _summary_rows(result)))
    print(_overhead_line(result))
    _check(result)


def test_what_grows_with_instances_and_with_processes(governed_by_a_fresh_redis, tmp_path):
    base = Scenario(seconds=COMPARE_SECONDS)
    scenarios = [
        replace(base, instances=10),
        base,
        replace(base, processes=2),
        replace(base, governor="redis-cluster" if base.governor == "redis" else "redis"),
    ]
    results = []
    for number, scenario in enumerate(scenarios):
        results.append(simulate(scenario, governed_by_a_fresh_redis, tmp_path / str(number)))
    header = [
        "scenario",
        "calls",
        "606 / 615",
        "budget use (mean)",
        "try_acquire p50 / p95 / p99 (us)",
        "release p50 / p99 (us)",
        "tries per admission",
        "Redis CPU (% of a core)",
        "Redis commands / s (in scripts too)",
        "Redis memory peak (MiB)",
        "keys (KiB per instance)",
        "Redis clients",
        "inside Redis: EVALSHA / ZREM (us)",
    ]
    rows = []
    for result in results:
        scenario, used = result["scenario"], result["redis"]
        tries, frees = result["overhead_us"]["try_acquire"], result["overhead_us"]["release"]
        busy = sum(row["606"] for row in result["rows"]), sum(row["615"] for row in result["rows"])
        rows.append(
            [
                scenario.name,
                result["calls"],
                f"{busy[0]} / {busy[1]}",
                f"{statistics.fmean(row['budget use'] for row in result['rows']):.0%}",
                f"{tries['p50']:.0f} / {tries['p95']:.0f} / {tries['p99']:.0f}",
                f"{frees['p50']:.0f} / {frees['p99']:.0f}",
                f"{result['tries_per_admission']:.2f}",
                f"{used['cpu_seconds'] / scenario.seconds:.1%}",
                f"{used['commands'] / scenario.seconds:.0f}",
                f"{used['memory_peak'] / 2**20:.2f}",
                f"{used['key_bytes'] / scenario.instances / 2**10:.1f}",
                used["most_clients"],
                f"{used['evalsha_us']:.0f} / {used['zrem_us']:.0f}",
            ]
        )
    print("\nWhat grows with instances and with processes:")
    print(_table(header, rows))
    for result in results:
        _check(result)
