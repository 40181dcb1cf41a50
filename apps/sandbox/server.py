"""HTTP plumbing: a threaded server (one thread per connection, so that more than ten
calls can be in flight to prove the 615 rule), size limits, `_method=GET`, control routes."""

from __future__ import annotations

import contextlib
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from apps.sandbox.endpoints.control import control
from apps.sandbox.instance import Instance
from apps.sandbox.routing import Request, Response

TOO_LARGE = "<html><body><h1>413 Request Entity Too Large</h1></body></html>"
URI_TOO_LONG = "<html><body><h1>414 Request-URI Too Long</h1></body></html>"


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, instance: Instance) -> None:
        self.instance = instance
        super().__init__(address, SandboxHandler)

    def handle_error(self, request, client_address) -> None:
        # A client that went away (a worker that exited with an answer unread resets the
        # connection) is no fault of the simulator: socketserver would print a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MarketoSandbox/1.0"
    sys_version = ""
    # Buffer the answer and send it in one go without Nagle's delay: headers and body in
    # separate small segments cost a delayed ACK (about 40 ms) per call on keep-alive.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: SandboxServer

    def log_message(self, format, *args) -> None:
        pass  # quiet: the stats endpoint is the sandbox's log

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        instance = self.server.instance
        url = urlsplit(self.path)
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = Request(
            self.command, url.path, parse_qs(url.query, keep_blank_values=True), headers
        )
        length = int(headers.get("content-length") or 0)
        if length > instance.config.body_limit:
            # error-codes.md: 413 when the payload exceeds 1 MB. The body is not read.
            instance.record_http_refusal(request, 413)
            self.close_connection = True
            return self._send(Response(413, TOO_LARGE, "text/html"))
        request.body = self.rfile.read(length) if length else b""
        lead_api = url.path.startswith(("/rest/v1/", "/bulk/"))
        if lead_api and self.command == "GET" and len(self.path) > instance.config.lead_uri_limit:
            # error-codes.md: 414 when a GET URI of the lead database is over 8 KiB.
            instance.record_http_refusal(request, 414)
            return self._send(Response(414, URI_TOO_LONG, "text/html"))
        if lead_api and self.command == "POST" and request.form_param("_method") == "GET":
            # The 414 workaround (help/rest-api/leads.md, "Query"): POST with _method=GET and
            # the query string form-encoded in the body. _method may come in the URL or in
            # the body with the other parameters, as third-party clients send it.
            # The asset API no longer takes _method (help/blog.md); it accepts 65 KiB URIs.
            request.method = "GET"
            request.query = request.form()
            request.query.pop("_method", None)
        if url.path.startswith("/_sandbox/"):
            response = control(instance, request)
        else:
            response = instance.handle(request)
        self._send(response)

    def _send(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = response.payload()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
