"""The embedded default's broker: kombu's filesystem transport, waiting in short drains.

A worker on a transport without sockets runs Celery's blocking loop (`synloop`), which waits
for messages in drains of 2 s and, once asked to stop, drains once more before it stops: a
worker took 2 to 4 s to begin a shutdown, most of `make run`'s Ctrl-C. With drains of at
most DRAIN_SECONDS it begins within about twice that. The loop's work between two drains
is a few checks, and the transport already polls the queue folder this often.
"""

from kombu import Connection
from kombu.transport import filesystem

DRAIN_SECONDS = 0.25


class FilesystemTransport(filesystem.Transport):
    # The signature of kombu's virtual Transport, whose stub overrides the base class's too.
    def drain_events(self, connection: Connection, timeout: float | None = None) -> None:  # type: ignore[override]
        # None means "block until a message comes" to other callers: left as it is.
        if timeout is not None:
            timeout = min(timeout, DRAIN_SECONDS)
        return super().drain_events(connection, timeout=timeout)
