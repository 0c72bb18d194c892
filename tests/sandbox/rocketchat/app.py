"""The sandbox application: the store and the request pipeline with every route family, wired
together (one instance per process). server.py puts it behind HTTP."""

from .instrumentation import Faults, RequestLog
from .ldap_bridge import LdapBridge
from .pipeline import Pipeline
from .rate_limit import RateLimiter
from .routes.control import ControlRoutes
from .routes.ldap import LdapRoutes
from .routes.method_call import MethodCallRoutes
from .routes.session import SessionRoutes
from .routes.settings import SettingsRoutes
from .routes.users import UsersRoutes
from .twofactor import TwoFactor
from .world import new_store


class Sandbox:
    def __init__(self, options=None):
        self.store = new_store(options)
        self.request_log = RequestLog()
        self.faults = Faults()
        two_factor = TwoFactor(self.store)
        ldap = LdapBridge(self.store)
        rate_limiter = RateLimiter(self.store)
        settings = SettingsRoutes(self.store, two_factor)
        self.session = SessionRoutes(self.store, two_factor, ldap)
        families = [self.session, settings, MethodCallRoutes(self.store, settings.methods()),
                    LdapRoutes(self.store, ldap), UsersRoutes(self.store)]
        self.routes = [route for family in families for route in family.routes()]
        self.pipeline = Pipeline(self.store, two_factor, rate_limiter, self.routes)
        self.control = ControlRoutes(self.store, ldap, self.request_log, self.faults, rate_limiter)

    @property
    def base_url(self):
        """The server's own URL ("" until make_server has bound the socket); avatar URLs start with it."""
        return self.session.base_url

    @base_url.setter
    def base_url(self, url):
        self.session.base_url = url
