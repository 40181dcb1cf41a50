"""The signature of a JSON webhook: an HMAC-SHA256 of "<timestamp>.<body>" under the
channel's secret, so that a receiver can tell our messages from anyone else's and refuse an
old one replayed (docs/alerts.md shows how to check it)."""

import hashlib
import hmac
import secrets

TIMESTAMP_HEADER = "X-Marketo-Admin-Timestamp"
SIGNATURE_HEADER = "X-Marketo-Admin-Signature"
SCHEME = "sha256"


def new_secret() -> str:
    # 32 random bytes, as text a person can paste into their receiver's configuration.
    return "mas_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header's value: "sha256=<hex digest>"."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def signature_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
