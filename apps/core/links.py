"""Addresses that came from outside (Marketo's records) and may become links on our pages.

Django escapes what it prints, but escaping does not make `javascript:alert(1)` harmless in
an href: the browser runs it when the link is followed. Only absolute http(s) addresses
become links; anything else is shown as text.
"""

import re
from urllib.parse import urlsplit

# No whitespace or control characters anywhere: browsers drop some of them while parsing
# ("java\tscript:"), so a value holding one is not what it seems.
_WEB_ADDRESS = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)


def web_url(value) -> str | None:
    """`value` if it is an absolute http or https address with a host, else None."""
    if not isinstance(value, str) or not _WEB_ADDRESS.fullmatch(value):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
    return value if host else None
