"""Session routes: login, logout, me, the personal access tokens, and GET /api/info (what a client
reads before it logs in)."""

from .. import errors
from ..errors import ApiError
from ..pipeline import OMIT_SUCCESS, Route
from ..store import new_token, password_digest
from ..twofactor import TwoFactorError

MINIMUM_CLIENT_VERSIONS = {"desktop": "3.9.6", "mobile": "4.39.0"}


class _LoginError(Exception):
    def __init__(self, error, reason, details=None):
        super().__init__(reason)
        self.error, self.reason, self.details = error, reason, details


def _valid_selector(selector):
    return bool(selector) and all(isinstance(v, str) for v in selector.values())


class SessionRoutes:
    def __init__(self, store, two_factor, ldap):
        self.store = store
        self.two_factor = two_factor
        self.ldap = ldap
        self.base_url = ""            # the server's URL, set once it listens (app.Sandbox.base_url)

    def routes(self):
        two_fa = {}
        return [
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
        ]

    # ---------------------------------------------------------------- login
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
            store.record_login(user["_id"])
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
        if self.ldap.module() is None:
            self.store.log("LDAP login skipped: ldap_engine is not available")
            return None
        # the engine returns None for every failure that falls back to the local login; what it
        # raises (existing unlinked user, an entry it cannot map) ends the login
        return self.ldap.run("login", lambda engine: engine.login(username, password))

    # ---------------------------------------------------------------- logout, me, info
    def logout(self, req):
        self.store.remove_login_token(req.user["_id"], req.token_entry["hashedToken"])
        # pre-Hono code returns this body without a `success` key
        return {"status": "success", "data": {"message": "You've been logged out!"}, "success": OMIT_SUCCESS}

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

    # ---------------------------------------------------------------- personal access tokens
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
