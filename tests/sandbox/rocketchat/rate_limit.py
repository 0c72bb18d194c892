"""The API rate limiter (a pipeline step): per client address, route and method, a fixed window of
API_Enable_Rate_Limiter_Limit_Time_Default ms holding API_Enable_Rate_Limiter_Limit_Calls_Default calls.
Off unless the `rate_limiter` option is on (the server's TEST_MODE turns it off)."""

import math
import threading
import time

from . import errors


class RateLimiter:
    def __init__(self, store):
        self.store = store
        self.buckets = {}
        self.lock = threading.Lock()

    def check(self, route, req, headers):
        """Count the request; add the X-RateLimit-* headers; raise 429 once over the limit."""
        store = self.store
        if not (route.rate_limit and store.options["rate_limiter"] and store.setting("API_Enable_Rate_Limiter")):
            return
        if store.has_permission(req.user, "api-bypass-rate-limit"):
            return
        limit = int(store.setting("API_Enable_Rate_Limiter_Limit_Calls_Default") or 10)
        window_ms = int(store.setting("API_Enable_Rate_Limiter_Limit_Time_Default") or 60000)
        key = (req.client_ip, route.pattern, route.method)
        now_ms = int(time.time() * 1000)
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None or now_ms >= bucket["reset"]:
                bucket = self.buckets[key] = {"reset": now_ms + window_ms, "count": 0}
            bucket["count"] += 1
            headers.update({"X-RateLimit-Limit": str(limit),
                            "X-RateLimit-Remaining": str(max(0, limit - bucket["count"])),
                            "X-RateLimit-Reset": str(bucket["reset"])})
            if bucket["count"] > limit:
                raise errors.too_many_requests(math.ceil((bucket["reset"] - now_ms) / 1000))

    def clear(self):
        """Forget every count (the limiter lives in memory: a restart, reset or config change clears it)."""
        with self.lock:
            self.buckets.clear()
