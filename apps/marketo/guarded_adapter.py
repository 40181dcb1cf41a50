"""A requests transport adapter that holds every connection to an OutboundPolicy.

Checking a URL before sending it is not enough: urllib3 resolves the host name again when it
connects, and the answer may have changed by then (DNS rebinding), or a name the policy allows
may simply resolve to a private address. So the check lives in the connection itself: it
resolves the name once, refuses the name when any of its addresses is not allowed, and then
connects to exactly the addresses it checked, without asking DNS again.

On top of that, each request's scheme and host are checked by name (`send`), and proxies are
refused: through a proxy the proxy would resolve the name, out of this check's sight.
"""

import socket
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family

from apps.marketo.errors import DestinationRefused
from apps.marketo.outbound import OutboundPolicy


class GuardedAdapter(HTTPAdapter):
    """Mount it on a requests.Session for http:// and https://."""

    def __init__(self, policy: OutboundPolicy, **kwargs: Any):
        self.policy = policy  # before HTTPAdapter.__init__, which builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager = _GuardedPoolManager(
            self.policy, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        url = request.url or ""  # set once prepared; "" would be refused as not a full URL
        self.policy.check_url(url)
        if select_proxy(url, proxies or {}):
            raise DestinationRefused(
                "marketo-admin connects to Marketo directly, not through a proxy."
            )
        return super().send(
            request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> NoReturn:
        raise DestinationRefused("marketo-admin connects to Marketo directly, not through a proxy.")


class _GuardedPoolManager(PoolManager):
    def __init__(self, policy: OutboundPolicy, **kwargs: Any):
        super().__init__(**kwargs)
        self.policy = policy
        self.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        # Handed to each connection the pool makes (see _CheckedConnect.__init__).
        pool.conn_kw["policy"] = self.policy
        return pool


if TYPE_CHECKING:  # a mixin of urllib3's connections: their attributes are its own
    _Connection = HTTPConnection
else:
    _Connection = object


class _CheckedConnect(_Connection):
    """Replaces urllib3's socket opening; everything after it (TLS with the host's name for
    SNI and certificate checks, the HTTP exchange) is urllib3's own."""

    def __init__(self, *args: Any, policy: OutboundPolicy, **kwargs: Any):
        self.policy = policy
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        try:
            sock = self._connect_checked()
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock

    def _connect_checked(self) -> socket.socket:
        host = self.host.strip("[]")
        answers = socket.getaddrinfo(host, self.port, allowed_gai_family(), socket.SOCK_STREAM)
        # Every address first: a name with one forbidden address is refused as a whole, and
        # nothing has been connected when it is.
        for *_, sockaddr in answers:
            self.policy.check_address(host, str(sockaddr[0]))  # an IP address for AF_INET(6)
        failure = OSError(f"{host} has no address")
        for family, kind, proto, _, sockaddr in answers:
            sock = socket.socket(family, kind, proto)
            try:
                for level, option, value in self.socket_options or ():
                    sock.setsockopt(level, option, value)
                if self.timeout is None or isinstance(self.timeout, int | float):
                    sock.settimeout(self.timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(sockaddr)  # the address just checked, not the name
            except OSError as exc:
                sock.close()
                failure = exc
                continue
            return sock
        raise failure


class _GuardedHTTPConnection(_CheckedConnect, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_CheckedConnect, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection
