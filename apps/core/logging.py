"""Request ids on every log line, in the web process and in the Celery task it started."""

import logging
import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# An id that a proxy hands us is trusted only if it looks like one: it ends up in logs.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(proposed: str | None = None) -> str:
    if proposed and _ACCEPTABLE_ID.match(proposed):
        return proposed
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True
