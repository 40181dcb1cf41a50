"""Report speed on a large history: 5 instances x 50 API users x 2 years of daily rows,
and 1 million call-ledger rows. Server time of the per-user report for a year and of the
all-instances page, p95 over repeated requests. Run with `make bench` (PostgreSQL)."""

import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection

from apps.core.permissions import Role
from apps.usage.days import today
from apps.usage.models import UsageDay
from tests.factories import UserFactory, make_instance

INSTANCES, API_USERS, DAYS, LEDGER_ROWS = 5, 50, 730, 1_000_000
RUNS = int(__import__("os").environ.get("BENCH_RUNS", 30))


def _p95(samples):
    return sorted(samples)[int(0.95 * (len(samples) - 1))]


def _time(client, url):
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples), _p95(samples)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="sized for PostgreSQL")
@pytest.mark.django_db
def test_usage_reports_on_two_years_of_history(client):
    instances = [
        make_instance(f"Instance {n}", munchkin_id=f"{100 + n}-ABC-456") for n in range(INSTANCES)
    ]
    last = today()
    started = time.perf_counter()
    for instance in instances:
        UsageDay.objects.bulk_create(
            (
                UsageDay(
                    instance=instance,
                    date=last - timedelta(days=day),
                    api_user=f"user{user}@corp.example",
                    calls=(day * 7 + user * 13) % 900 + 10,
                )
                for day in range(DAYS)
                for user in range(API_USERS)
            ),
            batch_size=10_000,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO usage_ledgerentry (instance_id, made_at, method, endpoint, http_status,
                code, request_id, duration_ms, attempt, priority, feature, user_id, job)
            SELECT %s + (n %% %s), now() - (n || ' seconds')::interval, 'GET',
                '/rest/v1/leads.json', 200, CASE WHEN n %% 50 = 0 THEN '606' ELSE '' END,
                'r' || n, 120, 1, 'background', 'lead_lookup', NULL, ''
            FROM generate_series(1, %s) AS n
            """,
            [instances[0].pk, INSTANCES, LEDGER_ROWS],
        )
        cursor.execute("ANALYZE")
    seeded = time.perf_counter() - started

    client.force_login(
        UserFactory(role=Role.ADMIN), backend="django.contrib.auth.backends.ModelBackend"
    )
    year = _time(client, f"/usage/instances/{instances[0].pk}/users/?range=365")
    everything = _time(client, "/usage/")
    calls = _time(client, f"/usage/instances/{instances[0].pk}/calls/?range=30")
    print(
        f"\n{INSTANCES} instances x {API_USERS} API users x {DAYS} days "
        f"({INSTANCES * API_USERS * DAYS:,} rows) + {LEDGER_ROWS:,} ledger rows, "
        f"seeded in {seeded:.0f} s"
    )
    print("| page | median ms | p95 ms |\n| --- | --- | --- |")
    print(f"| per-user report, a year | {year[0]:.1f} | {year[1]:.1f} |")
    print(f"| all instances | {everything[0]:.1f} | {everything[1]:.1f} |")
    print(f"| our calls, 30 days (ledger) | {calls[0]:.1f} | {calls[1]:.1f} |")
