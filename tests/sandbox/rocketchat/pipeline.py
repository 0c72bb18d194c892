"""The request pipeline: what the server does with an API request, in this order (8.x and 9.0):

    match the route          none: 404 text/plain
    authenticate             X-User-Id + X-Auth-Token (routes with auth=True need them)
    check permissions        the user holds one of the route's permissions
    check the licence        9.0: the LDAP routes need ldap-enterprise
    validate                 the query, then the body, against Rocket.Chat's schemas (schemas.py)
    rate limit               rate_limit.py
    two-factor               twofactor.py, with the route's options
    handler                  routes/*.py; a dict reply gains "success": true

7.x (pre-Hono addRoute routes): authenticate, rate limit, validate, check permissions, two-factor.
The steps and the handler run under the store's lock.
"""

import re
import urllib.parse

from . import errors, schemas
from .errors import ApiError
from .settings_store import LDAP_MODULE
from .twofactor import TwoFactorError

# A handler's reply {"success": OMIT_SUCCESS, ...} is sent without a `success` key (pre-Hono routes).
OMIT_SUCCESS = object()


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


class Pipeline:
    def __init__(self, store, two_factor, rate_limiter, routes):
        self.store = store
        self.two_factor = two_factor
        self.rate_limiter = rate_limiter
        self.routes = routes

    def handle(self, req):
        """Run a request through the pipeline; returns (status, body, headers)."""
        route, params = self.match(req.method, req.path)
        if route is None:
            # NOT DETERMINED (contract §8): the reply of an unknown route. 8.x routes through a
            # Hono-based router whose default not-found answer is a plain-text 404; the same is used
            # for every band (and for methods a route does not serve, e.g. bulk POST before 8.6).
            return 404, "404 Not Found", {"Content-Type": "text/plain; charset=UTF-8"}
        req.params = params
        headers = {}
        try:
            with self.store.lock:
                for step in self.steps():
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
        if isinstance(result, dict):
            if result.get("success") is OMIT_SUCCESS:
                result = {k: v for k, v in result.items() if k != "success"}
            elif "success" not in result:
                result = dict(result, success=True)
        return status, result, headers

    def match(self, method, path):
        """The route for (method, path) in the running version and its path parameters, or (None, None)."""
        band = self.store.band
        for route in self.routes:
            if route.method != method or (route.bands and band not in route.bands):
                continue
            found = route.regex.match(path)
            if found:
                return route, {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
        return None, None

    def steps(self):
        if self.store.band == "7":
            # pre-Hono order: auth -> rate limit -> validateParams -> permissions -> 2FA
            return (self.authenticate, self.rate_limiter.check, self.validate, self.check_permissions,
                    self.check_two_factor)
        return (self.authenticate, self.check_permissions, self.check_license, self.validate,
                self.rate_limiter.check, self.check_two_factor)

    # ---------------------------------------------------------------- the steps
    def authenticate(self, route, req, headers):
        if not route.auth:
            return
        user, entry = self.store.find_login(req.headers.get("x-user-id"), req.headers.get("x-auth-token"))
        if user is None and route.auth is True:
            raise errors.unauthorized(self.store.band)
        req.user, req.token_entry = user, entry

    def check_permissions(self, route, req, headers):
        missing = [p for p in route.permissions if not self.store.has_permission(req.user, p)]
        if route.permissions and len(missing) == len(route.permissions):
            raise errors.forbidden_permission(self.store.band, route.permissions)

    def check_license(self, route, req, headers):
        if route.license and self.store.band == "9" and not self.store.licensed(LDAP_MODULE):
            raise errors.license_required()

    def validate(self, route, req, headers):
        """The router's query, then body validation (Router.ts): Rocket.Chat's schemas, coercing as AJV does."""
        store = self.store
        key = "%s %s" % (route.method, route.pattern)
        version = (store.major_version, store.minor_version)
        for part, refuse in (("query", errors.invalid_query), ("body", errors.invalid_body)):
            validator = schemas.validator(key, part, store.band, version)
            if validator is None:
                continue
            valid, data, messages = validator.validate(getattr(req, part))
            if not valid:
                raise refuse(store.band, "\n ".join(messages))
            setattr(req, part, data)

    def check_two_factor(self, route, req, headers):
        options = route.two_factor
        if options is None:
            return
        if callable(options):
            options = options()
        self.two_factor.check(req.user, headers=req.headers, token_entry=req.token_entry,
                              client_ip=req.client_ip, **options)
