"""Start and stop sandbox instances from Python (tests, the demo, the CLI)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from apps.sandbox.config import ApiUser, SandboxConfig
from apps.sandbox.endpoints.control import stats_snapshot
from apps.sandbox.instance import Instance
from apps.sandbox.server import SandboxServer


@dataclass
class SandboxHandle:
    """A running instance: its URLs, its first API user's credentials, and its controls."""

    instance: Instance
    server: SandboxServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"  # type: ignore[str-bytes-safe]  # TCP: host is a str

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def identity_url(self) -> str:
        return f"{self.base_url}/identity"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/rest"

    @property
    def api_users(self) -> list[ApiUser]:
        return list(self.instance.config.api_users)

    @property
    def client_id(self) -> str:
        return self.instance.config.api_users[0].client_id

    @property
    def client_secret(self) -> str:
        return self.instance.config.api_users[0].client_secret

    @property
    def munchkin_id(self) -> str:
        return self.instance.config.munchkin_id

    def stats(self) -> dict:
        return stats_snapshot(self.instance)

    def reset(self, *, everything: bool = True) -> None:
        self.instance.reset(everything=everything)

    def set_clock(self, moment: datetime) -> None:
        self.instance.clock.set(moment)

    def advance_clock(self, seconds: float) -> None:
        self.instance.clock.advance(seconds)

    def script_fault(self, **spec) -> None:
        """script_fault(path="leads.json", times=3, error="602"), (hang=5), (http=502), ..."""
        self.instance.faults.add(spec)

    def set_role(self, client_id: str, permissions: list[str] | None) -> None:
        """The permissions of an API user's role (apps/sandbox/roles.py); None: all of them.
        A full reset gives every user its configured role back."""
        self.instance.roles.set(client_id, permissions)

    def clear_faults(self) -> None:
        self.instance.faults.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_sandbox(
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    client_id: str = "sandbox-client",
    client_secret: str = "sandbox-secret",  # noqa: S107 - a simulator's demo credential
    api_user_email: str = "api@sandbox.example",
    api_users: list[ApiUser] | None = None,
    munchkin_id: str = "123-ABC-456",
    seed: int = 42,
    leads: int = 2000,
    latency_ms: tuple[int, int] | None = None,
    token_ttl: int = 3600,
    rate_limit: tuple[int, int] = (100, 20),
    concurrency: int = 10,
    daily_quota: int = 50_000,
    fault_rate: float = 0.0,
) -> SandboxHandle:
    """Seed an instance and serve it on a daemon thread; port 0 picks a free port."""
    users = api_users or [ApiUser(client_id, client_secret, api_user_email)]
    config = SandboxConfig(
        api_users=users,
        munchkin_id=munchkin_id,
        seed=seed,
        leads=leads,
        latency_ms=latency_ms,
        token_ttl=token_ttl,
        rate_limit=rate_limit,
        concurrency=concurrency,
        daily_quota=daily_quota,
        fault_rate=fault_rate,
    )
    instance = Instance(config)
    server = SandboxServer((host, port), instance)
    thread = threading.Thread(target=server.serve_forever, name=f"sandbox-{port}", daemon=True)
    thread.start()
    return SandboxHandle(instance, server, thread)
