"""The address of the client behind our reverse proxies: the one answer every part asks.

Sign-in lock-out (django-axes), the audit trail and API throttling must all see the same
address, or an attacker picks the weakest. REMOTE_ADDR is the client's only when nothing
stands in front of the app; behind proxies it is the nearest proxy's, and the client's is in
X-Forwarded-For. That header is written by whoever sent the request, so only the entries
appended by our own proxies count: TRUSTED_PROXY_COUNT says how many there are, and each
appends the address it received the request from. The client's address is therefore the
TRUSTED_PROXY_COUNT-th entry from the right; anything left of it is the client's own
writing and ignored. With TRUSTED_PROXY_COUNT = 0 (the default) the header is ignored.

Django REST framework's NUM_PROXIES follows the same rule (settings.base sets it from
TRUSTED_PROXY_COUNT); our throttles call this function anyway.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    remote = _ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        # Reached us without passing a proxy (e.g. a health check from inside the network).
        return remote
    # Fewer entries than proxies: the outer proxies did not append, so the leftmost entry
    # is still one a trusted proxy wrote (a client-written entry would make the list longer).
    chosen = forwarded[-min(proxies, len(forwarded))]
    # A malformed entry means a misconfigured proxy: fall back to what the socket says.
    return _ip(chosen) or remote


def _ip(value: str) -> str | None:
    """`value` as a normalized IP address, accepting the port some proxies add; else None."""
    candidates = [value]
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:  # 203.0.113.5:51234
        candidates.append(value.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
