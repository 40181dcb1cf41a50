"""The sandbox's own routes under /_sandbox/: stats, reset, faults, error spikes, clock, A/B
tests. No token, not counted, never part of Marketo's API."""

from __future__ import annotations

import json
from datetime import datetime

from apps.marketo.codes import UNCOUNTED_CODES
from apps.sandbox.endpoints.activities import known_type_ids
from apps.sandbox.routing import Response


def _json(body, status: int = 200) -> Response:
    return Response(status, json.dumps(body, default=str, indent=1))


def _body(request) -> dict:
    if not request.body:
        return {}
    try:
        parsed = json.loads(request.body)
    except ValueError:
        return {"_invalid": True}
    return parsed if isinstance(parsed, dict) else {"_list": parsed}


def stats_snapshot(instance) -> dict:
    return {
        "munchkin_id": instance.config.munchkin_id,
        "clock": instance.clock.now().isoformat(),
        "chicago_date": instance.clock.chicago_date().isoformat(),
        **instance.stats.snapshot(),
        **instance.limits.snapshot(),
        "faults": instance.faults.scripted(),
        "roles": instance.roles.snapshot(),
    }


def control(instance, request) -> Response:
    path, method = request.path, request.method
    body = _body(request)
    if body.get("_invalid"):
        return _json({"error": "the body is not JSON"}, 400)
    if path == "/_sandbox/stats.json" and method == "GET":
        return _json(stats_snapshot(instance))
    if path == "/_sandbox/reset" and method == "POST":
        everything = body.get("all") or request.param("all") in ("1", "true")
        instance.reset(everything=bool(everything))
        return _json({"reset": "everything" if everything else "counters"})
    if path == "/_sandbox/faults":
        if method == "GET":
            return _json({"faults": instance.faults.scripted()})
        if method == "DELETE":
            instance.faults.clear()
            return _json({"faults": []})
        if method == "POST":
            specs = body.get("_list") or body.get("faults") or [body]
            try:
                added = [instance.faults.add(spec).describe() for spec in specs]
            except (TypeError, ValueError) as invalid:
                return _json({"error": str(invalid)}, 400)
            return _json({"added": added, "faults": instance.faults.scripted()})
    if path == "/_sandbox/error-spike" and method == "POST":
        return _error_spike(instance, body)
    if path == "/_sandbox/ab-test" and method == "POST":
        # An email program starts (or ends) an A/B test: Marketo stops returning its email.
        on = bool(body.get("on", True))
        try:
            program = int(body.get("program", ""))
            with instance.assets.lock:
                instance.assets.ab_test_set(program, on)
                instance.dirty = True
        except (TypeError, ValueError) as invalid:
            return _json({"error": str(invalid)}, 400)
        return _json({"program": program, "ab_test": on})
    if path == "/_sandbox/activities" and method == "POST":
        return _activities(instance, body)
    if path == "/_sandbox/roles" and method in ("GET", "POST"):
        if method == "POST":
            try:
                instance.roles.set(str(body.get("client_id", "")), body.get("permissions"))
            except (TypeError, ValueError) as invalid:
                return _json({"error": str(invalid)}, 400)
        return _json({"roles": instance.roles.snapshot()})
    if path == "/_sandbox/clock":
        if method == "POST":
            try:
                if body.get("now"):
                    instance.clock.set(datetime.fromisoformat(body["now"]))
                if body.get("advance"):
                    instance.clock.advance(float(body["advance"]))
                if body.get("reset"):
                    instance.clock.reset()
            except (TypeError, ValueError) as invalid:
                return _json({"error": str(invalid)}, 400)
        if method in ("GET", "POST"):
            return _json(
                {
                    "now": instance.clock.now().isoformat(),
                    "chicago_date": instance.clock.chicago_date().isoformat(),
                }
            )
    return _json({"error": f"no sandbox control route {method} {path}"}, 404)


def _error_spike(instance, body: dict) -> Response:
    """{"user": "webinar@corp.example", "code": "606", "count": 40}: that API user's calls
    failed with the code today, as another integration's would (the scripted faults only
    fail the calls made to the sandbox). The errors statistics report them; a code Marketo
    counts against the quota adds to the user's usage too."""
    user, code, count = body.get("user"), str(body.get("code", "")), body.get("count")
    if not isinstance(user, str) or not user:
        return _json({"error": "user must be the API user's id, as the usage names it"}, 400)
    if not code.isdigit() or not isinstance(count, int) or not 1 <= count <= 1_000_000:
        return _json({"error": "code must be an error code and count a positive integer"}, 400)
    day = instance.clock.chicago_date()
    counted = code not in UNCOUNTED_CODES
    instance.stats.record_others_errors(user=user, code=code, count=count, day=day, counted=counted)
    return _json(
        {"user": user, "code": code, "count": count, "date": day.isoformat(), "counted": counted}
    )


def _activities(instance, body: dict) -> Response:
    """Add activities ({"activities": [{"leadId", "activityTypeId", "activityDate"}]}) and/or
    list custom activity types ({"customTypes": 69}); a full reset undoes both."""
    store = instance.leads
    added = []
    try:
        if "customTypes" in body:
            store.custom_activity_types = max(0, int(body["customTypes"]))
        known = set(known_type_ids(instance))
        for row in body.get("activities", []):
            position = store.position(int(row["leadId"]))
            type_id = int(row["activityTypeId"])
            if position is None or type_id not in known:
                return _json({"error": f"no lead {row['leadId']} or type {type_id}"}, 400)
            moment = datetime.fromisoformat(str(row["activityDate"]).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("give activityDate with a time zone")
            store.activity_add(
                position=position,
                type_id=type_id,
                moment=int(moment.timestamp()),
                primary=int(row.get("primaryAttributeValueId", 0)),
            )
            added.append(row)
    except (KeyError, TypeError, ValueError, OverflowError) as invalid:
        return _json({"error": str(invalid)}, 400)
    instance.dirty = True
    return _json({"added": len(added), "customTypes": store.custom_activity_types})
