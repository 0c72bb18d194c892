"""The Rocket.Chat sandbox's HTTP server: routes, request pipeline, rate limiter, faults, test routes.

Everything answers as REST-CONTRACT.md describes (8.x by default; bands 7.x, 8.0-8.5, 8.6+, 9.0).
Where the contract says "not determined", the choice is marked NOT DETERMINED with the reason.
"""

import copy
import datetime
import http.server
import importlib
import json
import math
import re
import threading
import time
import traceback
import urllib.parse
from pathlib import Path

from . import ajv, errors, router
from .errors import ApiError
from .settings_store import LDAP_MODULE
from .store import Store, new_token, now, password_digest
from .twofactor import TwoFactor, TwoFactorError

API_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
MINIMUM_CLIENT_VERSIONS = {"desktop": "3.9.6", "mobile": "4.39.0"}


# ---------------------------------------------------------------------------------------- encoding
def iso_date(value):
    value = value.astimezone(datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)


def to_json(value):
    """JSON as the server sends it: dates as ISO strings, compact separators."""
    def default(obj):
        if isinstance(obj, datetime.datetime):
            return iso_date(obj)
        raise TypeError(type(obj).__name__)
    return json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=False)


def to_ejson(value):
    """EJSON (method.call frames): dates as {"$date": ms}."""
    def convert(obj):
        if isinstance(obj, datetime.datetime):
            return {"$date": int(obj.timestamp() * 1000)}
        if isinstance(obj, dict):
            return {k: convert(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [convert(v) for v in obj]
        return obj
    return json.dumps(convert(value), separators=(",", ":"), ensure_ascii=False)


def from_ejson(text):
    def hook(obj):
        if set(obj) == {"$date"} and isinstance(obj["$date"], (int, float)):
            return datetime.datetime.fromtimestamp(obj["$date"] / 1000, datetime.timezone.utc)
        return obj
    return json.loads(text, object_hook=hook)


def json_type(value):
    """How Meteor's check() names a value's type in "Expected X, got Y"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"  # arrays too: typeof [] === "object"


# ---------------------------------------------------------------------------------------- requests
class Request:
    def __init__(self, method, path, query, headers, body, client_ip):
        self.method = method
        self.path = path
        self.query = query            # dict as the router parses it (qs); after validation, the coerced data
        self.headers = headers        # lower-case keys
        self.body = body              # dict or list as the router parses it; after validation, the coerced data
        self.client_ip = client_ip
        self.user = None
        self.token_entry = None
        self.params = {}


class Route:
    def __init__(self, method, pattern, handler, *, auth=True, permissions=(), license=False,
                 rate_limit=True, two_factor=None, bands=None):
        self.method = method
        self.pattern = pattern
        self.regex = re.compile("^" + re.sub(r":(\w+)", r"(?P<\1>[^/]+)", re.escape(pattern).replace(r"\:", ":"))
                                + "$")
        self.handler = handler
        self.auth = auth              # True (required), "optional", or False
        self.permissions = permissions
        self.license = license        # licence check ('ldap-enterprise') applies in 9.0 only
        self.rate_limit = rate_limit
        self.two_factor = two_factor  # None or dict of TwoFactor.check options (callable allowed)
        self.bands = bands            # None = all bands


# ---------------------------------------------------------------------------------------- validators
# The request schemas are Rocket.Chat's own (rest_typings.json, generated from @rocket.chat/rest-typings by
# tools/oracles/rest-typings/generate.mjs); ajv.py applies them as AJV does. What differs by version is
# written here, next to its source.
REST_TYPINGS = json.loads((Path(__file__).with_name("rest_typings.json")).read_text())

# users.info's identifiers that came after 8.0 (contract §7.2): an older server has no such anyOf branch.
_USERS_INFO_SINCE = {"email": (8, 4), "freeSwitchExtension": (8, 5)}


def _schema_for(key, part, band, version):
    """The schema of `part` ('query' or 'body') of route `key` on a server of `band`/`version`, or None."""
    spec = REST_TYPINGS["routes"].get(key, {}).get(part)
    if spec is None:
        return None
    schema = copy.deepcopy(spec["schema"])
    if band == "9" and part == "query":
        # pending 9.0 changeset "Removes the deprecated `query` and `fields` REST API parameters" (§1.4)
        for name in ("query", "fields"):
            for branch in [schema] + schema.get("anyOf", []):
                branch.get("properties", {}).pop(name, None)
    if key == "GET /api/v1/users.info" and band != "9":
        schema["anyOf"] = [branch for branch in schema["anyOf"] if not any(
            version < _USERS_INFO_SINCE.get(name, (0, 0)) for name in branch.get("required", ()))]
    return ajv.Validator(schema, REST_TYPINGS["instances"][spec["instance"]]["coerceTypes"])


def js_parse_int(value):
    """parseInt(String(value)): the leading integer of the text, None for NaN."""
    text = ajv.js_number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else str(value)
    found = re.match(r"[\s\ufeff\xa0]*([+-]?[0-9]+)", text)
    return int(found.group(1)) if found else None


# ---------------------------------------------------------------------------------------- validation rules
def _teams_map_problem(value):
    """LDAP_Groups_To_Rocket_Chat_Teams: a JSON object whose values are arrays of strings (§6.4; the
    settings data adds "non-empty"); "" means no map. Invalid JSON is refused too (NOT DETERMINED:
    the contract only names the values' shape). The message text is NOT DETERMINED either: the
    wording of Rocket.Chat's own check is used."""
    if value == "":
        return None
    try:
        mapping = router.parse_js_json(value) if isinstance(value, str) else None
    except ValueError:
        mapping = None
    if isinstance(mapping, dict) and all(
            isinstance(teams, list) and teams and all(isinstance(team, str) for team in teams)
            for teams in mapping.values()):
        return None
    return "Please verify your mapping for LDAP X RocketChat Teams. There is some invalid Rocket Chat Teams."


SETTING_VALIDATION_RULES = {"LDAP_Groups_To_Rocket_Chat_Teams": _teams_map_problem}


# ---------------------------------------------------------------------------------------- secret masking
# develop's maskSecretSettingValue / shouldSkipSecretWrite (§5.8), on with the mask_secrets option.
def is_secret(doc):
    return bool(doc.get("secret")) or doc.get("type") == "password"


def has_value(doc):
    # NOT DETERMINED: the helper's exact test; an unset or empty value is taken as "no value"
    return doc.get("value") not in (None, "")


def masked(doc, item):
    """`item` (a read of `doc`) with the secret value replaced: "" plus hasValue, no env-source keys."""
    item = {k: v for k, v in item.items() if k not in ("processEnvValue", "meteorSettingsValue", "valueSource")}
    item["value"] = ""
    item["hasValue"] = has_value(doc)
    return item


# ---------------------------------------------------------------------------------------- the app
class Sandbox:
    """All server behaviour, independent of the HTTP plumbing (one instance per process)."""

    def __init__(self, options=None):
        self.store = Store(options)
        self.two_factor = TwoFactor(self.store)
        self.request_log = []
        self.faults = []
        self.rate_buckets = {}
        self.validators = {}  # (route, part, band, version) -> ajv.Validator | None
        self.meta_lock = threading.Lock()  # request log, faults, rate buckets
        self.base_url = ""
        self.routes = self._routes()

    # ---------------------------------------------------------------- engine (lazy)
    def engine_module(self):
        try:
            return importlib.import_module(__package__ + ".ldap_engine")
        except ImportError as exc:
            if exc.name and exc.name.endswith("ldap_engine"):
                return None
            raise

    def engine(self):
        module = self.engine_module()
        if module is None:
            raise ApiError(500, {"success": False, "error": "sandbox: ldap_engine is not available"})
        return module.LdapEngine(self.store, major_version=self.store.major_version)

    # ---------------------------------------------------------------- routes
    def _routes(self):
        two_fa = {}
        routes = [
            Route("POST", "/api/v1/login", self.login, auth=False),
            Route("GET", "/api/v1/logout", self.logout),
            Route("POST", "/api/v1/logout", self.logout),
            Route("GET", "/api/v1/me", self.me),
            Route("GET", "/api/info", self.info, auth="optional", rate_limit=False),
            Route("POST", "/api/v1/users.generatePersonalAccessToken", self.generate_pat,
                  permissions=("create-personal-access-tokens",), two_factor=two_fa),
            Route("POST", "/api/v1/users.removePersonalAccessToken", self.remove_pat,
                  permissions=("create-personal-access-tokens",), two_factor=two_fa),
            Route("GET", "/api/v1/users.getPersonalAccessTokens", self.list_pats,
                  permissions=("create-personal-access-tokens",)),
            Route("GET", "/api/v1/licenses.info", self.licenses_info),
            Route("GET", "/api/v1/settings.public", self.settings_public, auth=False),
            Route("GET", "/api/v1/settings", self.settings_list),
            Route("POST", "/api/v1/settings", self.settings_bulk,
                  two_factor={"disable_remember_me": True}, bands=("8.6", "9")),
            Route("GET", "/api/v1/settings/:_id", self.setting_get, permissions=("view-privileged-setting",)),
            Route("POST", "/api/v1/settings/:_id", self.setting_post, permissions=("edit-privileged-setting",),
                  two_factor=two_fa),
            Route("POST", "/api/v1/method.call/:method", self.method_call, rate_limit=False),
            Route("POST", "/api/v1/ldap.testConnection", self.ldap_test_connection,
                  permissions=("test-admin-options",), license=True),
            Route("POST", "/api/v1/ldap.testSearch", self.ldap_test_search, permissions=("test-admin-options",),
                  license=True),
            Route("POST", "/api/v1/ldap.syncNow", self.ldap_sync_now, license=True,
                  two_factor=lambda: {"require_second_factor": not self.store.licensed()}),
            Route("GET", "/api/v1/roles.list", self.roles_list),
            Route("GET", "/api/v1/users.info", self.users_info),
            Route("GET", "/api/v1/users.list", self.users_list, permissions=("view-d-room",)),
            Route("GET", "/api/v1/channels.info", self.channels_info),
            Route("GET", "/api/v1/channels.members", self.channels_members),
            Route("GET", "/api/v1/teams.info", self.teams_info),
            Route("GET", "/api/v1/teams.members", self.teams_members),
        ]
        return routes

    def match(self, method, path):
        """The route for (method, path) in the running version, or None."""
        band = self.store.band
        for route in self.routes:
            if route.method != method or (route.bands and band not in route.bands):
                continue
            found = route.regex.match(path)
            if found:
                return route, {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
        return None, None

    # ---------------------------------------------------------------- pipeline
    def handle(self, req):
        """Run a request through the server's pipeline; returns (status, body, headers)."""
        route, params = self.match(req.method, req.path)
        if route is None:
            # NOT DETERMINED (contract §8): the reply of an unknown route. 8.x routes through a
            # Hono-based router whose default not-found answer is a plain-text 404; the same is used
            # for every band (and for methods a route does not serve, e.g. bulk POST before 8.6).
            return 404, "404 Not Found", {"Content-Type": "text/plain; charset=UTF-8"}
        req.params = params
        headers = {}
        band = self.store.band
        try:
            with self.store.lock:
                steps = [self._authenticate, self._check_permissions, self._check_license, self._validate,
                         self._rate_limit, self._check_two_factor]
                if band == "7":
                    # pre-Hono order: auth -> rate limit -> validateParams -> permissions -> 2FA
                    steps = [self._authenticate, self._rate_limit, self._validate, self._check_permissions,
                             self._check_two_factor]
                for step in steps:
                    step(route, req, headers)
                result = route.handler(req)
        except ApiError as exc:
            headers.update(exc.headers)
            return exc.status, exc.body, headers
        except TwoFactorError as exc:
            return 400, errors.meteor_error_body(exc.code, exc.reason, exc.details), headers
        status = 200
        if isinstance(result, tuple):
            status, result = result
        if isinstance(result, dict) and "success" not in result:
            result = dict(result, success=True)
        return status, result, headers

    def _authenticate(self, route, req, headers):
        if not route.auth:
            return
        user, entry = self.store.find_login(req.headers.get("x-user-id"), req.headers.get("x-auth-token"))
        if user is None and route.auth is True:
            raise errors.unauthorized(self.store.band)
        req.user, req.token_entry = user, entry

    def _check_permissions(self, route, req, headers):
        missing = [p for p in route.permissions if not self.store.has_permission(req.user, p)]
        if route.permissions and len(missing) == len(route.permissions):
            raise errors.forbidden_permission(self.store.band, route.permissions)

    def _check_license(self, route, req, headers):
        if route.license and self.store.band == "9" and not self.store.licensed(LDAP_MODULE):
            raise errors.license_required()

    def _validate(self, route, req, headers):
        """The router's query, then body validation (Router.ts): Rocket.Chat's schemas, coercing as AJV does."""
        band = self.store.band
        key = "%s %s" % (route.method, route.pattern)
        version = (self.store.major_version, self._minor())
        for part, refuse in (("query", errors.invalid_query), ("body", errors.invalid_body)):
            cache_key = (key, part, band, version)
            if cache_key not in self.validators:
                self.validators[cache_key] = _schema_for(key, part, band, version)
            validator = self.validators[cache_key]
            if validator is None:
                continue
            valid, data, messages = validator.validate(getattr(req, part))
            if not valid:
                raise refuse(band, "\n ".join(messages))
            setattr(req, part, data)

    def _rate_limit(self, route, req, headers):
        if not (route.rate_limit and self.store.options["rate_limiter"]
                and self.store.setting("API_Enable_Rate_Limiter")):
            return
        if self.store.has_permission(req.user, "api-bypass-rate-limit"):
            return
        limit = int(self.store.setting("API_Enable_Rate_Limiter_Limit_Calls_Default") or 10)
        window_ms = int(self.store.setting("API_Enable_Rate_Limiter_Limit_Time_Default") or 60000)
        key = (req.client_ip, route.pattern, route.method)
        now_ms = int(time.time() * 1000)
        with self.meta_lock:
            bucket = self.rate_buckets.get(key)
            if bucket is None or now_ms >= bucket["reset"]:
                bucket = self.rate_buckets[key] = {"reset": now_ms + window_ms, "count": 0}
            bucket["count"] += 1
            headers.update({"X-RateLimit-Limit": str(limit),
                            "X-RateLimit-Remaining": str(max(0, limit - bucket["count"])),
                            "X-RateLimit-Reset": str(bucket["reset"])})
            if bucket["count"] > limit:
                raise errors.too_many_requests(math.ceil((bucket["reset"] - now_ms) / 1000))

    def _check_two_factor(self, route, req, headers):
        options = route.two_factor
        if options is None:
            return
        if callable(options):
            options = options()
        self.two_factor.check(req.user, headers=req.headers, token_entry=req.token_entry,
                              client_ip=req.client_ip, **options)

    # ---------------------------------------------------------------- session
    def login(self, req):
        store = self.store
        body = req.body if isinstance(req.body, dict) else {}
        code = body.get("code") or req.headers.get("x-2fa-code")
        try:
            if set(body) - {"user", "username", "email", "password", "code"}:
                user, token = self._login_passthrough(body)
            else:
                user, token = self._login_password(body, code)
            if token is None:
                self.two_factor.check(user, code=code, method=req.headers.get("x-2fa-method"),
                                      disable_password_fallback=True)
                if not user.get("active"):
                    # Accounts.validateLoginAttempt runs after every login handler (local and LDAP, so
                    # after the LDAP data sync): a deactivated user gets §2.1's 401 failure shape with
                    # this Meteor error. Its `details` are left out: the contract names none.
                    raise _LoginError("error-user-is-not-activated", "User is not activated")
                token = new_token()
                store.add_login_token(user["_id"], token)
            user["lastLogin"] = now()
        except TwoFactorError as exc:
            raise self._login_failure(exc.code, exc.reason, exc.details)
        except _LoginError as exc:
            raise self._login_failure(exc.error, exc.reason, exc.details)
        return {"status": "success", "data": {"userId": user["_id"], "authToken": token, "me": self._me(user)}}

    def _login_failure(self, error, reason, details=None):
        if reason == "User not found":
            error = reason = "Unauthorized"
        if self.store.band == "9":
            # NOT DETERMINED in detail: pending 9.0 drops the status/details/message extras of the
            # /login failure body; what remains is assumed to be the plain failure shape.
            return ApiError(401, {"success": False, "error": error})
        body = {"success": False, "status": "error"}
        if error is not None:
            body["error"] = error
        if details:
            body["details"] = details
        body["message"] = reason
        return ApiError(401, body)

    def _login_passthrough(self, body):
        """Bodies with other keys go to the Meteor login handlers unchanged (resume, ldap, ...)."""
        if "resume" in body:
            user, _entry = self.store.find_login_by_token(str(body["resume"]))
            if user is None:
                raise _LoginError(403, "You've been logged out by the server. Please log in again.")
            return user, str(body["resume"])
        if body.get("ldap") is True and isinstance(body.get("ldapPass"), str):
            return self._login_ldap(str(body.get("username") or ""), body["ldapPass"]), None
        raise _LoginError(400, "Unrecognized options for login request")

    def _login_password(self, body, code):
        selector = None
        user_field = body.get("user")
        if isinstance(user_field, str):
            selector = {"email": user_field} if "@" in user_field else {"username": user_field}
        elif isinstance(user_field, dict):
            selector = user_field
        elif isinstance(body.get("username"), str):
            selector = {"username": body["username"]}
        elif isinstance(body.get("email"), str):
            selector = {"email": body["email"]}
        password = body.get("password")
        if selector is None and password is None:
            raise _LoginError(400, "Unrecognized options for login request")
        if isinstance(password, str):
            digest = password_digest(password)
        elif isinstance(password, dict) and isinstance(password.get("digest"), str) \
                and password.get("algorithm") == "sha-256":
            digest = password["digest"]
        else:
            digest = None
        if selector is None or digest is None or not _valid_selector(selector):
            # Meteor's check() in the password login handler throws a Match.Error (no error code).
            # NOT DETERMINED: the contract maps "non-Meteor" errors to 500 but the login route catches
            # every error into the 401 body; the 401 body with the Match text is used.
            raise _LoginError(None, "Match failed")
        if self.store.setting("LDAP_Enable") is True and isinstance(password, str):
            login_name = selector.get("username") or selector.get("email") or ""
            user = self._login_ldap(login_name, password)
            if user is not None:
                return user, None
            # the LDAP handler falls back to the local account system with {username}|{email}
            selector = {"email": login_name} if "@" in login_name else {"username": login_name}
        user = self.store.find_user(**{k: v for k, v in selector.items() if k in ("username", "email")})
        if user is None:
            raise _LoginError("Unauthorized", "User not found")
        if not self.store.has_password(user) or not self.store.password_matches(user, digest):
            # the contract: wrong password or unknown user both answer Unauthorized/Unauthorized
            raise _LoginError("Unauthorized", "Unauthorized")
        return user, None

    def _login_ldap(self, username, password):
        """LDAP login; None = fall back to the local login (contract §2.1)."""
        if self.engine_module() is None:
            self.store.log("LDAP login skipped: ldap_engine is not available")
            return None
        # the engine returns None for every failure that falls back to the local login; what it
        # raises (existing unlinked user, an entry it cannot map) ends the login
        return self._run_engine("login", lambda engine: engine.login(username, password))

    def logout(self, req):
        self.store.remove_login_token(req.user["_id"], req.token_entry["hashedToken"])
        # pre-Hono code returns this body without a `success` key
        return {"status": "success", "data": {"message": "You've been logged out!"}, "success": _OMIT}

    def _me(self, user):
        me = {k: user[k] for k in ("_id", "username", "name", "emails", "active", "roles", "settings",
                                   "utcOffset", "type") if k in user}
        me.update(status="online", statusConnection="online",
                  avatarUrl="%s/avatar/%s" % (self.base_url, user["username"]))
        if user.get("ldap"):
            me["ldap"] = True
        if user.get("customFields"):
            me["customFields"] = user["customFields"]
        return me

    def me(self, req):
        return self._me(req.user)

    def info(self, req):
        version = self.store.options["version"]
        body = {"version": ".".join(version.split(".")[:2])}
        if self.store.has_permission(req.user, "view-statistics"):
            body = {"version": version, "info": {
                "version": version,
                "build": {"date": "2026-01-01T00:00:00.000Z", "nodeVersion": "v22.16.0", "arch": "x64",
                          "platform": "linux", "osRelease": "6.1.0", "totalMemory": 8589934592,
                          "freeMemory": 4294967296, "cpus": 2},
                "marketplaceApiVersion": "1.58.0",
                "commit": {"hash": "0" * 40, "date": "Thu Jan 1 00:00:00 2026 +0000", "author": "sandbox",
                           "subject": "sandbox build", "tag": version, "branch": "HEAD"}}}
        body["minimumClientVersions"] = MINIMUM_CLIENT_VERSIONS
        return body

    def generate_pat(self, req):
        name = req.body["tokenName"]
        tokens = req.user["services"]["resume"]["loginTokens"]
        if any(t.get("type") == "personalAccessToken" and t.get("name") == name for t in tokens):
            raise errors.meteor_error("error-token-already-exists", "A token with this name already exists",
                                      {"method": "personalAccessTokens:generateToken"})
        token = new_token()
        bypass = req.body.get("bypassTwoFactor") is True
        self.store.add_login_token(req.user["_id"], token, pat_name=name, bypass_two_factor=bypass)
        self.store.mark_write()  # a PAT is configuration; plain login tokens are not counted as writes
        return {"token": token}

    def remove_pat(self, req):
        name = req.body["tokenName"]
        tokens = req.user["services"]["resume"]["loginTokens"]
        found = [t for t in tokens if t.get("type") == "personalAccessToken" and t.get("name") == name]
        if not found:
            raise errors.meteor_error("not-authorized", "Not Authorized",
                                      {"method": "personalAccessTokens:removeToken"})
        tokens.remove(found[0])
        self.store.mark_write()
        return {}

    def list_pats(self, req):
        tokens = [{"name": t["name"], "createdAt": t["createdAt"], "lastTokenPart": t["lastTokenPart"],
                   "bypassTwoFactor": t.get("bypassTwoFactor", False)}
                  for t in req.user["services"]["resume"]["loginTokens"] if t.get("type") == "personalAccessToken"]
        return {"tokens": tokens}

    # ---------------------------------------------------------------- licence
    def licenses_info(self, req):
        licensed = self.store.options["license"] == LDAP_MODULE
        active_users = sum(1 for u in self.store.users() if u.get("active") and u.get("type") == "user")
        limits = {"activeUsers": {"value": active_users, "max": -1 if licensed else 200},
                  "guestUsers": {"value": 0, "max": -1}, "roomsPerGuest": {"value": 0, "max": -1},
                  "privateApps": {"value": 0, "max": -1 if licensed else 3},
                  "marketplaceApps": {"value": 0, "max": -1 if licensed else 5},
                  "monthlyActiveContacts": {"value": 0, "max": -1}}
        info = {
            "activeModules": self.store.active_modules(),
            "externalModules": [],
            "preventedActions": {"activeUsers": False, "guestUsers": False, "roomsPerGuest": False,
                                 "privateApps": False, "marketplaceApps": False, "monthlyActiveContacts": False},
            "limits": limits,
            "tags": [{"name": "Enterprise", "color": "#5154ec"}] if licensed else [],
            "trial": False,
            "hasValidLicense": licensed,
        }
        if licensed and self.store.has_permission(req.user, "view-privileged-setting"):
            info = {"license": {
                "version": "3.0",
                "information": {"id": "sandbox-license", "autoRenew": True, "visualExpiration": "2099-12-31T00:00:00.000Z",
                                "trial": False, "offline": True, "createdAt": "2026-01-01T00:00:00.000Z",
                                "grantedBy": {"method": "manual", "seller": "sandbox"}, "tags": info["tags"]},
                "validation": {"serverUrls": [{"value": "*", "type": "regex"}], "validPeriods": [],
                               "statisticsReport": {"required": False}},
                "grantedModules": [{"module": m} for m in self.store.active_modules()],
                "limits": {},
                "cloudMeta": None,
            }, **info}
        return {"license": info}

    # ---------------------------------------------------------------- settings
    def _pagination(self, req):
        """getPaginationItems (apps/meteor/app/api/server/helpers/getPaginationItems.ts) on the validated query."""
        store = self.store
        upper = store.setting("API_Upper_Count_Limit") or 0
        upper = 100 if upper <= 0 else upper
        default = store.setting("API_Default_Count") or 0
        default = 50 if default <= 0 else default
        query = req.query if isinstance(req.query, dict) else {}
        # parseInt(String(x)); NOT DETERMINED: what Mongo does with a NaN skip/limit ("Infinity"
        # passes the schema as a number): the sandbox reads NaN as "not given"
        offset = (js_parse_int(query["offset"]) or 0) if query.get("offset") else 0
        count = default
        if query.get("count") is not None:
            count = js_parse_int(query["count"] or 0)
            count = default if count is None else count
        count = min(count, upper)
        if count == 0 and not store.setting("API_Allow_Infinite_Count"):
            count = default
        return max(offset, 0), abs(count)

    def _sort(self, req):
        raw = req.query.get("sort")
        if raw is None:
            return None
        try:
            if not isinstance(raw, str):  # qs made it a list or an object: String() of it is no JSON
                raise ValueError
            sort = json.loads(raw)
            if not isinstance(sort, dict) or any(v not in (1, -1) for v in sort.values()):
                raise ValueError
        except ValueError:
            # parseJsonQuery's error (not in the contract; as the server's helper words it)
            raise errors.meteor_error("error-invalid-sort", 'Invalid sort parameter provided: "%s"' % raw,
                                      {"helperMethod": "parseJsonQuery"})
        return list(sort.items()) or None

    @staticmethod
    def _sorted(items, sort):
        def key_for(field):
            def key(item):
                value = item.get(field)
                # Mongo order: missing/null < numbers < strings < objects < arrays < booleans
                if value is None:
                    return (0, "")
                if isinstance(value, bool):
                    return (5, value)
                if isinstance(value, (int, float)):
                    return (1, value)
                if isinstance(value, str):
                    return (2, value)
                return (3, to_json(value))
            return key
        for field, direction in reversed(sort):
            items = sorted(items, key=key_for(field), reverse=direction == -1)
        return items

    def _page(self, req, items, default_sort=(("_id", 1),)):
        offset, count = self._pagination(req)
        items = self._sorted(items, self._sort(req) or list(default_sort))
        total = len(items)
        page = items[offset:offset + count] if count else items[offset:]
        return page, {"count": len(page), "offset": offset, "total": total}

    def _listed_setting(self, doc, include_defaults):
        """The fixed projection of GET /settings, with the EE fetch-settings hook applied."""
        item = {"_id": doc["_id"]}
        if doc.get("type") != "group":
            if "value" in doc:
                item["value"] = doc["value"]
            if doc.get("enterprise") and not all(self.store.licensed(m) for m in doc.get("modules") or []):
                if "invalidValue" in doc:
                    item["value"] = doc["invalidValue"]
                else:
                    item.pop("value", None)
        for key in ("enterprise", "invalidValue", "modules"):
            if key in doc:
                item[key] = doc[key]
        if include_defaults and "packageValue" in doc:
            item["packageValue"] = doc["packageValue"]
        return self._secret_read(doc, item)

    def _secret_read(self, doc, item):
        """A REST read of a setting, masked when secret masking is on and the setting is secret."""
        return masked(doc, item) if self.store.options["mask_secrets"] and is_secret(doc) else item

    def _skips_secret_write(self, setting_id, value):
        """shouldSkipSecretWrite: with masking on, "" sent to a secret that has a value changes nothing."""
        doc = self.store.settings.get(setting_id)
        return (self.store.options["mask_secrets"] and doc is not None and is_secret(doc) and value == ""
                and has_value(doc))

    def settings_list(self, req):
        privileged = self.store.has_permission(req.user, "view-privileged-setting")
        docs = [d for d in self.store.settings.values()
                if not d.get("hidden") and (privileged or d.get("public") is True)]
        include_defaults = req.query.get("includeDefaults") is True
        items = [self._listed_setting(d, include_defaults) for d in docs]
        page, paging = self._page(req, items)
        return dict({"settings": page}, **paging)

    def settings_public(self, req):
        docs = [d for d in self.store.settings.values() if d.get("public") is True and not d.get("hidden")]
        if "_id" in req.query:
            wanted = set(req.query["_id"].split(","))
            docs = [d for d in docs if d["_id"] in wanted]
        items = [self._listed_setting(d, False) for d in docs]
        page, paging = self._page(req, items)
        return dict({"settings": page}, **paging)

    def setting_get(self, req):
        doc = self.store.settings.get(req.params["_id"])
        if doc is None or doc.get("hidden"):
            raise errors.failure()
        body = {"_id": doc["_id"]}
        if "value" in doc:
            body["value"] = doc["value"]  # raw stored value: no licence coercion, no masking in 8.x
        return self._secret_read(doc, body)

    def setting_post(self, req):
        body = req.body if isinstance(req.body, dict) else {}
        doc = self.store.settings.get(req.params["_id"])
        if doc is None or doc.get("hidden"):
            raise errors.failure()
        if body.get("execute") is True and doc.get("type") == "action":
            return {}
        if "value" not in body:
            raise errors.failure()
        self._check_validation_rules(doc["_id"], body["value"])
        if self._skips_secret_write(doc["_id"], body["value"]):
            return {}
        if not self.store.write_setting(doc["_id"], body["value"], skip_hidden=True):
            raise errors.failure()  # blocked: the update matched nothing
        self.store.log("setting %s changed by %s" % (doc["_id"], req.user["username"]))
        return {}

    @staticmethod
    def _check_validation_rules(setting_id, value):
        """Settings with a validation rule (§5.3, §5.4): 400 error-setting-validation-failed."""
        rule = SETTING_VALIDATION_RULES.get(setting_id)
        message = rule(value) if rule else None
        if message:
            raise errors.failure(message, errorType="error-setting-validation-failed")

    def _save_settings(self, user, items, *, integer_check, validation_rules):
        """saveSettings / saveSettingsBulk: permission and type checks before any write (§5.4, §5.5);
        the bulk route also applies validation rules, the saveSettings method does not (§5.5)."""
        store = self.store
        privileged = store.has_permission(user, "edit-privileged-setting")
        not_allowed = []
        for item in items:
            setting_id, value = item["_id"], item["value"]
            if not privileged:
                not_allowed.append(setting_id)
                continue
            doc = store.settings.get(setting_id)
            self._check_setting_type(doc, value, integer_check)
            if validation_rules:
                self._check_validation_rules(setting_id, value)
        if not_allowed:
            raise errors.meteor_error("error-action-not-allowed", "Editing settings is not allowed",
                                      {"method": "saveSettings", "settingIds": not_allowed})
        # Site_Name follows Organization_Name while it is the default or still equal to the organisation's name
        site_name = store.settings["Site_Name"]["value"]
        site_name_default = site_name in (store.settings["Site_Name"]["packageValue"],
                                          store.settings["Organization_Name"].get("value"))
        for item in items:
            if self._skips_secret_write(item["_id"], item["value"]):
                continue
            # updateValueById: match _id, not blocked; no upsert (unknown ids silently succeed); hidden written
            store.write_setting(item["_id"], item["value"], skip_hidden=False)
            if item["_id"] == "Organization_Name" and site_name_default:
                store.write_setting("Site_Name", item["value"], skip_hidden=False)
        return True

    @staticmethod
    def _check_setting_type(doc, value, integer_check):
        setting_type = (doc or {}).get("type", "string")

        def match_error(expected):
            raise errors.failure("Match error: Expected %s, got %s" % (expected, json_type(value)))

        if setting_type == "boolean":
            if not isinstance(value, bool):
                match_error("boolean")
        elif setting_type in ("int", "timespan", "range"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                match_error("number")
            if integer_check and not float(value).is_integer():
                raise errors.meteor_error("error-invalid-setting-value", "Invalid setting value %s" % ajv.js_number_text(value),
                                          {"method": "saveSettings"})
        elif setting_type == "multiSelect":
            if not isinstance(value, list):
                match_error("array")
        elif setting_type == "roomPick":
            if not (isinstance(value, dict) or value == ""):
                raise errors.failure("Match error: Failed Match.OneOf, Match.Maybe or Match.Optional validation")
        elif setting_type == "code":
            if not isinstance(value, str):
                match_error("string")
            if doc.get("code") == "application/json" and value != "":  # only "" is exempt (§5.4)
                try:
                    router.parse_js_json(value)
                except ValueError:
                    raise ApiError(400, {"success": False, "error": "[Invalid JSON provided]",
                                         "errorType": "Invalid JSON provided"})
        elif not isinstance(value, str):
            match_error("string")

    def settings_bulk(self, req):
        self._save_settings(req.user, req.body["settings"], integer_check=True, validation_rules=True)
        return {}

    # ---------------------------------------------------------------- method.call
    def method_call(self, req):
        band = self.store.band
        body = req.body if isinstance(req.body, dict) else None
        if body is None or not isinstance(body.get("message"), str):
            raise errors.failure("Invalid method call")
        try:
            frame = from_ejson(body["message"])
            if not isinstance(frame, dict) or frame.get("msg") != "method" or not isinstance(frame.get("method"), str):
                raise ValueError
            params = frame.get("params", [])
            if not isinstance(params, list):
                raise ValueError
        except ValueError:
            raise errors.failure("Invalid method call")
        frame_id = frame.get("id")
        reply = {"msg": "result", "id": frame_id}
        try:
            reply["result"] = self._run_method(req, frame["method"], params)
        except _MethodError as exc:
            reply["error"] = exc.frame()
        except TwoFactorError as exc:
            reply["error"] = _MethodError(exc.code, exc.reason, exc.details).frame()
        except ApiError as exc:  # type/permission checks shared with the REST route
            reply["error"] = _MethodError.from_api_error(exc).frame()
        message = to_ejson(reply)
        if "error" in reply and band != "7":
            # the typed method.call (8.x) answers method errors with 400; the 7.x addRoute one with 200
            return 400, {"message": message, "success": False}
        return {"message": message}

    def _run_method(self, req, name, params):
        if name == "saveSettings":
            two_factor = {}
            if params and isinstance(params[-1], dict) and "twoFactorCode" in params[-1]:
                two_factor = params[-1]
                params = params[:-1]
            self.two_factor.check(req.user, code=two_factor.get("twoFactorCode"),
                                  method=two_factor.get("twoFactorMethod"), headers=req.headers,
                                  token_entry=req.token_entry, client_ip=req.client_ip)
            items = params[0] if params else None
            if not isinstance(items, list) or not all(
                    isinstance(i, dict) and isinstance(i.get("_id"), str) and "value" in i for i in items):
                raise _MatchError("Match error: Expected array, got %s" % json_type(items))
            return self._save_settings(req.user, items, integer_check=False, validation_rules=False)
        if name == "private-settings/get":
            store = self.store
            if not (store.has_permission(req.user, "view-privileged-setting")
                    or store.has_permission(req.user, "manage-selected-settings")):
                return []
            docs = [self._private_setting(d) for d in store.settings.values() if not d.get("hidden")]
            since = params[0] if params else None
            if isinstance(since, datetime.datetime):
                return {"update": [d for d in docs if d["_updatedAt"] > since], "remove": []}
            return docs
        raise _MethodError(404, "Method '%s' not found" % name)

    def _private_setting(self, doc):
        """Full document (raw stored value), enableQuery/displayQuery as JSON strings (§5.6)."""
        full = dict(doc)
        for key in ("enableQuery", "displayQuery"):
            if key in full and not isinstance(full[key], str):
                full[key] = json.dumps(full[key], separators=(",", ":"))
        return self._secret_read(doc, full)

    # ---------------------------------------------------------------- LDAP
    def _ldap_enabled(self):
        if self.store.setting("LDAP_Enable") is not True:
            raise errors.failure("LDAP_disabled")

    def _run_engine(self, route, action):
        """Run `action(engine)`; an LdapError becomes the reply the engine documents for `route`."""
        engine = self.engine()
        module = self.engine_module()
        try:
            return action(engine)
        except module.LdapError as exc:
            self.store.log("%s failed: %s" % (route, exc))
            status, body = exc.rest_body(route, self.store.major_version)
            raise ApiError(status, body)

    def ldap_test_connection(self, req):
        self._ldap_enabled()
        self._run_engine("ldap.testConnection", lambda engine: engine.test_connection())
        return {"message": "LDAP_Connection_successful"}

    def ldap_test_search(self, req):
        self._ldap_enabled()
        username = req.body["username"]
        self._run_engine("ldap.testSearch", lambda engine: engine.test_search(username))
        return {"message": "LDAP_User_Found"}

    def ldap_sync_now(self, req):
        store = self.store
        if not store.has_permission(req.user, "sync-auth-services-users"):
            raise errors.failure("error-not-authorized")
        self._ldap_enabled()
        if store.band == "9" and not any(store.setting(s) for s in (
                "LDAP_Background_Sync", "LDAP_Background_Sync_Avatars", "LDAP_Background_Sync_ABAC_Attributes")):
            raise errors.failure("LDAP_Background_Sync_disabled")
        if not store.licensed():
            # NOT DETERMINED: the reply once 2FA passed on an unlicensed 8.x server; the EE manager is
            # not active, so the sync is a no-op and the route answers as usual.
            store.log("LDAP sync skipped: ldap-enterprise is not licensed")
            return {"message": "Sync_in_progress"}
        # synchronous: users exist when the reply arrives (8.x logs sync errors; the engine raises
        # only where the running version answers an error)
        self._run_engine("ldap.syncNow", lambda engine: (engine.sync(), engine.sync_avatars()))
        return {"message": "Sync_in_progress"}

    # ---------------------------------------------------------------- users, roles, rooms
    def roles_list(self, req):
        return {"roles": [dict(r) for r in self.store.roles.values()]}

    def _minor(self):
        return int(str(self.store.options["version"]).split(".")[1])

    def _user_view(self, user, viewer):
        view = {k: user[k] for k in ("_id", "username", "name", "type", "status", "active", "roles", "emails",
                                     "utcOffset", "createdAt", "lastLogin", "customFields",
                                     "freeSwitchExtension", "avatarETag") if k in user}
        if user.get("ldap"):
            view["ldap"] = True
        if self.store.has_permission(viewer, "view-full-other-user-info") or (viewer and viewer["_id"] == user["_id"]):
            services = {k: v for k, v in user["services"].items() if k in ("ldap",)}
            if services:
                view["services"] = services
        return view

    def users_info(self, req):
        q = req.query
        if any(q.get(k) == "" for k in ("userId", "username", "importId", "email", "freeSwitchExtension")):
            # the schema lets an empty identifier through; the handler finds no search term
            raise errors.failure("Invalid search query.")
        if "userId" in q:
            user = self.store.find_user(user_id=q["userId"])
        elif "username" in q:
            user = self.store.find_user(username=q["username"])
        elif "email" in q:
            user = self.store.find_user(email=q["email"])
        elif "freeSwitchExtension" in q:
            user = next((u for u in self.store.users() if u.get("freeSwitchExtension") == q["freeSwitchExtension"]),
                        None)
        else:
            user = None  # importId: the sandbox imports nothing through the importer
        if user is None:
            raise errors.failure("User not found.")
        return {"user": self._user_view(user, req.user)}

    def users_list(self, req):
        """8.x users.list: sorted by username unless asked otherwise; `email` keeps the users with that
        address (exact, case-insensitive) and needs view-full-other-user-info."""
        users = self.store.users()
        email = req.query.get("email")
        if email:
            if not self.store.has_permission(req.user, "view-full-other-user-info"):
                raise errors.forbidden(self.store.band)
            users = [u for u in users if any(e.get("address", "").lower() == email.lower() for e in u.get("emails", []))]
        items = [self._user_view(u, req.user) for u in users]
        page, paging = self._page(req, items, default_sort=(("username", 1),))
        return dict({"users": page}, **paging)

    def _find_room(self, req):
        """findChannelByIdOrName: channels.info / channels.members have no schema in 8.x."""
        query = req.query
        if not any(isinstance(query.get(k), str) and query[k].strip() for k in ("roomId", "roomName")):
            raise errors.meteor_error("error-roomid-param-not-provided", 'The parameter "roomId" or "roomName" is required')
        room = None
        if "roomId" in req.query:
            room = self.store.rooms.get(req.query["roomId"])
        elif "roomName" in req.query:
            room = self.store.find_channel(req.query["roomName"])
        if room is None:
            raise errors.meteor_error(
                "error-room-not-found",
                'The required "roomId" or "roomName" param provided does not match any channel')
        return room

    def _room_view(self, room):
        view = {k: v for k, v in room.items() if k != "members"}
        view["usersCount"] = len(room["members"])
        return view

    def channels_info(self, req):
        return {"channel": self._room_view(self._find_room(req))}

    def channels_members(self, req):
        room = self._find_room(req)
        members = [self._member(uid) for uid in room["members"]]
        page, paging = self._page(req, [m for m in members if m])
        return dict({"members": page}, **paging)

    def _member(self, user_id):
        user = self.store.find_user(user_id=user_id)
        if user is None:
            return None
        return {"_id": user["_id"], "username": user["username"], "name": user.get("name"),
                "status": user.get("status", "offline")}

    def _find_team(self, req):
        team = None
        if "teamId" in req.query:
            team = self.store.teams.get(req.query["teamId"])
        elif "teamName" in req.query:
            team = self.store.find_team(req.query["teamName"])
        if team is None:
            raise errors.failure("Team not found")
        return team

    def teams_info(self, req):
        team = self._find_team(req)
        return {"teamInfo": {k: v for k, v in team.items() if k != "members"}}

    def teams_members(self, req):
        team = self._find_team(req)
        members = [{"user": self._member(uid), "roles": ["owner"] if uid == team["createdBy"]["_id"] else [],
                    "createdAt": team["createdAt"]} for uid in team["members"] if self._member(uid)]
        offset, count = self._pagination(req)
        page = members[offset:offset + count] if count else members[offset:]
        return {"members": page, "count": len(page), "offset": offset, "total": len(members)}

    # ---------------------------------------------------------------- test-only routes
    def sandbox_route(self, method, path, body):
        """The /_sandbox/ routes (no authentication); returns (status, body)."""
        store = self.store
        body = body if isinstance(body, dict) else {}
        name = path[len("/_sandbox/"):]
        if name == "requests" and method == "GET":
            with self.meta_lock:
                return 200, list(self.request_log)
        if name == "requests" and method == "DELETE":
            with self.meta_lock:
                self.request_log.clear()
            return 200, {"success": True}
        if name == "reset" and method == "POST":
            with store.lock:
                store.reset(startup=bool(body.get("startup")))
            with self.meta_lock:
                self.request_log.clear()
                self.faults.clear()
                self.rate_buckets.clear()
            return 200, {"success": True}
        if name == "config" and method == "POST":
            try:
                store.configure(body)
            except (ValueError, TypeError) as exc:
                return 400, {"success": False, "error": str(exc)}
            with self.meta_lock:
                self.rate_buckets.clear()
            return 200, {"success": True, "options": store.options}
        if name == "config" and method == "GET":
            return 200, {"success": True, "options": store.options}
        if name == "restart" and method == "POST":
            store.restart()
            with self.meta_lock:
                self.rate_buckets.clear()  # the limiter lives in memory
            return 200, {"success": True}
        if name == "faults" and method == "POST":
            if body.get("kind") not in ("status", "delay", "drop", "ratelimit") or not body.get("route"):
                return 400, {"success": False, "error": "need route and kind (status|delay|drop|ratelimit)"}
            fault = {"route": body["route"], "method": (body.get("method") or "").upper() or None,
                     "kind": body["kind"], "status": int(body.get("status", 503)),
                     "seconds": float(body.get("seconds", 1.0)), "times": body.get("times"),
                     "body": body.get("body")}
            with self.meta_lock:
                self.faults.append(fault)
            return 200, {"success": True}
        if name == "faults" and method == "DELETE":
            with self.meta_lock:
                self.faults.clear()
            return 200, {"success": True}
        if name == "faults" and method == "GET":
            with self.meta_lock:
                return 200, list(self.faults)
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
                    "log": list(store.log_lines), "engine_available": self.engine_module() is not None}

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
                getattr(self.engine(), method)()
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

    def take_fault(self, method, path):
        with self.meta_lock:
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

    def record(self, method, path, query, status, wrote):
        with self.meta_lock:
            entry = {"method": method, "path": path, "status": status, "wrote": wrote}
            if query:
                entry["query"] = query
            self.request_log.append(entry)


class _LoginError(Exception):
    def __init__(self, error, reason, details=None):
        super().__init__(reason)
        self.error, self.reason, self.details = error, reason, details


class _MethodError(Exception):
    """A Meteor.Error as serialised inside a DDP result frame."""

    def __init__(self, error, reason=None, details=None, message=None):
        super().__init__(reason)
        self.error, self.reason, self.details = error, reason, details
        self.message = message or ("%s [%s]" % (reason, error) if reason else "[%s]" % error)

    def frame(self):
        frame = {"isClientSafe": True, "error": self.error}
        if self.reason is not None:
            frame["reason"] = self.reason
        if self.details:
            frame["details"] = self.details
        frame["message"] = self.message
        frame["errorType"] = "Meteor.Error"
        return frame

    @classmethod
    def from_api_error(cls, exc):
        body = exc.body
        if "errorType" in body:
            error_text = body["error"]
            reason = error_text.rsplit(" [", 1)[0] if " [" in error_text else None
            return cls(body["errorType"], reason, body.get("details"), message=error_text)
        return _MatchError(body.get("error"))


class _MatchError(_MethodError):
    """A Match.Error (Meteor check()) serialised into the result frame. NOT DETERMINED: the contract
    only shows Meteor.Error frames; a Match.Error carries its text, path and the sanitized 400 error."""

    def __init__(self, text):
        super().__init__(400, "Match failed", message=text)

    def frame(self):
        sanitized = {"isClientSafe": True, "error": 400, "reason": "Match failed", "message": "Match failed [400]",
                     "errorType": "Meteor.Error"}
        return {"message": self.message, "path": "", "sanitizedError": sanitized, "errorType": "Match.Error"}


_OMIT = object()


def _valid_selector(selector):
    return bool(selector) and all(isinstance(v, str) for v in selector.values())


# ---------------------------------------------------------------------------------------- HTTP
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
            status, reply = sandbox.sandbox_route(self.command, path, body)
            return self._send(status, to_json(reply), dict(API_HEADERS))
        fault = sandbox.take_fault(self.command, path)
        if fault and fault["kind"] == "delay":
            time.sleep(fault["seconds"])
            fault = None
        if fault:
            return self._fault(fault, path, parsed.query)
        try:
            query = router.parse_query(parsed.query)
        except router.QueryError:
            sandbox.record(self.command, path, parsed.query, 400, False)
            return self._send(400, to_json({"success": False, "error": "Invalid query parameters"}), dict(API_HEADERS))
        body = router.parse_body(raw, self.headers.get("Content-Type"))
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, path, query, headers, body, self.client_address[0])
        sandbox.store.begin_request()
        try:
            status, reply, extra_headers = sandbox.handle(req)
        except Exception:  # a sandbox bug: answer like the server's catch-all, keep the trace in the log
            sandbox.store.log("internal error: %s" % traceback.format_exc())
            status, reply, extra_headers = 500, {"success": False, "error": "Internal server error"}, {}
        wrote = sandbox.store.request_wrote()
        sandbox.record(self.command, path, parsed.query, status, wrote)
        if isinstance(reply, str):
            headers_out = extra_headers
            payload = reply
        else:
            if isinstance(reply, dict) and reply.get("success") is _OMIT:
                reply = {k: v for k, v in reply.items() if k != "success"}
            headers_out = dict(API_HEADERS, **extra_headers)
            payload = to_json(reply)
        self._send(status, payload, headers_out)

    def _fault(self, fault, path, query):
        sandbox = self.sandbox
        if fault["kind"] == "drop":
            sandbox.record(self.command, path, query, None, False)
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
            sandbox.record(self.command, path, query, 429, False)
            return self._send(429, to_json(error.body), headers)
        status = fault["status"]
        sandbox.record(self.command, path, query, status, False)
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
    sandbox = Sandbox(options)
    handler = type("BoundHandler", (Handler,), {"sandbox": sandbox})
    server = SandboxHTTPServer((host, port), handler)
    sandbox.base_url = "http://%s:%d" % (host, server.server_address[1])
    return server, sandbox
