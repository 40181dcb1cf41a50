"""Keeps secrets out of log output, whatever code logs them.

Every secret this process handles (a decrypted client secret, an access token) is
remembered here each time it is handed out; the filter replaces each occurrence in a log
record's message, arguments and traceback with a marker.

Only the secrets that can still turn up are kept. An access token belongs to its owner (the
token store's key: an instance and client id), which keeps its current token and the one
before it, still in the hands of calls that started before the refresh; older ones are
forgotten. A client secret is its own owner. At most MAX_OWNERS owners are kept, the ones
that handed out a secret least recently leaving first; a secret in use is handed out, and so
remembered again, at every use. However many hourly tokens a long-running process goes
through, the set, and the time each log record takes to check, stay the same.
"""

import logging
import threading
from collections import OrderedDict

REDACTED = "[redacted]"
# Shorter values would redact ordinary words; no secret of ours is this short.
MIN_LENGTH = 8
# The current value and the one before it.
VALUES_PER_OWNER = 2
# Per instance: a client secret and a token owner. More instances than a deployment has.
MAX_OWNERS = 512

_owners: OrderedDict[str, tuple[str, ...]] = OrderedDict()  # least recently used first
_known: tuple[str, ...] = ()  # every value kept, longest first
_lock = threading.Lock()


def remember_secret(value: str | None, *, owner: str | None = None) -> None:
    """Remember `value` for redaction; `owner` names what it replaces (e.g. a token's key)."""
    if not value or len(value) < MIN_LENGTH:
        return
    owner = owner or value
    with _lock:
        values = _owners.get(owner, ())
        _owners[owner] = values
        _owners.move_to_end(owner)
        if values[-1:] == (value,):
            return
        _owners[owner] = (*(v for v in values if v != value), value)[-VALUES_PER_OWNER:]
        while len(_owners) > MAX_OWNERS:
            _owners.popitem(last=False)
        _set_known()


def _set_known() -> None:
    global _known
    # Longest first, so that a secret containing another is replaced whole.
    _known = tuple(sorted({v for vs in _owners.values() for v in vs}, key=len, reverse=True))


def redact(text: str) -> str:
    for secret in _known:  # a snapshot: another thread may replace it meanwhile
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record):
        if not _known:
            return True
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, so that the text the handler prints is redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            redacted = redact(record.exc_text)
            if redacted != record.exc_text:
                # Formatters that render exc_info themselves (JSON) would undo the redaction.
                record.exc_text, record.exc_info = redacted, None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
