"""Keeps secrets out of log output, whatever code logs them.

Every secret this process handles (a decrypted client secret, an access token) is
remembered here when it is first seen; the filter replaces each occurrence in a log
record's message, arguments and traceback with a marker.
"""

import logging
import threading

REDACTED = "[redacted]"
# Shorter values would redact ordinary words; no secret of ours is this short.
MIN_LENGTH = 8

_known: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    if value and len(value) >= MIN_LENGTH:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    for secret in _known:
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
