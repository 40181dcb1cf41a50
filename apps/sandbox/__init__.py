"""apps.sandbox: a Marketo Engage instance simulated over real HTTP.

It serves Marketo's own paths (identity at /identity/oauth/token, REST at /rest/...,
bulk at /bulk/...) with seeded, deterministic data, and enforces Marketo's limits as the
prose documentation describes them. See apps/sandbox/README.md.

Python API (what tests and the demo call)::

    from apps.sandbox import start_sandbox, ApiUser

    sandbox = start_sandbox(port=0, client_id="id", client_secret="secret", seed=42,
                            leads=2000, latency_ms=None, token_ttl=3600,
                            rate_limit=(100, 20), concurrency=10, daily_quota=50_000,
                            api_users=[ApiUser("id", "secret", "api@corp.example"), ...])
    sandbox.base_url / .identity_url / .rest_url / .client_id / .client_secret
    sandbox.stats()                   # what GET /_sandbox/stats.json answers
    sandbox.reset()                   # everything: counters, limits, faults, clock, tokens, data
    sandbox.reset(everything=False)   # counters only, like POST /_sandbox/reset
    sandbox.set_clock(aware_datetime); sandbox.advance_clock(seconds)
    sandbox.script_fault(path="leads.json", times=3, error="602")   # or hang=5, http=502, drop=True
    sandbox.clear_faults(); sandbox.stop()

Command line: ``python manage.py marketo_sandbox --port 8765 --client-id ID --client-secret S``.
"""

from apps.sandbox.config import ApiUser, SandboxConfig
from apps.sandbox.runtime import SandboxHandle, start_sandbox

__all__ = ["ApiUser", "SandboxConfig", "SandboxHandle", "start_sandbox"]
