"""What the test-only routes control outside the store: the request log and injected faults."""

import threading


class RequestLog:
    """`GET /_sandbox/requests`: every API request's {method, path, status, wrote, query?}."""

    def __init__(self):
        self.entries = []
        self.lock = threading.Lock()

    def record(self, method, path, query, status, wrote):
        with self.lock:
            entry = {"method": method, "path": path, "status": status, "wrote": wrote}
            if query:
                entry["query"] = query
            self.entries.append(entry)

    def list(self):
        with self.lock:
            return list(self.entries)

    def clear(self):
        with self.lock:
            self.entries.clear()


class Faults:
    """`/_sandbox/faults`: answers the HTTP layer gives instead of the server's (status, delay, drop,
    ratelimit), for a route (a trailing `*` matches a prefix), optionally a method, `times` times."""

    KINDS = ("status", "delay", "drop", "ratelimit")

    def __init__(self):
        self.faults = []
        self.lock = threading.Lock()

    def add(self, spec):
        """Add a fault from its JSON spec; returns an error text for a spec without route or kind."""
        if spec.get("kind") not in self.KINDS or not spec.get("route"):
            return "need route and kind (status|delay|drop|ratelimit)"
        fault = {"route": spec["route"], "method": (spec.get("method") or "").upper() or None,
                 "kind": spec["kind"], "status": int(spec.get("status", 503)),
                 "seconds": float(spec.get("seconds", 1.0)), "times": spec.get("times"),
                 "body": spec.get("body")}
        with self.lock:
            self.faults.append(fault)
        return None

    def list(self):
        with self.lock:
            return list(self.faults)

    def clear(self):
        with self.lock:
            self.faults.clear()

    def take(self, method, path):
        """The first fault for this request (a copy; its `times` counted down), or None."""
        with self.lock:
            for fault in self.faults:
                route = fault["route"]
                matches = path == route or (route.endswith("*") and path.startswith(route[:-1]))
                if not matches or (fault["method"] and fault["method"] != method):
                    continue
                if fault["times"] is not None:
                    if fault["times"] <= 0:
                        continue
                    fault["times"] -= 1
                return dict(fault)
        return None
