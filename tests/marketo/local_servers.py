"""Small servers on 127.0.0.1 that record what reaches them, for the outbound-policy tests.

- `RecordingServer`: HTTP; keeps each request (method, path, headers, body) and answers
  with whatever `answer(request)` returns: a token, or a redirect to another server.
- `ConnectionCounter`: plain TCP; counts the connections it accepts (a TLS handshake
  included), for the tests where nothing at all may arrive.
"""

import contextlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: str


@dataclass
class Answer:
    status: int = 200
    body: dict | None = None
    headers: dict = field(default_factory=dict)


def token_answer(_request: Received) -> Answer:
    return Answer(
        body={"access_token": "tok-1:ab", "token_type": "bearer", "expires_in": 3600, "scope": "x"}
    )


def redirect_to(url: str, status: int = 307):
    def answer(_request: Received) -> Answer:
        return Answer(status=status, headers={"Location": url})

    return answer


class RecordingServer:
    def __init__(self, answer=token_answer):
        self.answer = answer
        self.received: list[Received] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.command,
                    self.path,
                    dict(self.headers),
                    self.rfile.read(length).decode(errors="replace"),
                )
                server.received.append(request)
                reply = server.answer(request)
                payload = json.dumps(reply.body or {}).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()


class ConnectionCounter:
    def __init__(self):
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while self._running:
            with contextlib.suppress(TimeoutError):
                connection, _ = self._listener.accept()
                self.accepted += 1
                connection.close()

    def stop(self):
        self._running = False
        self._thread.join(timeout=2)
        self._listener.close()


@contextlib.contextmanager
def running(*servers):
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


def resolver(real_getaddrinfo, names: dict[str, list[str]], port: int):
    """A socket.getaddrinfo that answers `names` (host -> addresses) with `port`, and asks
    the real resolver for everything else."""

    def getaddrinfo(host, _port, family=0, kind=0, proto=0, flags=0):
        if host not in names:
            return real_getaddrinfo(host, _port, family, kind, proto, flags)
        answers = []
        for address in names[host]:
            if ":" in address:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return answers

    return getaddrinfo
