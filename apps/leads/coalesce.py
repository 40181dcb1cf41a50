"""Coalescing single lookups: people looking up values of the same field on the same instance
within a short window share one Get Leads by Filter Type call (up to 300 values).

Across every web process, through Redis:
1. each request pushes {rid, value} onto the (instance, field) queue;
2. whoever sets the leader key first waits the window, takes up to 300 queued requests,
   makes one call and pushes each requester its answer on its own reply list;
3. everyone waits on its reply list; a request left in the queue (more than 300 arrived,
   or it arrived as the leader was leaving) finds no leader when its short wait ends, and
   leads the next round itself.
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
# Followers give up after this long (the leader's call has its own 20 s deadline).
MAX_WAIT_SECONDS = 30


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
    first = True
    while time.monotonic() < deadline:
        if r.set(f"{base}:leader", rid, nx=True, px=int(MAX_WAIT_SECONDS * 1000)):
            if first:
                time.sleep(window_seconds())
            _lead_round(r, base, field, fields, call)
        first = False
        reply = r.blpop([f"{base}:reply:{rid}"], timeout=WAIT_SLICE_SECONDS)
        if reply is not None:
            answer = json.loads(reply[1])
            if "error" in answer:
                raise _shared_error(answer)
            return answer["leads"]
    raise CoalescedError("no answer from Marketo in time; try again", code="timeout")


def _lead_round(r, base: str, field: str, fields: list[str], call) -> None:
    pipe = r.pipeline()
    pipe.lpop(f"{base}:queue", marketo_leads.MAX_FILTER_VALUES)
    pipe.delete(f"{base}:leader")  # the next arrivals elect the next leader
    items, _ = pipe.execute()
    requests = [json.loads(item) for item in items or []]
    if not requests:
        return
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
