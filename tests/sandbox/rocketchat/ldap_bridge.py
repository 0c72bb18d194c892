"""The route handlers' one door to ldap_engine.py: the engine module is imported when first used, and
an LdapError becomes the REST reply the engine documents for the route."""

import importlib

from .errors import ApiError


class LdapBridge:
    def __init__(self, store):
        self.store = store

    def module(self):
        """ldap_engine, or None when the sandbox was installed without it."""
        try:
            return importlib.import_module(__package__ + ".ldap_engine")
        except ImportError as exc:
            if exc.name and exc.name.endswith("ldap_engine"):
                return None
            raise

    def engine(self):
        module = self.module()
        if module is None:
            raise ApiError(500, {"success": False, "error": "sandbox: ldap_engine is not available"})
        return module.LdapEngine(self.store, major_version=self.store.major_version)

    def run(self, route, action):
        """Run `action(engine)`; an LdapError becomes the reply the engine documents for `route`."""
        engine = self.engine()
        module = self.module()
        try:
            return action(engine)
        except module.LdapError as exc:
            self.store.log("%s failed: %s" % (route, exc))
            status, body = exc.rest_body(route, self.store.major_version)
            raise ApiError(status, body)
