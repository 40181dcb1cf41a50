"""The sandbox's own routes under /_sandbox/: stats, reset, faults, clock. No token, not
counted, never part of Marketo's API."""

from __future__ import annotations

import json
from datetime import datetime

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
