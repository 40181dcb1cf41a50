"""The deployment's own pulse: no worker heartbeat (apps.core.WorkerHeartbeat) for the rule's
minutes, or no evaluation tick (the `alerts.evaluate` task that beat sends every minute).

The evaluation itself runs on a worker sent by beat, so it cannot notice either of them dead.
Each watches the other instead (apps.alerts.watch): a thread in every worker evaluates this
rule every minute, which notices beat gone silent, and a thread in beat does too, which
notices that no worker is left; both deliver at once, without a worker.
"""

from datetime import UTC, datetime, timedelta

from django.core.cache import cache

from apps.alerts.models import Alert
from apps.alerts.rules import Condition, at
from apps.core.models import WorkerHeartbeat

TICK_KEY = "alerts:evaluated_at"


def record_tick(now: datetime) -> None:
    cache.set(TICK_KEY, now.timestamp(), timeout=None)


def last_tick() -> datetime | None:
    value = cache.get(TICK_KEY)
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


def heartbeats(instance, minutes: int, now: datetime) -> list[Condition]:
    limit = now - timedelta(minutes=minutes)
    newest = WorkerHeartbeat.objects.order_by("-last_seen_at").first()
    if newest is None:
        return []  # no worker ever ran here: nothing to miss yet
    if newest.last_seen_at <= limit:
        return [
            Condition(
                subject="workers",
                severity=Alert.Severity.CRITICAL,
                title="No worker is running",
                summary=(
                    f"No worker has reported for over {minutes} minutes: syncs, lookups, "
                    "usage collection and the alert rules themselves are stopped. Start the "
                    "worker (docker compose up -d worker, or make run)."
                ),
                facts={"last_worker": newest.hostname, "last_seen_at": at(newest.last_seen_at)},
            )
        ]
    tick = last_tick()
    if tick is not None and tick <= limit:
        return [
            Condition(
                subject="beat",
                severity=Alert.Severity.CRITICAL,
                title="Beat, the scheduler, is silent",
                summary=(
                    f"The every-minute evaluation of the alert rules has not run for over "
                    f"{minutes} minutes while workers are up: beat is not sending the "
                    "scheduled tasks (usage collection, the job sweeper, these rules). Start "
                    "beat (docker compose up -d beat, or make run)."
                ),
                facts={"last_evaluation_at": at(tick)},
            )
        ]
    return []
