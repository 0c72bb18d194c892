"""Benchmark: how fast the Rocket.Chat sandbox answers over one keep-alive connection (not a test).

Two measures, each printed as a ratio against a floor measured in the same run: a bare
`http.server` handler (HTTP/1.1, keep-alive, Nagle off, one write per reply) answering a body of
the same size, so the ratio is what the sandbox's own work costs on top of Python's HTTP plumbing.

- `GET /api/v1/settings/LDAP_Enable` with the admin's PAT, N sequential requests (default 200);
- `GET /api/v1/users.list` paged through a sandbox seeded with U extra users (default 10,000),
  `count` P per page (default 100), every page in order.

Each server runs in its own process (`--serve sandbox|floor`, started by this script), the client
is one `requests.Session`.

    .venv/bin/python bench/bench_sandbox_latency.py [--requests 200 --users 10000 --page-size 100]
"""

import argparse
import http.server
import json
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# ------------------------------------------------------------------------------------ servers
class FloorHandler(http.server.BaseHTTPRequestHandler):
    """Answers `?size=N` bytes of JSON-ish text (default a settings read's size), nothing else."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        return

    def do_GET(self):  # noqa: N802 (http.server's naming)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        size = int(query.get("size", ["48"])[0])
        body = b"x" * size
        head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % len(body)).encode("ascii")
        self.wfile.write(head + body)


def serve(kind, users):
    """Run one server in this process; print {"url", "headers"} as one JSON line once listening."""
    if kind == "floor":
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FloorHandler)
        headers = {}
    else:
        from tests.sandbox.rocketchat.server import make_server
        server, sandbox = make_server("127.0.0.1", 0)
        store = sandbox.store
        for number in range(users):
            store.create_user(username="bench%05d" % number, name="Bench User %d" % number,
                              email="bench%05d@example.org" % number)
        headers = {"X-User-Id": store.admin_id, "X-Auth-Token": store.admin_pat}
    print(json.dumps({"url": "http://127.0.0.1:%d" % server.server_address[1], "headers": headers}), flush=True)
    server.serve_forever(poll_interval=0.2)


class Server:
    def __init__(self, kind, users=0):
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--users", str(users)],
                                        stdout=subprocess.PIPE, text=True, cwd=ROOT)
        info = json.loads(self.process.stdout.readline())
        self.url, self.headers = info["url"], info["headers"]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


# ------------------------------------------------------------------------------------ client
def timed(session, url, headers, params):
    """(seconds, reply) of one GET."""
    started = time.perf_counter()
    reply = session.get(url, headers=headers, params=params, timeout=60)
    elapsed = time.perf_counter() - started
    reply.raise_for_status()
    return elapsed, reply


def settings_reads(server, count):
    """Seconds of each read, and the reply's size."""
    with requests.Session() as session:
        url = server.url + "/api/v1/settings/LDAP_Enable"
        timed(session, url, server.headers, None)  # connect; the first request never waits for Nagle
        times = [timed(session, url, server.headers, None) for _ in range(count)]
    return [elapsed for elapsed, _reply in times], len(times[-1][1].content)


def floor_reads(floor, sizes):
    """Seconds of one floor request per body size in `sizes`, after a first one that connects."""
    with requests.Session() as session:
        timed(session, floor.url, {}, {"size": sizes[0]})
        return [timed(session, floor.url, {}, {"size": size})[0] for size in sizes]


def users_pages(server, page_size):
    """Seconds and size of each users.list page, in order until the last."""
    with requests.Session() as session:
        url = server.url + "/api/v1/users.list"
        times, sizes, offset, total = [], [], 0, None
        while total is None or offset < total:
            elapsed, reply = timed(session, url, server.headers, {"count": page_size, "offset": offset})
            times.append(elapsed)
            sizes.append(len(reply.content))
            total = reply.json()["total"]
            offset += page_size
    return times, sizes


def ms(seconds):
    return "%.2f ms" % (seconds * 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--serve", choices=["sandbox", "floor"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.users)

    floor, sandbox = Server("floor"), Server("sandbox", args.users)
    try:
        reads, size = settings_reads(sandbox, args.requests)
        floor_times = floor_reads(floor, [size] * args.requests)
        pages, page_sizes = users_pages(sandbox, args.page_size)
        floor_pages = floor_reads(floor, page_sizes)
    finally:
        floor.stop()
        sandbox.stop()

    print("GET settings/LDAP_Enable, %d sequential requests, one keep-alive session:" % args.requests)
    for name, times in (("sandbox", reads), ("floor", floor_times)):
        print("  %-8s median %s  mean %s  total %.2f s"
              % (name, ms(statistics.median(times)), ms(statistics.mean(times)), sum(times)))
    print("  ratio (median) %.1fx" % (statistics.median(reads) / statistics.median(floor_times)))
    print("users.list over %d users (+3 built-in), count=%d: %d pages" % (args.users, args.page_size, len(pages)))
    print("  sandbox  median %s/page  total %.2f s" % (ms(statistics.median(pages)), sum(pages)))
    print("  floor    median %s/page  total %.2f s" % (ms(statistics.median(floor_pages)), sum(floor_pages)))
    print("  ratio (total) %.1fx" % (sum(pages) / sum(floor_pages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
