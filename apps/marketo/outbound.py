"""Where the Marketo client may connect: Marketo's hosts, over HTTPS, at public addresses.

An admin types an instance's URLs, so without a policy the server would call whatever they
name: the cloud metadata service at 169.254.169.254, Redis on 127.0.0.1:6379, a host of the
private network. The policy is applied twice:

- by name (`check_url`, `check_destination`): when a URL is saved, and before each request.
  The scheme must be https and the host one of Marketo's (`*.mktorest.com`, `*.marketo.com`)
  or one the deployment allows (MARKETO_ALLOWED_HOSTS);
- by address (`check_address`): when a connection is opened, on each address the host name
  resolves to (guarded_adapter.py). A private, link-local, loopback, multicast, reserved or
  unspecified address is refused whatever the name, so a name that resolves somewhere
  unexpected, or differently between the check and the call, does not get through.

The one exception is the loopback that the sandbox needs: http or https to 127.0.0.1, ::1
or localhost, on any port, when the policy allows it (development and the tests), or when the
allow-list names that host.

Plain Python (no Django): apps/instances/outbound.py builds the policy from the settings.
"""

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from apps.marketo.errors import DestinationRefused

# help/rest-api/base-url.md and help/rest-api/endpoint-reference.md: each subscription's REST
# host is `{Munchkin ID}.mktorest.com` (its identity endpoint is on the same host). Marketo's
# own domain is marketo.com.
MARKETO_HOSTS = ("*.mktorest.com", "*.marketo.com")

LOOPBACK_NAMES = frozenset({"localhost"})

# Letters, digits, dots and hyphens: what a DNS name is made of. Anything else in a host
# (a backslash, a percent sign, spaces) is where URL parsers disagree, so it is refused.
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")

# NAT64 (RFC 6052): an IPv6 address that a gateway translates to the IPv4 address in its
# last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def normalize_host(host: str) -> str:
    """Lower case, without IPv6 brackets or the root's trailing dot."""
    return host.strip().lower().strip("[]").rstrip(".")


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host written as a number stands for, else None.

    Besides the dotted quad this reads the forms that the C resolver also accepts and
    turns into an address without asking DNS: `2130706433`, `0x7f000001`, `0177.0.0.1`,
    `127.1` are all 127.0.0.1.
    """
    host = normalize_host(host)
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not re.fullmatch(r"[0-9a-fx.]+", host) or not host[0].isdigit():
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why marketo-admin will not connect to `address` ("loopback", "private", ...), or
    None for a public address."""
    address = _embedded_ipv4(address) or address
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:  # e.g. 100.64.0.0/10, shared by carrier-grade NAT
        return "non-public"
    return None


def _embedded_ipv4(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches: IPv4-mapped (::ffff:a.b.c.d),
    6to4 (2002::/16) and NAT64 (64:ff9b::/96). Python 3.11 judges ::ffff:127.0.0.1 by its
    IPv6 ranges, not as the loopback it connects to."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_host_pattern(pattern: str) -> str:
    """One entry of an allow-list, normalized: a host name, an IP address, or `*.suffix`
    (any name under that suffix, which needs a dot: `*.com` would allow the world).
    Raises ValueError for anything else (a URL, a port, a bare `*`)."""
    entry = normalize_host(pattern)
    wildcard = entry.startswith("*.")
    name = entry[2:] if wildcard else entry
    if not wildcard and (literal := ip_literal(name)) is not None:
        return str(literal)
    if not _HOST_NAME.match(name):
        raise ValueError(
            f"{pattern!r} is not a host name or a *.suffix pattern "
            "(e.g. marketo-proxy.example.com or *.example.com; no scheme, port or path)"
        )
    if wildcard and "." not in name:
        raise ValueError(
            f"{pattern!r} would allow a whole top-level domain; name a suffix "
            "with a dot, e.g. *.example.com"
        )
    return entry


@dataclass(frozen=True)
class OutboundPolicy:
    """Which URLs and addresses the client may connect to.

    `allowed_hosts`: host names, IP addresses and `*.suffix` patterns (normalized by
    `parse_host_pattern`); build one with `OutboundPolicy.build` to include Marketo's hosts.
    `loopback_allowed`: the sandbox exception, for development and the tests only.
    """

    allowed_hosts: tuple[str, ...] = MARKETO_HOSTS
    loopback_allowed: bool = False

    @classmethod
    def build(
        cls, extra_hosts: Iterable[str] = (), *, loopback_allowed: bool = False
    ) -> "OutboundPolicy":
        """Marketo's hosts and `extra_hosts` (blank entries, as a trailing comma leaves, are
        skipped). Raises ValueError for a malformed entry."""
        extra = [parse_host_pattern(host) for host in extra_hosts if host.strip()]
        hosts = dict.fromkeys([*MARKETO_HOSTS, *extra])
        return cls(allowed_hosts=tuple(hosts), loopback_allowed=loopback_allowed)

    # --- by name -------------------------------------------------------------------------

    def check_url(self, url: str) -> None:
        """Raises DestinationRefused, saying why, unless the client may call `url`."""
        try:
            parts = urlsplit(url.strip())
            parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
        except ValueError as exc:
            raise DestinationRefused(f"{url} is not a valid URL.") from exc
        if parts.username is not None or parts.password is not None:
            raise DestinationRefused("A Marketo URL has no user name or password in it.")
        if not parts.hostname:
            raise DestinationRefused(
                f"{url} is not a full URL; it looks like https://123-ABC-456.mktorest.com/rest."
            )
        self.check_destination(parts.scheme, parts.hostname)

    def check_destination(self, scheme: str, host: str) -> None:
        """The scheme and host of a request (as the connection pool will see them)."""
        scheme, host = scheme.lower(), normalize_host(host)
        if scheme not in ("http", "https"):
            raise DestinationRefused(_USE_HTTPS)
        literal = ip_literal(host)
        if not (literal or _HOST_NAME.match(host)):
            raise DestinationRefused(f"{host} is not a valid host name.")
        if self.is_loopback_host(host):
            if not self.permits_loopback(host):
                raise DestinationRefused(
                    f"{host} is this machine: marketo-admin calls it only in development, "
                    "or when MARKETO_ALLOWED_HOSTS names it."
                )
            return  # the sandbox: http or https, any port
        if scheme != "https":
            raise DestinationRefused(_USE_HTTPS)
        if literal is not None and (kind := address_kind(literal)):
            raise DestinationRefused(
                f"{host} is {_a(kind)} address: marketo-admin calls only public addresses."
            )
        if not self.is_listed(host):
            raise DestinationRefused(
                f"{host} is not a Marketo host: marketo-admin calls only "
                f"{', '.join(self.allowed_hosts)} (Marketo's hosts, and MARKETO_ALLOWED_HOSTS)."
            )

    def is_listed(self, host: str) -> bool:
        host = normalize_host(host)
        literal = ip_literal(host)
        for pattern in self.allowed_hosts:
            if pattern.startswith("*."):
                if literal is None and host.endswith(pattern[1:]):
                    return True
            elif host == pattern or (literal is not None and str(literal) == pattern):
                return True
        return False

    @staticmethod
    def is_loopback_host(host: str) -> bool:
        host = normalize_host(host)
        literal = ip_literal(host)
        return host in LOOPBACK_NAMES or (
            literal is not None and address_kind(literal) == "loopback"
        )

    def permits_loopback(self, host: str) -> bool:
        """The sandbox exception: a loopback host, in development or named in the allow-list."""
        return self.is_loopback_host(host) and (self.loopback_allowed or self.is_listed(host))

    # --- by address ----------------------------------------------------------------------

    def check_address(self, host: str, address: str) -> None:
        """Raises DestinationRefused unless the client may connect to `address`, one of the
        addresses `host` resolved to."""
        ip = ipaddress.ip_address(address)
        kind = address_kind(ip)
        if self.permits_loopback(host):
            if kind != "loopback":  # "localhost" that is not this machine: not the sandbox
                raise DestinationRefused(f"{host} resolves to {ip}, which is not this machine.")
            return
        if kind is not None:
            raise DestinationRefused(
                f"{host} resolves to {ip}, {_a(kind)} address: marketo-admin connects only "
                "to public addresses."
            )


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


_USE_HTTPS = (
    "Use an https:// URL (plain http:// only for a sandbox on this machine, "
    "127.0.0.1, ::1 or localhost, where the settings allow it)."
)

# What a client gets unless told otherwise: Marketo's hosts only, no sandbox.
MARKETO_ONLY = OutboundPolicy()
