"""One access token per instance and client id, shared by every process and thread.

Marketo hands out one token per LaunchPoint service and answers a second identity call
before expiry with the same token (help/rest-api/authentication.md), so fetching a token
per thread or per process only adds identity calls. Here the token lives in a shared
store (Redis for a deployment; the embedded default's SQLite file; memory for one process),
encrypted where it leaves the process; one caller refreshes it under a lock while the others
wait for the result.
"""

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import redis
from redis.cluster import RedisCluster

from apps.marketo import identity
from apps.marketo.config import InstanceConfig
from apps.marketo.errors import TransientError
from apps.marketo.sqlite_file import SqliteFile
from apps.marketo.timeouts import IDENTITY_TIMEOUT

logger = logging.getLogger(__name__)

# A cached token with less life than this is not handed out. Asking the identity endpoint
# early would not help: it answers the same token until it expires.
MIN_SECONDS_LEFT = 2
# An answer with this little life left is waited out (docs/marketo.md, "What the code assumes").
EXPIRING_SECONDS = 1
# How long one refresher may hold the lock (the identity call's timeout plus a margin).
REFRESH_LOCK_SECONDS = round(sum(IDENTITY_TIMEOUT)) + 5
WAIT_FOR_REFRESH_SECONDS = 45


@dataclass(frozen=True)
class CachedToken:
    value: str
    expires_at: float
    scope: str

    def seconds_left(self, now: float) -> float:
        return self.expires_at - now


def token_key(config: InstanceConfig) -> str:
    # Per client id too: new credentials for the same instance must not reuse the old token.
    client = hashlib.sha256(config.client_id.encode()).hexdigest()[:12]
    return f"mka:{{i{config.instance_id}}}:token:{client}"


class TokenStore(Protocol):
    """Where the shared token lives; `lock` is held by the one caller that refreshes it."""

    def get(self, key: str) -> CachedToken | None: ...

    def put(self, key: str, token: CachedToken) -> None: ...

    def discard_if(self, key: str, value: str) -> None: ...

    def lock(self, key: str) -> AbstractContextManager[object]: ...


class MemoryTokenStore:
    """For one process (the embedded default): a dict and a lock per key."""

    def __init__(self) -> None:
        self._tokens: dict[str, CachedToken] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str) -> CachedToken | None:
        return self._tokens.get(key)

    def put(self, key: str, token: CachedToken) -> None:
        self._tokens[key] = token

    def discard_if(self, key: str, value: str) -> None:
        with self._guard:
            if (cached := self._tokens.get(key)) and cached.value == value:
                del self._tokens[key]

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


class RedisTokenStore:
    """For a deployment: the token in Redis, encrypted with the credential keys."""

    _DISCARD_IF = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
    """

    def __init__(
        self,
        client: redis.Redis | RedisCluster,
        *,
        encrypt: Callable[[str], str],
        decrypt: Callable[[str], str],
    ):
        self.redis = client
        self._encrypt, self._decrypt = encrypt, decrypt
        self._discard = client.register_script(self._DISCARD_IF)

    def get(self, key: str) -> CachedToken | None:
        raw = self.redis.get(key)
        # The clients are made without decode_responses, so Redis answers bytes.
        return None if raw is None else _open_token(self._decrypt, raw.decode())  # type: ignore[union-attr]

    def put(self, key: str, token: CachedToken) -> None:
        ttl = max(1, int(token.seconds_left(time.time())))
        self.redis.set(key, _sealed_token(self._encrypt, token), ex=ttl)

    def discard_if(self, key: str, value: str) -> None:
        # Compare the stored (encrypted) value with what is stored now: only the token
        # that failed is discarded, not a fresh one another process stored meanwhile.
        raw = self.redis.get(key)
        if raw is not None:
            try:
                if json.loads(self._decrypt(raw.decode()))["value"] == value:  # type: ignore[union-attr]  # bytes, as in get()
                    self._discard(keys=[key], args=[raw])
            except Exception:
                self.redis.delete(key)

    def lock(self, key: str) -> AbstractContextManager[object]:
        lock: AbstractContextManager[object] = self.redis.lock(
            f"{key}:lock", timeout=REFRESH_LOCK_SECONDS, blocking_timeout=WAIT_FOR_REFRESH_SECONDS
        )
        return lock


class SqliteTokenStore:
    """For the processes of one machine (the embedded default): the token in the governor's
    SQLite file, encrypted with the credential keys, and a lock row with an expiry, so that a
    process killed while refreshing holds the lock no longer than REFRESH_LOCK_SECONDS."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS token (
        key TEXT PRIMARY KEY, payload TEXT NOT NULL, expires_at REAL NOT NULL
    );
    CREATE TABLE IF NOT EXISTS token_lock (
        key TEXT PRIMARY KEY, holder TEXT NOT NULL, until REAL NOT NULL
    );
    """
    LOCK_POLL_SECONDS = 0.05

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        encrypt: Callable[[str], str],
        decrypt: Callable[[str], str],
    ):
        self._file = SqliteFile(path, schema=self.SCHEMA)
        self._encrypt, self._decrypt = encrypt, decrypt

    def get(self, key: str) -> CachedToken | None:
        row = self._file.run(
            lambda db: db.execute(
                "SELECT payload FROM token WHERE key = ? AND expires_at > ?", (key, time.time())
            ).fetchone()
        )
        return _open_token(self._decrypt, row[0]) if row else None

    def put(self, key: str, token: CachedToken) -> None:
        sealed = _sealed_token(self._encrypt, token)
        self._file.run(
            lambda db: db.execute(
                "INSERT INTO token VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "payload = excluded.payload, expires_at = excluded.expires_at",
                (key, sealed, token.expires_at),
            )
        )

    def discard_if(self, key: str, value: str) -> None:
        def discard(db: sqlite3.Connection) -> None:
            row = db.execute("SELECT payload FROM token WHERE key = ?", (key,)).fetchone()
            cached = _open_token(self._decrypt, row[0]) if row else None
            if row and (cached is None or cached.value == value):
                db.execute("DELETE FROM token WHERE key = ?", (key,))

        self._file.run(discard)

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        holder = uuid.uuid4().hex
        deadline = time.monotonic() + WAIT_FOR_REFRESH_SECONDS
        while not self._try_lock(key, holder):
            if time.monotonic() > deadline:
                raise TransientError(
                    "another process is refreshing the access token", code="identity"
                )
            time.sleep(self.LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            self._file.run(
                lambda db: db.execute(
                    "DELETE FROM token_lock WHERE key = ? AND holder = ?", (key, holder)
                )
            )

    def _try_lock(self, key: str, holder: str) -> bool:
        def take(db: sqlite3.Connection) -> bool:
            now = time.time()
            db.execute("DELETE FROM token_lock WHERE key = ? AND until <= ?", (key, now))
            taken = db.execute(
                "INSERT OR IGNORE INTO token_lock VALUES (?, ?, ?)",
                (key, holder, now + REFRESH_LOCK_SECONDS),
            )
            return taken.rowcount == 1

        return self._file.run(take)


def _sealed_token(encrypt: Callable[[str], str], token: CachedToken) -> str:
    return encrypt(
        json.dumps({"value": token.value, "expires_at": token.expires_at, "scope": token.scope})
    )


def _open_token(decrypt: Callable[[str], str], sealed: str) -> CachedToken | None:
    try:
        data = json.loads(decrypt(sealed))
    except Exception:
        # A value written under a key that has since been removed: fetch a new token.
        logger.warning("discarding a cached token that cannot be decrypted")
        return None
    return CachedToken(data["value"], data["expires_at"], data["scope"])


class SecretSink(Protocol):
    def __call__(self, value: str, *, owner: str | None = None) -> None: ...


def _keep_nothing(value: str, *, owner: str | None = None) -> None:
    pass


class TokenBroker:
    """Hands out one shared token per instance and client id.

    `remember_secret` is told each token the broker fetches or hands out, so that the
    product's log filter can redact it: apps.instances.client passes apps.core.redaction's.
    """

    def __init__(
        self,
        store: TokenStore,
        *,
        fetch: Callable[[InstanceConfig], identity.AccessToken] = identity.token_request,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        remember_secret: SecretSink = _keep_nothing,
        on_refresh: Callable[[InstanceConfig], None] | None = None,
    ):
        self.store = store
        self._fetch, self._clock, self._sleep = fetch, clock, sleep
        self._remember_secret = remember_secret
        # Told of each token the identity endpoint hands out (the governor counts them for
        # /metrics, across every process: apps.instances.client).
        self._on_refresh = on_refresh
        self.identity_calls = 0  # for tests and the load command

    def token(self, config: InstanceConfig) -> CachedToken:
        key = token_key(config)
        cached = self._usable(key)
        if cached:
            return cached
        with self.store.lock(key):
            # Whoever held the lock before us may have stored a fresh token.
            cached = self._usable(key)
            if cached:
                return cached
            fresh = self._fetch_once(config)
            self.store.put(key, fresh)
            return fresh

    def invalidate(self, config: InstanceConfig, failed_value: str) -> None:
        """After a 601/602: forget the token that failed, and only that one."""
        self.store.discard_if(token_key(config), failed_value)

    def _usable(self, key: str) -> CachedToken | None:
        cached = self.store.get(key)
        if cached and cached.seconds_left(self._clock()) > MIN_SECONDS_LEFT:
            self._remember_secret(cached.value, owner=key)
            return cached
        return None

    def _fetch_once(self, config: InstanceConfig) -> CachedToken:
        answer = self._call_identity(config)
        if answer.expires_in <= EXPIRING_SECONDS:
            # The token is about to expire (Marketo answers the same token until it does):
            # wait it out, then ask once more for its successor.
            self._sleep(max(0, answer.expires_in) + 1)
            answer = self._call_identity(config)
            if answer.expires_in <= EXPIRING_SECONDS:
                raise TransientError(
                    "the identity endpoint keeps answering an expiring token", code="identity"
                )
        return CachedToken(answer.value, answer.obtained_at + answer.expires_in, answer.scope)

    def _call_identity(self, config: InstanceConfig) -> identity.AccessToken:
        self.identity_calls += 1
        answer = self._fetch(config)
        self._remember_secret(answer.value, owner=token_key(config))
        if self._on_refresh is not None:
            self._on_refresh(config)
        return answer
