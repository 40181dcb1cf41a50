"""What one sandbox instance is configured with: API users, limits, latency, faults."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApiUser:
    """A LaunchPoint custom service and the API-only user that owns it (authentication.md)."""

    client_id: str
    client_secret: str
    email: str
    # The permissions of the user's role (apps/sandbox/roles.py); None: every permission.
    permissions: frozenset[str] | None = None


@dataclass
class SandboxConfig:
    api_users: list[ApiUser]
    munchkin_id: str = "123-ABC-456"
    seed: int = 42
    leads: int = 2000
    latency_ms: tuple[int, int] | None = None
    token_ttl: int = 3600
    rate_limit: tuple[int, int] = (100, 20)  # calls, seconds
    concurrency: int = 10
    daily_quota: int = 50_000
    fault_rate: float = 0.0
    # How long a "slow" fault answers after: longer than the product's read timeout of an
    # endpoint with Marketo's default 30 s (35 s), shorter than an asset call's (305 s).
    slow_seconds: float = 40.0
    # Lead-database GET URIs are limited to 8 KiB (error-codes.md); the asset API takes
    # up to 65 KiB (help/blog.md; docs/marketo.md), which is also http.server's line limit.
    lead_uri_limit: int = 8 * 1024
    body_limit: int = 1024 * 1024
    other_users: list[str] = field(
        default_factory=lambda: ["crm-sync@corp.example", "webinar-connector@corp.example"]
    )


def parse_rate_limit(text: str) -> tuple[int, int]:
    """'100/20' -> (100, 20): calls per rolling window of seconds."""
    calls, _, seconds = text.partition("/")
    try:
        parsed = int(calls), int(seconds or 20)
    except ValueError:
        raise ValueError(f"rate limit must look like 100/20, not {text!r}") from None
    if parsed[0] < 1 or parsed[1] < 1:
        raise ValueError("rate limit values must be positive")
    return parsed


def parse_latency(text: str | None) -> tuple[int, int] | None:
    """'20-150' -> (20, 150); '50' -> (50, 50); '0', 'off' or None -> no latency."""
    if text is None or text in ("", "0", "off", "none"):
        return None
    low, _, high = text.partition("-")
    try:
        bounds = int(low), int(high or low)
    except ValueError:
        raise ValueError(f"latency must look like 20-150 or 50, not {text!r}") from None
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise ValueError(f"latency range {text!r} is not low-high")
    return bounds
