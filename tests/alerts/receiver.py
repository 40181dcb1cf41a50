"""A webhook receiver for the tests: http.server in a thread on a free port of 127.0.0.1,
that checks each message's signature the way docs/alerts.md tells receivers to."""

import hashlib
import hmac
import http.server
import json
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None  # None: no secret to check with

    def json(self):
        return json.loads(self.body)


def signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's side, as docs/alerts.md shows it."""
    timestamp = headers.get("X-Marketo-Admin-Timestamp", "")
    sent = headers.get("X-Marketo-Admin-Signature", "")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(sent, "sha256=" + expected.hexdigest())


@dataclass
class Receiver:
    """`answers`: the statuses of the next requests, in order (then 200); `delay`: seconds
    each answer waits; `secret`: what signatures are checked with."""

    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def start(self) -> "Receiver":
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = dict(self.headers.items())
                checked = signature_ok(receiver.secret, headers, body) if receiver.secret else None
                receiver.received.append(Received(self.path, headers, body, checked))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.answers.pop(0) if receiver.answers else 200
                answer = b"ok" if status < 300 else b"invalid_payload"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self._server.server_address[1]
        # The path stands for the token a Slack or Teams URL carries: a secret.
        self.url = f"http://127.0.0.1:{port}/services/T0001/B0002/Zx9SecretPathToken77"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
