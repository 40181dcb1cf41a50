"""Faults on demand: scripted ones for tests (POST /_sandbox/faults) and a random share
of calls (--fault-rate).

A fault spec is a JSON object:
    {"path": "leads.json", "times": 3, "error": "602"}   the next 3 matching calls answer 602
    {"hang": 5}                                          every call waits 5 s, then answers
    {"http": 502, "times": 1}                            HTTP 502 with an HTML body
    {"http": 500}                                        HTTP 500 (any status 400-599)
    {"drop": true}                                       the connection is closed, no answer
    {"slow": 40}                                         like hang: longer than a client timeout
    {"drop": "after"}                                    the call is carried out, then the
                                                         connection is closed: a write whose
                                                         answer is lost
    {"error": "606", "client_id": "crm-sync", "times": 40}  the next 40 calls of that API
                                                         user answer 606 (an error spike of
                                                         one integration; any fault takes
                                                         `client_id`)
    {"identity": "refused", "client_id": "crm-sync"}     the identity service refuses that
                                                         client id as if its secret were
                                                         wrong (HTTP 401), others get tokens
    {"usage_dates": "date-time"}                         the usage and error statistics write
        each `date` as the instant the quota day starts ("2026-03-08T06:00:00Z"), as the
        Swagger file types it, instead of usage.md's YYYY-MM-DD (docs/marketo.md)
`path` is a substring of the request path ("" or absent: every call but /_sandbox/);
`client_id` limits a fault to the calls of one API user (the identity call's client_id, or
the client whose token a REST call carries);
a hang (or slow) answer is the call's real answer, given after the wait;
`times` absent means until the faults are cleared (DELETE /_sandbox/faults); a
`usage_dates` switch takes neither and lasts until then.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

RANDOM_KINDS: tuple[tuple[str, Any], ...] = (
    ("error", "604"),
    ("error", "608"),
    ("error", "611"),
    ("http", 502),
    ("drop", None),
    ("slow", None),
)

# How the usage endpoints write a day: usage.md's YYYY-MM-DD, or the Swagger's date-time.
USAGE_DATE_FORMATS = ("date", "date-time")


@dataclass
class Fault:
    kind: str  # error | http | drop | drop_after | hang | identity_refused | usage_dates
    code: str | None = None
    status: int | None = None
    seconds: float = 0.0
    path: str = ""
    times: int | None = None
    client_id: str = ""

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def parse_fault(spec: dict) -> Fault:
    if not isinstance(spec, dict):
        raise ValueError("a fault is a JSON object")
    path = str(spec.get("path") or "")
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer")
    client_id = spec.get("client_id") or ""
    if not isinstance(client_id, str):
        raise ValueError("client_id must be an API user's client id")
    common: dict[str, Any] = {"path": path, "times": times, "client_id": client_id}
    if "usage_dates" in spec:
        if spec["usage_dates"] not in USAGE_DATE_FORMATS:
            raise ValueError(f"usage_dates must be one of {', '.join(USAGE_DATE_FORMATS)}")
        return Fault("usage_dates", code=spec["usage_dates"])
    if "identity" in spec:
        if spec["identity"] != "refused":
            raise ValueError('identity must be "refused"')
        return Fault("identity_refused", **{**common, "path": path or "/identity/"})
    if "error" in spec:
        code = str(spec["error"])
        if not code.isdigit():
            raise ValueError("error must be a Marketo error code such as 602")
        return Fault("error", code=code, **common)
    if "http" in spec:
        status = int(spec["http"])
        if not 400 <= status <= 599:
            raise ValueError("http must be an HTTP error status such as 500 or 502")
        return Fault("http", status=status, **common)
    if spec.get("drop") == "after":
        return Fault("drop_after", **common)
    if spec.get("drop"):
        return Fault("drop", **common)
    for key in ("hang", "slow"):
        if key in spec:
            seconds = float(spec[key])
            if seconds < 0:
                raise ValueError(f"{key} must be seconds >= 0")
            return Fault("hang", seconds=seconds, **common)
    raise ValueError("a fault needs one of: error, http, drop, hang, slow, identity")


class FaultPlan:
    def __init__(self, rate: float, seed: int, slow_seconds: float) -> None:
        self.rate = rate
        self.slow_seconds = slow_seconds
        self._random = random.Random(seed)  # noqa: S311 - simulation, not security
        self._lock = threading.Lock()
        self._scripted: list[Fault] = []
        self._usage_dates: Fault | None = None

    def add(self, spec: dict) -> Fault:
        fault = parse_fault(spec)
        with self._lock:
            if fault.kind == "usage_dates":
                # A way of answering, not a fault taken by one call: the last switch wins.
                self._usage_dates = fault if fault.code != "date" else None
            else:
                self._scripted.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self._usage_dates = None

    def scripted(self) -> list[dict]:
        with self._lock:
            switches = [self._usage_dates] if self._usage_dates else []
            return [fault.describe() for fault in self._scripted + switches]

    def usage_date_times(self) -> bool:
        """Whether the usage endpoints write their dates as date-times."""
        with self._lock:
            return self._usage_dates is not None

    def take(self, path: str, client_id: str = "") -> Fault | None:
        with self._lock:
            for fault in self._scripted:
                if fault.path in path and fault.client_id in ("", client_id):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._scripted.remove(fault)
                    return fault
            if self.rate <= 0 or self._random.random() >= self.rate:
                return None
            kind, value = self._random.choice(RANDOM_KINDS)
        if kind == "error":
            return Fault("error", code=value)
        if kind == "http":
            return Fault("http", status=value)
        if kind == "slow":
            return Fault("hang", seconds=self.slow_seconds)
        return Fault("drop")
