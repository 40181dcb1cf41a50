"""Requests, responses and the route table the endpoint modules fill."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from apps.sandbox.envelope import MarketoError


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    user: object = None  # the ApiUser, once authenticated
    path_params: dict[str, str] = field(default_factory=dict)
    route: str = ""  # the template of the route it matched, once dispatched

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def form_param(self, name: str) -> str | None:
        """A parameter of the query string or of a form-encoded body."""
        values = self.form().get(name)
        return values[0] if values else None

    def values(self, name: str) -> list[str]:
        """A list parameter: repeated (a=1&a=2) or comma-separated (a=1,2)."""
        found = []
        for value in self.query.get(name, []):
            found += [part.strip() for part in value.split(",") if part.strip()]
        return found

    def form(self) -> dict[str, list[str]]:
        """Form fields of a POST body, merged over the query string."""
        merged = dict(self.query)
        if self.body and self.content_type == "application/x-www-form-urlencoded":
            merged.update(parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return merged

    def json(self):
        """A JSON body; 612 when it is not declared JSON, 609 when it does not parse."""
        if self.content_type != "application/json":
            raise MarketoError("612", "Invalid Content Type")
        try:
            return json.loads(self.body or b"null")
        except (UnicodeDecodeError, ValueError):
            raise MarketoError("609", "Invalid JSON") from None

    def int_param(self, name: str, default: int | None = None) -> int | None:
        value = self.param(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except ValueError:
            raise MarketoError("1003", f"Invalid value '{value}' for {name}") from None

    def json_param(self, name: str) -> dict | None:
        """An embedded JSON object parameter such as folder={"id":341,"type":"Folder"}."""
        value = self.form().get(name, [None])[0]
        if value in (None, ""):
            return None
        try:
            parsed = json.loads(value)
        except ValueError:
            raise MarketoError("609", f"Invalid JSON in parameter {name}") from None
        if not isinstance(parsed, dict):
            raise MarketoError("1003", f"Invalid value for {name}")
        return parsed


@dataclass
class Response:
    status: int = 200
    body: object = None  # dict -> JSON; bytes/str -> as is
    content_type: str = "application/json;charset=UTF-8"
    drop: bool = False  # close the connection without answering

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, separators=(",", ":")).encode()

    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and self.body.get("success") is False:
            errors = self.body.get("errors") or [{}]
            return errors[0].get("code")
        return None


Handler = Callable[..., object]


@dataclass
class Route:
    method: str
    template: str  # also the endpoint's name in the stats
    pattern: re.Pattern
    handler: Handler


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = re.escape(template).replace(r"\{id\}", r"(?P<id>\d+)")
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        self.routes.append(Route(method, template, re.compile(f"^{regex}$"), handler))

    def match(self, method: str, path: str) -> tuple[Route | None, dict, bool]:
        """(route, path parameters, whether the path exists for another method)."""
        other_method = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                if route.method == method:
                    return route, found.groupdict(), False
                other_method = True
        return None, {}, other_method
