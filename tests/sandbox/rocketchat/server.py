"""The Rocket.Chat sandbox's HTTP server: the socket side of a request (reading it, faults that act on
the connection, writing the reply in one piece) around the application (app.py), and make_server.

The server answers as REST-CONTRACT.md describes (8.x by default; bands 7.x, 8.0-8.5, 8.6+, 9.0).
Where the contract says "not determined", the choice is marked NOT DETERMINED with the reason.
"""

import http.server
import json
import math
import time
import traceback
import urllib.parse

from . import errors, router
from .app import Sandbox
from .encoding import to_json
from .pipeline import Request

API_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RocketChatSandbox/1.0"
    sandbox = None  # set by make_server
    # A keep-alive connection carries many requests: each reply goes out whole and at once. Headers and
    # body are buffered (http.server flushes after each request), and with Nagle's algorithm off no
    # segment waits for the client's delayed ACK (~40 ms on every request after the first).
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def log_message(self, fmt, *args):  # keep the console quiet; the request log is in memory
        return

    def _serve(self):
        sandbox = self.sandbox
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path.startswith("/_sandbox/"):
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {}
            status, reply = sandbox.control.handle(self.command, path, body)
            return self._send(status, to_json(reply), dict(API_HEADERS))
        fault = sandbox.faults.take(self.command, path)
        if fault and fault["kind"] == "delay":
            time.sleep(fault["seconds"])
            fault = None
        if fault:
            return self._fault(fault, path, parsed.query)
        try:
            query = router.parse_query(parsed.query)
        except router.QueryError:
            sandbox.request_log.record(self.command, path, parsed.query, 400, False)
            return self._send(400, to_json({"success": False, "error": "Invalid query parameters"}), dict(API_HEADERS))
        body = router.parse_body(raw, self.headers.get("Content-Type"))
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, path, query, headers, body, self.client_address[0])
        sandbox.store.begin_request()
        try:
            status, reply, extra_headers = sandbox.pipeline.handle(req)
        except Exception:  # a sandbox bug: answer like the server's catch-all, keep the trace in the log
            sandbox.store.log("internal error: %s" % traceback.format_exc())
            status, reply, extra_headers = 500, {"success": False, "error": "Internal server error"}, {}
        wrote = sandbox.store.request_wrote()
        sandbox.request_log.record(self.command, path, parsed.query, status, wrote)
        if isinstance(reply, str):
            self._send(status, reply, extra_headers)
        else:
            self._send(status, to_json(reply), dict(API_HEADERS, **extra_headers))

    def _fault(self, fault, path, query):
        record = self.sandbox.request_log.record
        if fault["kind"] == "drop":
            record(self.command, path, query, None, False)
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        if fault["kind"] == "ratelimit":
            reset = int(time.time() * 1000 + fault["seconds"] * 1000)
            headers = dict(API_HEADERS, **{"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0",
                                           "X-RateLimit-Reset": str(reset)})
            error = errors.too_many_requests(math.ceil(fault["seconds"]))
            record(self.command, path, query, 429, False)
            return self._send(429, to_json(error.body), headers)
        status = fault["status"]
        record(self.command, path, query, status, False)
        if fault["body"] is not None:
            return self._send(status, to_json(fault["body"]), dict(API_HEADERS))
        # what a proxy in front of the server answers: not JSON
        reason = http.server.BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]
        return self._send(status, "<html><body><h1>%d %s</h1></body></html>" % (status, reason),
                          {"Content-Type": "text/html"})

    def _send(self, status, payload, headers):
        data = payload.encode("utf-8")
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class SandboxHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(host="127.0.0.1", port=0, options=None):
    """A server listening on (host, port) (0: a free port) with a fresh sandbox: (server, sandbox)."""
    sandbox = Sandbox(options)
    handler = type("BoundHandler", (Handler,), {"sandbox": sandbox})
    server = SandboxHTTPServer((host, port), handler)
    sandbox.base_url = "http://%s:%d" % (host, server.server_address[1])
    return server, sandbox
