"""The test-only routes under /_sandbox/ (not on a real server; no authentication, not in the request
log): the request log, faults, and control of the world (reset, config, restart, state, scheduled jobs,
a user's activation)."""

import urllib.parse

from .. import world
from ..errors import ApiError


class ControlRoutes:
    def __init__(self, store, ldap, request_log, faults, rate_limiter):
        self.store = store
        self.ldap = ldap
        self.request_log = request_log
        self.faults = faults
        self.rate_limiter = rate_limiter

    def handle(self, method, path, body):
        """Answer a /_sandbox/ request; returns (status, body)."""
        store = self.store
        body = body if isinstance(body, dict) else {}
        name = path[len("/_sandbox/"):]
        if name == "requests" and method == "GET":
            return 200, self.request_log.list()
        if name == "requests" and method == "DELETE":
            self.request_log.clear()
            return 200, {"success": True}
        if name == "reset" and method == "POST":
            world.reset(store, startup=bool(body.get("startup")))
            self.request_log.clear()
            self.faults.clear()
            self.rate_limiter.clear()
            return 200, {"success": True}
        if name == "config" and method == "POST":
            try:
                world.configure(store, body)
            except (ValueError, TypeError) as exc:
                return 400, {"success": False, "error": str(exc)}
            self.rate_limiter.clear()
            return 200, {"success": True, "options": store.options}
        if name == "config" and method == "GET":
            return 200, {"success": True, "options": store.options}
        if name == "restart" and method == "POST":
            world.restart(store)
            self.rate_limiter.clear()
            return 200, {"success": True}
        if name == "faults" and method == "POST":
            problem = self.faults.add(body)
            if problem:
                return 400, {"success": False, "error": problem}
            return 200, {"success": True}
        if name == "faults" and method == "DELETE":
            self.faults.clear()
            return 200, {"success": True}
        if name == "faults" and method == "GET":
            return 200, self.faults.list()
        if name == "state" and method == "GET":
            return 200, self.state()
        if name.startswith("jobs/") and method == "POST":
            return self.run_job(name[len("jobs/"):])
        if name.startswith("users/") and method == "POST":
            return self.change_user(urllib.parse.unquote(name[len("users/"):]), body)
        return 404, {"success": False, "error": "no such sandbox route"}

    def state(self):
        store = self.store
        with store.lock:
            settings = []
            for doc in store.settings.values():
                item = dict(doc)
                if doc.get("type") != "group":
                    item["effectiveValue"] = store.setting(doc["_id"])
                settings.append(item)
            users = []
            for user in store.users():
                view = {k: v for k, v in user.items() if k != "services"}
                tokens = user["services"]["resume"]["loginTokens"]
                view["services"] = {"ldap": user["services"].get("ldap")} if "ldap" in user["services"] else {}
                view["loginTokens"] = len(tokens)
                view["personalAccessTokens"] = [t["name"] for t in tokens if t.get("type") == "personalAccessToken"]
                view["hasPassword"] = store.has_password(user)
                view["twoFactor"] = [m for m in ("totp", "email2fa") if (user["services"].get(m) or {}).get("enabled")]
                users.append(view)
            channels = [dict(r) for r in store.rooms.values()]
            teams = [dict(t) for t in store.teams.values()]
            return {"options": store.options, "band": store.band, "licensed": store.licensed(),
                    "settings": settings, "users": users, "roles": list(store.roles.values()),
                    "channels": channels, "teams": teams, "emails": list(store.emails),
                    "log": list(store.log_lines), "engine_available": self.ldap.module() is not None}

    def run_job(self, job):
        """Run a scheduled job now. Jobs exist only while licensed and enabled by their setting (§6.5)."""
        jobs = {"LDAP_Sync": ("LDAP_Background_Sync", "sync"),
                "LDAP_AvatarSync": ("LDAP_Background_Sync_Avatars", "sync_avatars"),
                "LDAP_AutoLogout": ("LDAP_Sync_AutoLogout_Enabled", "auto_logout")}
        if job not in jobs:
            return 404, {"success": False, "error": "unknown job %s" % job}
        setting, method = jobs[job]
        store = self.store
        with store.lock:
            if not store.licensed() or store.setting(setting) is not True:
                return 200, {"success": True, "ran": False, "reason": "job not scheduled"}
            try:
                getattr(self.ldap.engine(), method)()
            except ApiError as exc:
                return exc.status, exc.body
            except Exception as exc:  # the real scheduler only logs
                store.log("job %s failed: %s: %s" % (job, type(exc).__name__, exc))
                return 200, {"success": True, "ran": True, "error": "%s: %s" % (type(exc).__name__, exc)}
        return 200, {"success": True, "ran": True}

    def change_user(self, username, body):
        """What an admin does to a user outside the API the contract covers (e.g. deactivating):
        {"active": bool}."""
        if set(body) != {"active"} or not isinstance(body["active"], bool):
            return 400, {"success": False, "error": 'need {"active": true|false}'}
        with self.store.lock:
            user = self.store.find_user(username=username)
            if user is None:
                return 404, {"success": False, "error": "no user %s" % username}
            self.store.update_user(user["_id"], active=body["active"])
        return 200, {"success": True}
