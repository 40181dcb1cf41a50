"""Where Django meets the Marketo client: one function builds a governed client.

The governor and the token store are shared by every process that calls Marketo:
GOVERNOR_BACKEND chooses Redis (a deployment, any number of machines: GOVERNOR_REDIS_URL,
one server or a Redis Cluster) or a SQLite file (the embedded default: the web, worker and
beat of one machine); memory serves one process only.
"""

import logging
from functools import cache

from django.conf import settings
from django.dispatch import Signal

from apps.core.redaction import remember_secret
from apps.instances import vault
from apps.instances.credentials import instance_config
from apps.instances.models import MarketoInstance
from apps.marketo.client import MarketoClient
from apps.marketo.config import InstanceConfig
from apps.marketo.errors import CallNotMade
from apps.marketo.governor import (
    Budget,
    GovernorUnavailable,
    Priority,
    connect,
    memory_governor,
    redis_governor,
    sqlite_governor,
    stats,
)
from apps.marketo.token_broker import (
    MemoryTokenStore,
    RedisTokenStore,
    SqliteTokenStore,
    TokenBroker,
    TokenStore,
)

REDIS_TIMEOUT_SECONDS = 2
logger = logging.getLogger(__name__)


class InstanceDisabled(CallNotMade):
    """The instance is switched off: no call is made to it."""


# Sent with `record` (an apps.marketo.client.CallRecord) after every attempt of a governed
# client, answered or not. The call ledger is kept from it by apps.usage, whose rows point at
# instances: usage sits above instances, so instances announces and usage listens.
call_attempted = Signal()


def _announce(record) -> None:
    call_attempted.send(sender=MarketoClient, record=record)


@cache
def _redis_client():
    # A cluster that cannot be reached raises GovernorUnavailable, which is not cached:
    # the next call tries again.
    return connect(
        settings.GOVERNOR_REDIS_URL, timeout=REDIS_TIMEOUT_SECONDS, health_check_interval=30
    )


@cache
def shared_governor():
    backend = settings.GOVERNOR_BACKEND
    if backend == "redis":
        return redis_governor(_redis_client())
    if backend == "sqlite":
        return sqlite_governor(settings.GOVERNOR_SQLITE_PATH)
    return memory_governor()


@cache
def shared_token_broker():
    sealed = {"encrypt": vault.encrypt, "decrypt": vault.decrypt}
    backend = settings.GOVERNOR_BACKEND
    store: TokenStore
    if backend == "redis":
        store = RedisTokenStore(_redis_client(), **sealed)
    elif backend == "sqlite":
        store = SqliteTokenStore(settings.GOVERNOR_SQLITE_PATH, **sealed)
    else:
        store = MemoryTokenStore()
    return TokenBroker(store, remember_secret=remember_secret, on_refresh=_count_token_refresh)


def _count_token_refresh(config: InstanceConfig) -> None:
    """Counts a new access token in the governor's shared counters (/metrics reads them)."""
    try:
        shared_governor().count(config.instance_id, {stats.TOKEN_REFRESHES: 1})
    except GovernorUnavailable as error:  # a lost count must not cost the call its token
        logger.warning("the token refresh was not counted: %s", error)


def instance_budget(instance: MarketoInstance) -> Budget:
    """The instance's limits for the governor; background work leaves the interactive reserve
    (a fifth of each window, `governor.interactive_reserve`) to people."""
    return Budget(
        instance_id=instance.pk,
        calls_per_window=instance.calls_per_20s,
        concurrency=instance.concurrent_calls,
        daily_limit=instance.daily_budget,
    )


def marketo_client(
    instance: MarketoInstance,
    *,
    priority: Priority,
    feature: str,
    user=None,
    job: str = "",
) -> MarketoClient:
    """A client for `instance` whose every call is governed, authenticated and ledgered.

    Raises CredentialsUnavailable when the secret cannot be decrypted, and InstanceDisabled.
    """
    if not instance.enabled:
        raise InstanceDisabled(f"{instance.name} is disabled: marketo-admin makes no calls to it.")
    return MarketoClient(
        instance_config(instance),
        budget=instance_budget(instance),
        governor=shared_governor(),
        broker=shared_token_broker(),
        ledger=_announce,
        priority=priority,
        caused_by={"feature": feature, "user_id": getattr(user, "pk", None), "job": job},
    )
