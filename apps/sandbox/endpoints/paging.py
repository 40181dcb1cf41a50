"""Paging: the asset API's offset and maxReturn, and the lead database's tokens, opaque
base32 strings like Marketo's, with padding (paging-tokens.md)."""

from __future__ import annotations

import base64
import binascii

from apps.sandbox.envelope import MarketoError

MAX_RETURN = 200  # emails.md: "The default is 20, and the maximum is 200."


def page(request, rows: list) -> list:
    offset = request.int_param("offset", 0) or 0
    size = request.int_param("maxReturn", 20) or 20
    if size < 1 or offset < 0:
        raise MarketoError("1003", "offset and maxReturn must be positive")
    return rows[offset : offset + min(size, MAX_RETURN)]


def encode(*parts: object) -> str:
    return base64.b32encode(":".join(str(part) for part in parts).encode()).decode()


def decode(token: str, kind: str, count: int) -> list[str]:
    try:
        parts = base64.b32decode(token.encode()).decode().split(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        parts = []
    if len(parts) != count + 1 or parts[0] != kind:
        raise MarketoError("1003", "Invalid nextPageToken")
    return parts[1:]


def offset_page(request, total: int, signature: str, default_size: int = 300):
    """(start, stop, next token or None) for a position-based page of `total` rows."""
    size = request.int_param("batchSize", default_size)
    if size is None or size < 1:
        size = default_size
    size = min(size, 300)
    start = 0
    token = request.param("nextPageToken")
    if token:
        offset, token_signature = decode(token, "P", 2)
        if token_signature != signature or not offset.isdigit():
            raise MarketoError("1003", "Invalid nextPageToken")
        start = int(offset)
    stop = min(start + size, total)
    return start, stop, encode("P", stop, signature) if stop < total else None
