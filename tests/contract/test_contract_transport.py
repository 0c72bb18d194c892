"""§1 transport conventions: authentication headers, permission errors, response headers, unknown routes,
malformed JSON; §9 the REST rate limiter."""

import re
import time

import pytest
import requests

from tests.contract.conftest import NOT_LOGGED_IN, UNAUTHORIZED_403, auth


class TestAuthenticationHeaders:
    """§1.1: X-User-Id and X-Auth-Token are both required; §1.3 401 body."""

    @pytest.mark.parametrize("case", ["token-alone", "user-id-alone", "no-headers", "wrong-token",
                                      "token-of-another-user"])
    def test_rejected(self, rc, user_headers, case):
        headers = {
            "token-alone": {"X-Auth-Token": rc.env["admin_token"]},
            "user-id-alone": {"X-User-Id": rc.admin_id},
            "no-headers": {},
            "wrong-token": auth(rc.admin_id, "not-a-token"),
            "token-of-another-user": auth(rc.admin_id, user_headers["X-Auth-Token"]),
        }[case]
        reply = requests.get(rc.api("me"), headers=headers, timeout=10)
        assert reply.status_code == 401
        assert reply.json() == NOT_LOGGED_IN

    def test_both_headers_accepted(self, rc):
        reply = requests.get(rc.api("me"), headers=rc.admin, timeout=10)
        assert reply.status_code == 200
        assert reply.json()["_id"] == rc.admin_id

    def test_401_on_settings_routes_too(self, rc):
        for method, route in [("GET", "settings"), ("GET", "settings/LDAP_Host"), ("POST", "settings/LDAP_Host"),
                              ("POST", "ldap.testConnection"), ("GET", "licenses.info")]:
            reply = requests.request(method, rc.api(route), json={"value": "x"} if method == "POST" else None,
                                     timeout=10)
            assert reply.status_code == 401, (method, route)
            assert reply.json() == NOT_LOGGED_IN, (method, route)

    def test_9_0_body_loses_status_and_message(self, rc):
        rc.config(version="9.0.0")
        reply = requests.get(rc.api("me"), headers={"X-Auth-Token": rc.env["admin_token"]}, timeout=10)
        assert reply.status_code == 401
        assert reply.json() == {"success": False, "error": "You must be logged in to do this."}


class TestPermissions:
    """§1.3 and §6: a plain user lacks the admin permissions."""

    @pytest.mark.parametrize("method,route,body", [
        ("GET", "settings/LDAP_Host", None),                     # view-privileged-setting
        ("POST", "settings/LDAP_Host", {"value": "x"}),          # edit-privileged-setting
        ("POST", "ldap.testConnection", None),                   # test-admin-options
        ("POST", "ldap.testSearch", {"username": "anyone"}),     # test-admin-options
    ])
    def test_plain_user_gets_403(self, rc, user_headers, method, route, body):
        reply = requests.request(method, rc.api(route), json=body, headers=user_headers, timeout=10)
        assert reply.status_code == 403
        assert reply.json() == UNAUTHORIZED_403
        assert rc.get_setting("LDAP_Host") == ""

    def test_9_0_forbidden_variant(self, rc, user_headers):
        rc.config(version="9.0.0")
        reply = requests.get(rc.api("settings/LDAP_Host"), headers=user_headers, timeout=10)
        assert reply.status_code == 403
        body = reply.json()
        assert body["success"] is False
        assert body.get("errorType") == "error-forbidden" or "error-forbidden" in body["error"]
        assert "view-privileged-setting" in body["details"]["permissions"]


class TestResponseHeaders:
    """§1.1: every API reply is JSON and not cacheable."""

    @pytest.mark.parametrize("method,path,auth_kind", [
        ("GET", "/api/v1/me", "admin"),
        ("GET", "/api/v1/me", None),
        ("GET", "/api/info", None),
        ("GET", "/api/v1/settings/Not_A_Setting", "admin"),
        ("POST", "/api/v1/login", None),
    ])
    def test_headers(self, rc, method, path, auth_kind):
        reply = requests.request(method, rc.url + path, headers=rc.admin if auth_kind else {},
                                 json={"user": "x", "password": "y"} if method == "POST" else None, timeout=10)
        assert reply.headers["Content-Type"].split(";")[0].strip() == "application/json"
        assert reply.headers["Cache-Control"] == "no-store"
        assert reply.headers["Pragma"] == "no-cache"
        assert isinstance(reply.json()["success"], bool)


class TestMalformedRequests:
    """§1.3 and §8: bodies and routes the server cannot use."""

    def test_unknown_v1_route_is_404(self, rc):
        # §8: not determined; a client treats 404 as "endpoint not available".
        reply = requests.get(rc.api("no.such.endpoint"), headers=rc.admin, timeout=10)
        assert reply.status_code == 404

    def test_unknown_route_does_not_write(self, rc):
        requests.post(rc.api("no.such.endpoint"), json={"value": 1}, headers=rc.admin, timeout=10)
        assert rc.sandbox_log()[-1]["wrote"] is False

    @pytest.mark.parametrize("route", ["login", "settings/LDAP_Host", "settings"])
    def test_malformed_json_body_is_rejected(self, rc, route):
        # The contract does not fix the status (a route may see no parameters: 400, or 401 for login);
        # it must be a JSON failure that writes nothing.
        reply = requests.post(rc.api(route), data="{not json", headers={**rc.admin, "Content-Type": "application/json"},
                              timeout=10)
        assert reply.status_code in (400, 401)
        assert reply.json()["success"] is False
        assert rc.get_setting("LDAP_Host") == ""


class TestRateLimiter:
    """§9: off by default (TEST_MODE); when on, 10 calls per 60 s per client + route + method."""

    LIMIT = 10

    def test_off_by_default(self, rc, user_headers):
        for _ in range(self.LIMIT + 3):
            reply = requests.get(rc.api("me"), headers=user_headers, timeout=10)
            assert reply.status_code == 200
            assert "X-RateLimit-Limit" not in reply.headers

    def test_headers_and_429(self, rc, user_headers):
        rc.config(rate_limiter=True)
        started_ms = time.time() * 1000
        for call in range(self.LIMIT):
            reply = requests.get(rc.api("me"), headers=user_headers, timeout=10)
            assert reply.status_code == 200, call
            assert int(reply.headers["X-RateLimit-Limit"]) == self.LIMIT
            assert int(reply.headers["X-RateLimit-Remaining"]) == self.LIMIT - 1 - call
            reset = int(reply.headers["X-RateLimit-Reset"])
            # Absolute epoch milliseconds, within the 60 s window.
            assert started_ms - 1000 < reset <= time.time() * 1000 + 60000 + 1000
        limited = requests.get(rc.api("me"), headers=user_headers, timeout=10)
        assert limited.status_code == 429
        body = limited.json()
        assert set(body) == {"success", "error"}
        assert body["success"] is False
        assert re.fullmatch(r"Error, too many requests\. Please slow down\. You must wait \d+ seconds before "
                            r"trying this endpoint again\. \[error-too-many-requests\]", body["error"])
        # Another route has its own counter (the key is client + route + method).
        assert requests.get(rc.api("roles.list"), headers=user_headers, timeout=10).status_code == 200

    def test_login_is_limited_too(self, rc):
        rc.config(rate_limiter=True)
        body = {"user": rc.env["user_username"], "password": rc.env["user_password"]}
        statuses = [requests.post(rc.api("login"), json=body, timeout=10).status_code for _ in range(self.LIMIT + 1)]
        assert statuses == [200] * self.LIMIT + [429]

    def test_admin_bypasses(self, rc):
        rc.config(rate_limiter=True)
        for _ in range(self.LIMIT + 5):
            assert requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code == 200

    def test_method_call_is_not_limited(self, rc, user_headers):
        rc.config(rate_limiter=True)
        for _ in range(self.LIMIT + 2):
            reply, _frame = rc.method_call("private-settings:get", [], user_headers)
            assert reply.status_code == 200

    def test_limit_follows_the_settings(self, rc, user_headers):
        rc.set_setting("API_Enable_Rate_Limiter_Limit_Calls_Default", 3)
        rc.config(rate_limiter=True)
        replies = [requests.get(rc.api("me"), headers=user_headers, timeout=10) for _ in range(4)]
        assert [r.status_code for r in replies] == [200, 200, 200, 429]
        assert replies[0].headers["X-RateLimit-Limit"] == "3"


class TestPagingSettings:
    """§1.4: API_Default_Count and API_Upper_Count_Limit drive list paging."""

    def test_default_count(self, rc):
        rc.set_setting("API_Default_Count", 10)
        body = requests.get(rc.api("settings"), headers=rc.admin, timeout=10).json()
        assert body["count"] == len(body["settings"]) == 10

    def test_upper_limit(self, rc):
        rc.set_setting("API_Upper_Count_Limit", 20)
        body = requests.get(rc.api("settings"), params={"count": 50}, headers=rc.admin, timeout=10).json()
        assert body["count"] == len(body["settings"]) == 20
