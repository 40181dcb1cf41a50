"""The Marketo client: every call goes governor -> token -> HTTP -> envelope -> retry policy.

What each answer means and how to react is the table in codes.py. In short: an invalid or
expired token gets a new token once; the rate and concurrency limits go back to the
governor, which slows the whole deployment down; a spent quota stops calls until the quota
day ends; transient errors are retried with backoff within a deadline; our own mistakes are
never retried.
"""

import json as jsonlib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from apps.marketo import transport
from apps.marketo.codes import OUTCOME_UNKNOWN, Counted, Reaction, code_info, error_for
from apps.marketo.config import InstanceConfig
from apps.marketo.errors import (
    ConcurrencyLimited,
    MarketoError,
    QuotaExhausted,
    RateLimited,
    RetryLater,
    TokenExpired,
    TokenInvalid,
    TransientError,
)
from apps.marketo.governor import (
    AdmissionTimeout,
    Budget,
    Governor,
    Lease,
    Priority,
)
from apps.marketo.timeouts import DEFAULT_TIMEOUTS, CallTimeouts, Timeouts
from apps.marketo.token_broker import CachedToken, TokenBroker
from apps.marketo.transport import Envelope

# help/rest-api/error-codes.md: a lead-database GET whose URI is over 8 KB gets HTTP 414
# and must be sent as POST with _method=GET. The asset API stopped accepting _method in
# 2020 and takes URIs up to 65 KB instead (help/blog.md).
LEAD_DATABASE_MAX_URI = 8 * 1024
ASSET_MAX_URI = 65 * 1024
MAX_BODY_BYTES = 1024 * 1024  # HTTP 413 above this (help/rest-api/error-codes.md)

# The deadline decides whether another attempt may START; it never cuts one short. Each
# attempt runs to its own read timeout (apps/marketo/timeouts.py): a write waits as long as
# Marketo documents for its endpoint (305 s for an asset call), because an answer Marketo
# finishes, even late, beats a write whose outcome is unknown, and writes run in Celery tasks
# that the page polls (htmx), so no page waits for them. An interactive read gives up after
# timeouts.INTERACTIVE_READ_SECONDS (30 s), as every call did before: the lead search waits
# inside a web request. After an attempt that outlasted the deadline none follows.
DEADLINE_SECONDS = {Priority.INTERACTIVE: 20.0, Priority.BACKGROUND: 300.0}
# A background caller that would wait longer than this for admission is told to come back
# later (a Celery task retries with that countdown) instead of holding a worker thread.
MAX_INLINE_WAIT_SECONDS = {Priority.INTERACTIVE: 15.0, Priority.BACKGROUND: 5.0}
# codes.py: the connection closed (or never opened) without an answer.
DROPPED_CONNECTION = "connection"
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
# The User Management API (help/rest-api/user-management.md): no /rest prefix, no envelope.
USER_SERVICE_PREFIX = "/userservice/"


@dataclass
class CallRecord:
    """One attempt, as the call ledger keeps it."""

    instance_id: int
    method: str
    endpoint: str  # path template: /rest/v1/lead/{id}.json
    priority: str
    attempt: int
    http_status: int | None = None
    code: str = ""  # Marketo's error code, or "" on success
    request_id: str = ""
    duration_ms: int = 0
    started_at: float = 0.0  # time.time() when the attempt was admitted
    caused_by: dict[str, Any] = field(
        default_factory=dict
    )  # {"user_id": 3, "feature": "lead_lookup", "job": "..."}


def endpoint_template(path: str) -> str:
    """/v1/lead/1234.json -> /v1/lead/{id}.json, so the ledger groups calls by endpoint; a
    User Management path names its user by userid (an e-mail address): {userid}."""
    path = _USER_PATH.sub(r"\1{userid}\2", path.split("?", 1)[0])
    return re.sub(r"/\d+(?=[/.]|$)", "/{id}", path)


_USER_PATH = re.compile(r"^(/userservice/management/v1/users/)[^/]+(/.+\.json)$")


class MarketoClient:
    def __init__(
        self,
        config: InstanceConfig,
        *,
        budget: Budget,
        governor: Governor,
        broker: TokenBroker,
        ledger: Callable[[CallRecord], object] | None = None,
        priority: Priority = Priority.BACKGROUND,
        caused_by: dict[str, Any] | None = None,
        deadline_seconds: float | None = None,
        timeout: tuple[float, float] | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config = config
        self.budget = budget
        self.governor = governor
        self.broker = broker
        self.ledger = ledger
        self.priority = Priority(priority)
        self.caused_by = caused_by or {}
        self.deadline_seconds = deadline_seconds or DEADLINE_SECONDS[self.priority]
        # Each call's (connect, read) seconds come from its endpoint's documented timeout
        # (`timeouts`); `timeout` fixes them for every call instead (a test of timeouts).
        self.timeout = timeout
        self.timeouts = timeouts
        self._sleep = sleep

    def get(self, path: str, params: dict[str, Any] | None = None) -> Envelope:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        json: object = None,
        data: dict[str, Any] | None = None,
    ) -> Envelope:
        return self.request("POST", path, params=params, json=json, data=data)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: object = None,
        data: dict[str, Any] | None = None,
    ) -> Envelope:
        """The envelope of a successful answer; a MarketoError subclass otherwise."""
        prepared = self._prepare(method.upper(), path, params or {}, json, data)
        deadline = time.monotonic() + self.deadline_seconds
        token_refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(prepared, attempt, deadline)
            except (TokenInvalid, TokenExpired):
                if token_refreshed:
                    raise
                token_refreshed = True  # one new token, then one more try
            except (RateLimited, ConcurrencyLimited):
                pass  # the governor has cooled down and will space the retry out
            except TransientError as exc:
                # Marketo's codes say the request was not executed; no answer says nothing.
                if prepared.method != "GET" and exc.code in OUTCOME_UNKNOWN:
                    # A write that may have happened is never sent twice (a clone would
                    # be made twice); the caller is told the outcome is unknown.
                    raise TransientError(
                        f"{exc.message}; Marketo may or may not have carried out this "
                        f"{prepared.method}, so it was not repeated: check before retrying",
                        code=exc.code,
                        request_id=exc.request_id,
                    ) from exc
                delay = _full_jitter(attempt)
                if time.monotonic() + delay >= deadline:
                    raise
                self._sleep(delay)
            if time.monotonic() >= deadline:
                raise TransientError(
                    f"gave up after {attempt} attempts within {self.deadline_seconds:.0f} s",
                    code="deadline",
                )

    # --- one attempt -----------------------------------------------------------------

    def call_timeouts(self, method: str, endpoint: str) -> CallTimeouts:
        """The HTTP timeouts and governor lease of one call to `endpoint` (a path template)."""
        if self.timeout is not None:
            return self.timeouts.fixed(self.timeout)
        return self.timeouts.for_call(
            method, endpoint, person_waiting=self.priority is Priority.INTERACTIVE
        )

    def _attempt(self, prepared: "_Prepared", attempt: int, deadline: float) -> Envelope:
        limits = self.call_timeouts(prepared.method, prepared.endpoint)
        # The lease outlives the request's timeouts: while Marketo may still run the call
        # (help/rest-api/rest-api.md counts it in flight until it returns), its slot stays
        # taken, or an 11th call would get 615.
        lease = self._admit(limits.lease, deadline)
        record = CallRecord(
            instance_id=self.config.instance_id,
            method=prepared.method,
            endpoint=prepared.endpoint,
            priority=self.priority.value,
            attempt=attempt,
            started_at=time.time(),
            caused_by=self.caused_by,
        )
        started = time.monotonic()
        token = None
        try:
            token = self.broker.token(self.config)
            response = transport.send(
                prepared.wire_method,
                prepared.url,
                policy=self.config.outbound,
                params=prepared.params,
                data=prepared.data,
                json=prepared.json,
                headers={"Authorization": f"Bearer {token.value}"},
                timeout=limits.http,
            )
            record.http_status = response.status_code
            envelope = (
                transport.parse_user_service(response)
                if prepared.user_service
                else transport.parse_envelope(response)
            )
            # Before the ledger writes the record; files.md shows a null requestId.
            record.request_id = envelope.get("requestId") or ""
        except MarketoError as exc:
            record.code = exc.code
            record.request_id = exc.request_id
            record.http_status = record.http_status or getattr(exc, "http_status", None)
            self._settle_failure(lease, exc, token)
            raise
        finally:
            record.duration_ms = round((time.monotonic() - started) * 1000)
            if self.ledger is not None:
                self.ledger(record)
        self.governor.release(lease, counted=True)
        return envelope

    def _admit(self, lease_seconds: float, deadline: float) -> Lease:
        # No attempt starts after the deadline, so waiting for admission beyond it is waiting
        # for a call that will not be made: a caller with a short deadline (a part of a page
        # a person waits for) hears "later" sooner.
        timeout = min(MAX_INLINE_WAIT_SECONDS[self.priority], max(0.0, deadline - time.monotonic()))
        try:
            return self.governor.acquire(
                self.budget, self.priority, timeout=timeout, lease_seconds=lease_seconds
            )
        except AdmissionTimeout as exc:
            raise RetryLater(exc.wait.seconds, exc.wait.reason) from exc

    def _settle_failure(self, lease: Lease, exc: MarketoError, token: CachedToken | None) -> None:
        row = code_info(exc.code)
        if row.governor is Reaction.HOLD:
            # No answer: Marketo may still be running the call, so its slot stays taken
            # and it stays counted; until the lease expires after a timeout, for a while
            # after a dropped connection (timeouts.DROPPED_HOLD_SECONDS says why).
            if exc.code == DROPPED_CONNECTION:
                self.governor.hold(lease, self.timeouts.dropped_hold)
            return
        self.governor.release(lease, counted=row.counted is not Counted.NO)
        if row.governor in (Reaction.COOL_DOWN, Reaction.BLOCK_DAY):
            self.governor.penalize(self.budget, exc.code)
        if isinstance(exc, (TokenInvalid, TokenExpired)) and token is not None:
            self.broker.invalidate(self.config, token.value)
        if isinstance(exc, QuotaExhausted):
            raise QuotaExhausted(
                f"the daily API quota of {self.config.name} is spent; "
                "calls resume after midnight US Central",
                code=exc.code,
                request_id=exc.request_id,
            ) from exc

    # --- request shape ---------------------------------------------------------------

    def _prepare(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        json: object,
        data: dict[str, Any] | None,
    ) -> "_Prepared":
        if path.startswith(USER_SERVICE_PREFIX):
            return self._prepare_user_service(method, path, params, json)
        url = self.config.rest_url.rstrip("/") + path
        endpoint = "/rest" + endpoint_template(path)
        is_asset = path.startswith("/asset/")
        body = _body_bytes(json, data)
        if body > MAX_BODY_BYTES:
            raise error_for(
                "413",
                f"the request body is {body} bytes; Marketo takes at most 1 MB: "
                "send it in smaller batches",
            )
        uri_length = len(url) + 1 + len(urlencode(params, doseq=True))
        if method == "GET" and not is_asset and uri_length > LEAD_DATABASE_MAX_URI:
            # help/rest-api/error-codes.md (414): resend as POST, _method=GET in the query,
            # the parameters form-encoded in the body.
            return _Prepared("GET", "POST", url, endpoint, {"_method": "GET"}, params, None)
        if is_asset and uri_length > ASSET_MAX_URI:
            raise error_for(
                "414", f"the request URI is {uri_length} bytes; the asset API takes at most 65 KB"
            )
        return _Prepared(method, method, url, endpoint, params, data, json)

    def _prepare_user_service(
        self, method: str, path: str, params: dict[str, Any], json: object
    ) -> "_Prepared":
        # help/rest-api/user-management.md: "Do not prefix User Management API endpoints
        # with /rest": they hang off the instance's host, beside /rest and /identity.
        base = self.config.rest_url.rstrip("/").removesuffix("/rest")
        endpoint = endpoint_template(path)
        return _Prepared(method, method, base + path, endpoint, params, None, json, True)


@dataclass(frozen=True)
class _Prepared:
    method: str  # what the caller asked for (and the ledger records)
    wire_method: str  # what goes over the wire (POST for a long lead-database GET)
    url: str
    endpoint: str
    params: dict[str, Any]
    data: dict[str, Any] | None
    json: object
    user_service: bool = False  # no {success, result} envelope: see parse_user_service


def _full_jitter(attempt: int) -> float:
    # "Full jitter": a random wait up to the exponential bound, so that callers who failed
    # together do not retry together.
    bound = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
    return random.uniform(0, bound)  # noqa: S311  (timing, not security)


def _body_bytes(json_body: object, form_body: dict[str, Any] | None) -> int:
    if json_body is not None:
        return len(jsonlib.dumps(json_body).encode())
    if form_body is not None:
        return len(urlencode(form_body, doseq=True).encode())
    return 0
