"""Coalescing single lookups: people looking up values of the same field on the same instance
share Get Leads by Filter Type calls (up to 300 values each), without making anyone wait
for company.

Across every web process, through Redis, per (instance, field):
1. each request pushes {rid, value} onto the queue, then tries to become the leader;
2. the leader takes up to 300 queued requests and makes one call at once, unless a call went
   less than the window (LEAD_LOOKUP_COALESCE_MS) ago: then it first waits the rest of the
   window, while the requests that arrive join the queue. A lookup made alone never waits;
   a burst costs one call per window;
3. the leader pushes each requester its answer on its own reply list and steps down once its
   own answer is out; if requests still wait, it wakes the oldest, who leads the next call.
   A request that arrives while a leader steps down finds the queue looked at once more;
   a leader that died is replaced when its lease ends.
The call is ledgered to the leader; the audit trail records each requester.
"""

import json
import logging
import time
import uuid
from functools import cache

import redis
from django.conf import settings

from apps.marketo import leads as marketo_leads
from apps.marketo.codes import Level, code_info, error_for
from apps.marketo.errors import MarketoError
from apps.marketo.leads import TooManyMatches

logger = logging.getLogger(__name__)

WAIT_SLICE_SECONDS = 1
REPLY_TTL_SECONDS = 60
# Followers give up after this long (the leader's call has its own 20 s deadline), and a
# leader's lease runs this long from its last call: a dead leader is replaced after it.
MAX_WAIT_SECONDS = 30
WAKE = {"lead": True}

# Deletes the leader key only if this request still holds it.
_STEP_DOWN = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def window_seconds() -> float:
    return settings.LEAD_LOOKUP_COALESCE_MS / 1000


@cache
def _redis():
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=WAIT_SLICE_SECONDS + 3
    )


class CoalescedError(MarketoError):
    """The shared call failed without an answer from Marketo (its code says why)."""


def _shared_error(answer: dict) -> MarketoError:
    """The error the shared call raised, as each requester raises it again."""
    code, message = answer.get("code", ""), answer["error"]
    if code_info(code).level is Level.CLIENT or code == "error":
        return CoalescedError(message, code=code)
    return marketo_leads.lead_search_error(error_for(code, message))


def coalesced_find(*, instance_id: int, field: str, value: str, fields: list[str], call):
    """The leads whose `field` matches `value`. `call(values, fields)` makes the Marketo
    call for a batch (it is only called in the process that leads the round)."""
    if not settings.REDIS_URL:
        return _matching(call([value], fields), field, value)
    try:
        return _coalesced(instance_id, field, value, fields, call)
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        # Sharing needs Redis; the lookup does not. Its call still goes through the governor,
        # which says so clearly if it is down too.
        logger.warning("single lookups are not shared while Redis is unreachable (%s)", exc)
        return _matching(call([value], fields), field, value)


def _coalesced(instance_id: int, field: str, value: str, fields: list[str], call):
    r = _redis()
    base = f"marketo-admin:leads:coalesce:{instance_id}:{field}"
    rid = uuid.uuid4().hex
    r.rpush(f"{base}:queue", json.dumps({"rid": rid, "value": value}))
    deadline = time.monotonic() + MAX_WAIT_SECONDS
    while time.monotonic() < deadline:
        if r.set(f"{base}:leader", rid, nx=True, px=int(MAX_WAIT_SECONDS * 1000)):
            _lead(r, base, rid, field, fields, call)
        reply = r.blpop([f"{base}:reply:{rid}"], timeout=WAIT_SLICE_SECONDS)
        if reply is None:
            continue
        answer = json.loads(reply[1])
        if answer == WAKE:
            continue  # the last leader stepped down: lead the next call
        if "error" in answer:
            raise _shared_error(answer)
        return answer["leads"]
    raise CoalescedError("no answer from Marketo in time; try again", code="timeout")


def _lead(r, base: str, rid: str, field: str, fields: list[str], call) -> None:
    """Make calls for the queue until this request's own answer is out, then step down."""
    served = False
    while not served:
        # A call went less than a window ago: this one waits the rest, gathering arrivals.
        pause_ms = r.pttl(f"{base}:recent")
        if pause_ms > 0:
            time.sleep(pause_ms / 1000)
        items = r.lpop(f"{base}:queue", marketo_leads.MAX_FILTER_VALUES)
        requests = [json.loads(item) for item in items or []]
        if not requests:
            break  # a leader before us answered this request too
        r.set(f"{base}:recent", 1, px=max(1, int(window_seconds() * 1000)))
        r.pexpire(f"{base}:leader", int(MAX_WAIT_SECONDS * 1000))
        _answer_round(r, base, requests, field, fields, call)
        served = any(request["rid"] == rid for request in requests)
    r.eval(_STEP_DOWN, 1, f"{base}:leader", rid)
    # Requests that arrived while this leader held the key wait for a reply: the oldest is
    # woken to lead the next call (if it has gone, the others take over after their slice).
    oldest = r.lindex(f"{base}:queue", 0)
    if oldest is not None:
        waiting = json.loads(oldest)["rid"]
        r.rpush(f"{base}:reply:{waiting}", json.dumps(WAKE))
        r.expire(f"{base}:reply:{waiting}", REPLY_TTL_SECONDS)


def _answer_round(r, base: str, requests: list[dict], field: str, fields: list[str], call):
    values = list(dict.fromkeys(request["value"] for request in requests))
    try:
        leads = _call_or_split(call, values, fields)
        answers = {request["rid"]: _answer(leads, field, request["value"]) for request in requests}
    except MarketoError as exc:
        error = {"error": exc.message, "code": exc.code}
        answers = {request["rid"]: error for request in requests}
    except Exception as exc:  # the followers must hear of it, or they wait for nothing
        error = {"error": f"the lookup failed ({type(exc).__name__})", "code": "error"}
        answers = {request["rid"]: error for request in requests}
    pipe = r.pipeline()
    for rid, answer in answers.items():
        pipe.rpush(f"{base}:reply:{rid}", json.dumps(answer))
        pipe.expire(f"{base}:reply:{rid}", REPLY_TTL_SECONDS)
    pipe.execute()


def _answer(leads, field, value) -> dict:
    try:
        return {"leads": _matching(leads, field, value)}
    except MarketoError as exc:
        return {"error": exc.message, "code": exc.code}


def _call_or_split(call, values, fields):
    try:
        return call(values, fields)
    except TooManyMatches:
        # One person's broad value must not fail the others' lookups: look each value up
        # on its own, and only that one fails.
        if len(values) == 1:
            raise
    leads, failed = [], None
    for value in values:
        try:
            leads.extend(call([value], fields))
        except TooManyMatches as exc:
            failed = exc
            leads.append({"__too_many__": value})
    if failed is not None and not [lead for lead in leads if "__too_many__" not in lead]:
        raise failed
    return leads


def _matching(leads: list[dict], field: str, value: str) -> list[dict]:
    key = marketo_leads.match_key(value)
    if any(lead.get("__too_many__") == value for lead in leads):
        raise TooManyMatches()
    return [
        lead
        for lead in leads
        if "__too_many__" not in lead and marketo_leads.match_key(lead.get(field)) == key
    ]
